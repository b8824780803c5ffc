/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Finds the partition and disk under a mount point from mountinfo and sysfs, never from names. */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <dirent.h>

#include "rootfs.h"
#include "util.h"

void rootfs_location_done(RootfsLocation *l)
{
        free(l->mount);
        free(l->mount_path);
        free(l->part_node);
        free(l->disk_node);
        free(l->part_name);
        free(l->disk_name);
        free(l->part_sys);
        free(l->disk_sys);
        *l = (RootfsLocation){};
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
        char *w = s;

        for (char *r = s; *r; r++, w++) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
                    r[3] >= '0' && r[3] <= '7') {
                        *w = (char)((r[1] - '0') << 6 | (r[2] - '0') << 3 | (r[3] - '0'));
                        r += 3;
                } else
                        *w = *r;
        }
        *w = 0;
}

/* The last mount at `mount` wins, as it is the one a path lookup sees. */
static int mountinfo_find(const char *proc, const char *mount, unsigned *ret_major,
                          unsigned *ret_minor, char **ret_source)
{
        _cleanup_free_ char *path = path_join_root(proc, "self/mountinfo"), *buf = NULL;
        _cleanup_free_ char *source = NULL;
        unsigned maj = 0, min = 0;
        bool found = false;
        char *line, *save = NULL;
        int r;

        if (!path)
                return -ENOMEM;
        r = read_full_file(path, 16 << 20, &buf, NULL);
        if (r < 0)
                return r;
        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *f[10] = {}, *sep, *s2 = NULL, *rest;
                unsigned a, b;
                size_t n = 0;

                sep = strstr(line, " - ");
                if (!sep)
                        continue;
                *sep = 0;
                rest = sep + 3;
                for (char *t = strtok_r(line, " ", &s2); t && n < 6; t = strtok_r(NULL, " ", &s2))
                        f[n++] = t;
                if (n < 5 || sscanf(f[2], "%u:%u", &a, &b) != 2)
                        continue;
                unescape(f[4]);
                if (!streq(f[4], mount))
                        continue;
                /* After the separator: fstype, source, super options. */
                s2 = NULL;
                f[6] = strtok_r(rest, " ", &s2);
                f[7] = f[6] ? strtok_r(NULL, " ", &s2) : NULL;
                free(source);
                source = f[7] ? strdup(f[7]) : NULL;
                if (f[7] && !source)
                        return -ENOMEM;
                if (source)
                        unescape(source);
                maj = a;
                min = b;
                found = true;
        }
        if (!found)
                return -ENXIO; /* -ENOENT is for a missing mountinfo */
        *ret_major = maj;
        *ret_minor = min;
        *ret_source = TAKE_PTR(source);
        return 0;
}

static int read_u64(const char *dir, const char *file, uint64_t *ret)
{
        _cleanup_free_ char *p = strdup_printf("%s/%s", dir, file), *line = NULL;
        char *end;
        unsigned long long v;
        int r;

        if (!p)
                return -ENOMEM;
        r = read_one_line_file(p, &line);
        if (r < 0)
                return r;
        if (line[0] < '0' || line[0] > '9') /* strtoull() would take "-1" */
                return -EBADMSG;
        errno = 0;
        v = strtoull(line, &end, 10);
        if (errno || end == line || *end)
                return -EBADMSG;
        *ret = v;
        return 0;
}

static bool dir_has_entries(const char *path)
{
        DIR *d = opendir(path);
        struct dirent *de;
        bool any = false;

        if (!d)
                return false;
        while (!any && (de = readdir(d)))
                any = de->d_name[0] != '.';
        closedir(d);
        return any;
}

