/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper: lays a DTB out as the kernel's /proc/device-tree, in a temporary sysroot. */
#include <fcntl.h>
#include <ftw.h>
#include <libfdt.h>
#include <stdio.h>
#include <sys/stat.h>

#include "dt-fs-writer.h"
#include "util.h"

static int write_at(int dirfd, const char *name, const void *data, size_t size)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
        const char *p = data;

        if (fd < 0)
                return -errno;
        while (size > 0) {
                ssize_t k = write(fd, p, size);
                if (k < 0)
                        return -errno;
                p += k;
                size -= (size_t)k;
        }
        return 0;
}

static int write_node(const void *blob, int node, int dirfd)
{
        const char *name = fdt_get_name(blob, node, NULL);
        size_t k = strcspn(name ? name : "", "@");
        bool has_name = false;
        int prop, sub, r;

        fdt_for_each_property_offset(prop, blob, node)
        {
                const char *pname;
                int len;
                const void *v = fdt_getprop_by_offset(blob, prop, &pname, &len);

                if (!v || len < 0)
                        return -EBADMSG;
                if (streq(pname, "name"))
                        has_name = true;
                r = write_at(dirfd, pname, v, (size_t)len);
                if (r < 0)
                        return r;
        }
        /* drivers/of/fdt.c adds "name" (the node name without unit address) to every node. */
        if (!has_name) {
                char buf[256] = {};
                if (k >= sizeof(buf))
                        return -ENAMETOOLONG;
                memcpy(buf, name ? name : "", k);
                r = write_at(dirfd, "name", buf, k + 1);
                if (r < 0)
                        return r;
        }
        fdt_for_each_subnode(sub, blob, node)
        {
                const char *sname = fdt_get_name(blob, sub, NULL);
                _cleanup_close_ int fd = -EBADF;

                if (!sname)
                        return -EBADMSG;
                if (mkdirat(dirfd, sname, 0755) < 0)
                        return -errno;
                fd = openat(dirfd, sname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                r = write_node(blob, sub, fd);
                if (r < 0)
                        return r;
        }
        return 0;
}

int dt_fs_write(const void *blob, const char *dir)
{
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = mkdir_parents(dir, 0755);
        if (r < 0)
                return r;
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return -errno;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return write_node(blob, 0, fd);
}

char *dt_fs_sysroot_new(const char *what)
{
        char *root = strdup_printf("/tmp/hwctl-test-%s-XXXXXX", what);

        if (!root || !mkdtemp(root)) {
                perror("mkdtemp");
                exit(EXIT_FAILURE);
        }
        return root;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path) < 0 ? -1 : 0;
}

void dt_fs_sysroot_free(char *root)
{
        if (root)
                nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        free(root);
}

int dt_fs_make_sysroot(const void *blob, const char *root)
{
        _cleanup_free_ char *base = strdup_printf("%s/sys/firmware/devicetree/base", root);
        int r;

        if (!base)
                return -ENOMEM;
        r = dt_fs_write(blob, base);
        if (r < 0)
                return r;
        r = dt_fs_mkdir(root, "proc");
        if (r < 0)
                return r;
        return dt_fs_symlink("/sys/firmware/devicetree/base", root, "proc/device-tree");
}

int dt_fs_write_file(const char *root, const char *rel, const void *data, size_t size)
{
        _cleanup_free_ char *p = strdup_printf("%s/%s", root, rel);
        int r;

        if (!p)
                return -ENOMEM;
        r = mkdir_parents(p, 0755);
        if (r < 0)
                return r;
        return write_at(AT_FDCWD, p, data, size);
}

int dt_fs_mkdir(const char *root, const char *rel)
{
        _cleanup_free_ char *p = strdup_printf("%s/%s/", root, rel);
        int r;

        if (!p)
                return -ENOMEM;
        r = mkdir_parents(p, 0755);
        return r;
}

int dt_fs_symlink(const char *target, const char *root, const char *rel)
{
        _cleanup_free_ char *p = strdup_printf("%s/%s", root, rel);
        int r;

        if (!p)
                return -ENOMEM;
        r = mkdir_parents(p, 0755);
        if (r < 0)
                return r;
        return symlink(target, p) < 0 ? -errno : 0;
}

void *dt_fs_read_blob(const char *path, size_t *ret_size)
{
        char *data = NULL;
        int r = read_full_file(path, 64 * 1024 * 1024, &data, ret_size);

        if (r < 0) {
                fprintf(stderr, "Cannot read %s: %s\n", path, strerror(-r));
                exit(EXIT_FAILURE);
        }
        return data;
}