int rootfs_locate(const RootfsPaths *p, const char *mount, RootfsLocation *l, RootfsDisk *d)
{
        _cleanup_(rootfs_location_done) RootfsLocation loc = {};
        _cleanup_free_ char *source = NULL, *rel = NULL, *real = NULL, *parent = NULL, *tmp = NULL;
        uint64_t v;
        char *slash;
        int r;

        loc.mount = strdup(mount);
        if (!loc.mount)
                return -ENOMEM;
        r = mountinfo_find(p->proc, mount, &loc.major, &loc.minor, &source);
        if (r < 0)
                return r;

        /* btrfs (and others) report an anonymous device in mountinfo: the source names the
         * block device, which we stat under the dev root. */
        if (loc.major == 0) {
                struct stat st;

                if (!source || strncmp(source, "/dev/", 5) != 0)
                        return -ENODEV;
                tmp = path_join_root(p->dev, source + 5);
                if (!tmp)
                        return -ENOMEM;
                if (stat(tmp, &st) < 0)
                        return -errno;
                if (!S_ISBLK(st.st_mode))
                        return -ENOTBLK;
                loc.major = major(st.st_rdev);
                loc.minor = minor(st.st_rdev);
        }

        rel = strdup_printf("dev/block/%u:%u", loc.major, loc.minor);
        loc.part_sys = rel ? path_join_root(p->sys, rel) : NULL;
        if (!loc.part_sys)
                return -ENOMEM;
        real = realpath(loc.part_sys, NULL);
        if (!real)
                return -errno;
        slash = strrchr(real, '/');
        if (!slash || !slash[1])
                return -EBADMSG;
        loc.part_name = strdup(slash + 1);
        loc.part_node = path_join_root(p->dev, slash + 1);
        if (!loc.part_name || !loc.part_node)
                return -ENOMEM;
        free(tmp);
        tmp = path_join_root(real, "dm");
        if (!tmp)
                return -ENOMEM;
        d->device_mapper = access(tmp, F_OK) == 0;
        free(tmp);
        tmp = path_join_root(real, "holders");
        if (!tmp)
                return -ENOMEM;
        d->device_mapper = d->device_mapper || dir_has_entries(tmp);

        r = read_u64(real, "partition", &v);
        if (r < 0 && r != -ENOENT)
                return r;
        if (r == -ENOENT) {
                /* A whole disk (or dm): nothing to grow with a partition table. */
                d->root_number = 0;
                d->table = ROOTFS_TABLE_NONE;
                *l = loc;
                loc = (RootfsLocation){};
                return 0;
        }
        if (v == 0 || v > ROOTFS_MAX_PARTS * 2)
                return -EBADMSG;
        d->root_number = (unsigned)v;
        r = read_u64(real, "start", &loc.part_start_512);
        if (r < 0)
                return r;
        r = read_u64(real, "size", &loc.part_size_512);
        if (r < 0)
                return r;

        parent = strdup(real);
        if (!parent)
                return -ENOMEM;
        slash = strrchr(parent, '/');
        *slash = 0;
        slash = strrchr(parent, '/');
        if (!slash || !slash[1])
                return -EBADMSG;
        loc.disk_sys = strdup(parent);
        loc.disk_name = strdup(slash + 1);
        loc.disk_node = path_join_root(p->dev, slash + 1);
        if (!loc.disk_name || !loc.disk_node || !loc.disk_sys)
                return -ENOMEM;

        r = read_u64(parent, "queue/logical_block_size", &v);
        if (r < 0)
                return r;
        if (v < 512 || v > 65536 || (v & (v - 1)))
                return -EBADMSG;
        d->sector_size = (uint32_t)v;
        r = read_u64(parent, "size", &v); /* always 512-byte units */
        if (r < 0)
                return r;
        if (v > UINT64_MAX / 512)
                return -EBADMSG;
        d->disk_sectors = v * 512 / d->sector_size;
        d->read_only =
                (read_u64(parent, "ro", &v) == 0 && v) || (read_u64(real, "ro", &v) == 0 && v);

        *l = loc;
        loc = (RootfsLocation){};
        return 0;
}

int rootfs_locate_siblings(const RootfsLocation *l, RootfsDisk *d)
{
        _cleanup_closedir_ DIR *dir = NULL;
        uint64_t per = d->sector_size / 512;
        struct dirent *de;
        size_t n = 0;

        if (!l->disk_sys || per == 0)
                return -EINVAL;
        dir = opendir(l->disk_sys);
        if (!dir)
                return -errno;
        while ((de = readdir(dir))) {
                _cleanup_free_ char *sub = NULL;
                uint64_t number, start, size;

                if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
                        continue;
                sub = path_join_root(l->disk_sys, de->d_name);
                if (!sub)
                        return -ENOMEM;
                if (read_u64(sub, "partition", &number) < 0)
                        continue;
                if (read_u64(sub, "start", &start) < 0 || read_u64(sub, "size", &size) < 0)
                        return -EBADMSG;
                if (n >= ROOTFS_MAX_PARTS || number == 0 || number > UINT32_MAX || start % per ||
                    size % per)
                        return -EBADMSG;
                d->parts[n++] = (RootfsPart){
                        .number = (unsigned)number, .start = start / per, .size = size / per};
        }
        d->n_parts = n;
        return 0;
}
