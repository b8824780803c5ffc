/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reads the kernel's live device tree (/proc/device-tree) into a flattened tree in memory. */
#include <dirent.h>
#include <fcntl.h>
#include <libfdt.h>
#include <limits.h>
#include <sys/stat.h>

#include "dt.h"
#include "util.h"

#define LIVE_NODES_MAX    100000U
#define LIVE_SYMLINK_HOPS 8
#define LIVE_NAME_MAX     255

typedef struct DirId {
        dev_t dev;
        ino_t ino;
} DirId;

typedef struct LiveWriter {
        void *buf;
        int size;
        size_t bytes_read;
        unsigned n_nodes;
        DirId stack[DT_DEPTH_MAX + 1];
        unsigned skipped_symlinks, skipped_special, skipped_names, skipped_big, skipped_unreadable;
        char *first_symlink; /* path of one skipped symlink, for the note */
        char *error;
} LiveWriter;

static void live_writer_done(LiveWriter *w)
{
        free(w->buf);
        free(w->first_symlink);
        free(w->error);
}

static int fail(LiveWriter *w, int r, char *sentence)
{
        if (!w->error)
                w->error = sentence;
        else
                free(sentence);
        return r;
}

static int grow(LiveWriter *w)
{
        void *n;
        int r;

        if ((size_t)w->size * 2 > DT_BLOB_SIZE_MAX)
                return fail(w, -EFBIG,
                            strdup_printf("The live device tree is larger than %u MiB.",
                                          DT_BLOB_SIZE_MAX >> 20));
        n = malloc((size_t)w->size * 2);
        if (!n)
                return -ENOMEM;
        r = fdt_resize(w->buf, n, w->size * 2);
        if (r < 0) {
                free(n);
                return fail(
                        w, -EIO,
                        strdup_printf("Cannot grow the device tree buffer: %s.", fdt_strerror(r)));
        }
        free(w->buf);
        w->buf = n;
        w->size *= 2;
        return 0;
}

enum { SW_BEGIN_NODE, SW_PROPERTY, SW_END_NODE, SW_FINISH };

/* One sequential-write call, retried after growing the buffer when libfdt runs out of room.
 * libfdt's error numbers overlap errno values, so they are turned into a sentence here. */
static int sw_call(LiveWriter *w, int op, const char *name, const void *val, int len)
{
        for (;;) {
                int r;

                switch (op) {
                case SW_BEGIN_NODE:
                        r = fdt_begin_node(w->buf, name);
                        break;
                case SW_PROPERTY:
                        r = fdt_property(w->buf, name, val, len);
                        break;
                case SW_END_NODE:
                        r = fdt_end_node(w->buf);
                        break;
                default:
                        r = fdt_finish(w->buf);
                        break;
                }
                if (r >= 0)
                        return 0;
                if (r != -FDT_ERR_NOSPACE)
                        return fail(w, -EIO,
                                    strdup_printf("Cannot build the device tree: %s.",
                                                  fdt_strerror(r)));
                r = grow(w);
                if (r < 0)
                        return r;
        }
}

static bool valid_name(const char *n)
{
        size_t k = strlen(n);

        if (k == 0 || k > LIVE_NAME_MAX || streq(n, ".") || streq(n, ".."))
                return false;
        for (size_t i = 0; i < k; i++)
                if ((unsigned char)n[i] <= 0x20 || (unsigned char)n[i] > 0x7e || n[i] == '/')
                        return false;
        return true;
}

static int cmp_names(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The kernel adds a "name" property to every node (the node name without its unit address); a
 * DTB has none, so leave it out to get the same blob back. */
static bool synthesized_name(const char *node_name, const char *data, size_t size)
{
        size_t k = strcspn(node_name, "@");
        return size == k + 1 && memcmp(data, node_name, k) == 0 && data[k] == 0;
}

static int read_property(LiveWriter *w, int dirfd, const char *node_name, const char *name)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *data = NULL;
        size_t size = 0, alloc = 0;
        struct stat st;
        int r;

        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                if (errno == ELOOP) {
                        w->skipped_symlinks++;
                        return 0;
                }
                /* Some properties may be root-only; the rest still describe the board. */
                if (errno == EACCES || errno == EPERM) {
                        w->skipped_unreadable++;
                        return 0;
                }
                r = -errno; /* before strdup_printf() can touch errno */
                return fail(w, r,
                            strdup_printf("Cannot open property %s of node '%s' in the live "
                                          "device tree: %s.",
                                          name, node_name, strerror(-r)));
        }
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode)) {
                w->skipped_special++;
                return 0;
        }
        if ((uint64_t)st.st_size > DT_PROP_SIZE_MAX) {
                w->skipped_big++;
                return 0;
        }
        for (;;) {
                ssize_t k;
                if (size == alloc) {
                        size_t n = alloc ? alloc * 2 : 256;
                        char *p;
                        if (alloc > DT_PROP_SIZE_MAX) {
                                w->skipped_big++;
                                return 0;
                        }
                        p = realloc(data, n);
                        if (!p)
                                return -ENOMEM;
                        data = p;
                        alloc = n;
                }
                k = read(fd, data + size, alloc - size);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        return fail(w, r,
                                    strdup_printf("Cannot read property %s of node '%s' in the "
                                                  "live device tree: %s.",
                                                  name, node_name, strerror(-r)));
                }
                if (k == 0)
                        break;
                size += (size_t)k;
        }
        if (size > DT_PROP_SIZE_MAX) {
                w->skipped_big++;
                return 0;
        }
        w->bytes_read += size;
        if (w->bytes_read > DT_BLOB_SIZE_MAX)
                return fail(w, -EFBIG,
                            strdup_printf("The live device tree holds more than %u MiB "
                                          "of properties.",
                                          DT_BLOB_SIZE_MAX >> 20));
        if (streq(name, "name") && synthesized_name(node_name, data ? data : "", size))
                return 0;
        return sw_call(w, SW_PROPERTY, name, data ? data : "", (int)size);
}

static int read_node(LiveWriter *w, int dirfd, const char *node_name, const char *path,
                     unsigned depth);

static int read_entries(LiveWriter *w, DIR *d, char ***ret)
{
        _cleanup_strv_free_ char **names = calloc(1, sizeof(char *));
        struct dirent *de;
        size_t n = 0;
        int r;

        if (!names)
                return -ENOMEM;
        for (;;) {
                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                return -errno;
                        break;
                }
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (!valid_name(de->d_name)) {
                        w->skipped_names++;
                        continue;
                }
                r = strv_extend(&names, de->d_name);
                if (r < 0)
                        return r;
                n++;
        }
        /* Directory order is arbitrary; sort so two reads of one tree give one blob. */
        qsort(names, n, sizeof(char *), cmp_names);
        *ret = TAKE_PTR(names);
        return 0;
}

static int read_node(LiveWriter *w, int dirfd, const char *node_name, const char *path,
                     unsigned depth)
{
        _cleanup_strv_free_ char **names = NULL;
        struct stat st;
        DIR *d;
        int r;

        /* From here on the directory stream owns dirfd. */
        d = fdopendir(dirfd);
        if (!d) {
                r = -errno;
                close(dirfd);
                return r;
        }
        if (depth > DT_DEPTH_MAX) {
                r = fail(w, -ELOOP,
                         strdup_printf("The live device tree is deeper than %d levels "
                                       "at %s.",
                                       DT_DEPTH_MAX, path));
                goto finish;
        }
        if (++w->n_nodes > LIVE_NODES_MAX) {
                r = fail(w, -EFBIG,
                         strdup_printf("The live device tree has more than %u nodes.",
                                       LIVE_NODES_MAX));
                goto finish;
        }
        if (fstat(dirfd, &st) < 0) {
                r = -errno;
                goto finish;
        }
        /* A bind mount can make a directory its own descendant; depth alone would catch it late. */
        for (unsigned i = 0; i < depth; i++)
                if (w->stack[i].dev == st.st_dev && w->stack[i].ino == st.st_ino) {
                        r = fail(w, -ELOOP,
                                 strdup_printf("The live device tree loops back on "
                                               "itself at %s.",
                                               path));
                        goto finish;
                }
        w->stack[depth] = (DirId){st.st_dev, st.st_ino};

        r = read_entries(w, d, &names);
        if (r < 0)
                goto finish;

        r = sw_call(w, SW_BEGIN_NODE, node_name, NULL, 0);
        if (r < 0)
                goto finish;

        /* A flattened tree lists a node's properties before its subnodes. */
        STRV_FOREACH (n, names) {
                if (fstatat(dirfd, *n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        r = -errno;
                        goto finish;
                }
                if (S_ISLNK(st.st_mode)) {
                        if (w->skipped_symlinks++ == 0)
                                w->first_symlink = strdup_printf("%s/%s", depth ? path : "", *n);
                        continue;
                }
                if (S_ISDIR(st.st_mode))
                        continue;
                r = read_property(w, dirfd, node_name, *n);
                if (r < 0)
                        goto finish;
        }
        STRV_FOREACH (n, names) {
                _cleanup_free_ char *child_path = NULL;
                int fd;

                if (fstatat(dirfd, *n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        r = -errno;
                        goto finish;
                }
                if (!S_ISDIR(st.st_mode))
                        continue;
                fd = openat(dirfd, *n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0) {
                        r = -errno;
                        r = fail(w, r,
                                 strdup_printf("Cannot open node %s/%s of the live device "
                                               "tree: %s.",
                                               path, *n, strerror(-r)));
                        goto finish;
                }
                child_path = strdup_printf("%s/%s", depth ? path : "", *n);
                if (!child_path) {
                        close(fd);
                        r = -ENOMEM;
                        goto finish;
                }
                r = read_node(w, fd, *n, child_path, depth + 1);
                if (r < 0)
                        goto finish;
        }
        r = sw_call(w, SW_END_NODE, NULL, NULL, 0);
finish:
        closedir(d); /* also closes dirfd */
        return r;
}

/* Follows <sysroot>/proc/device-tree when it is a symlink (normally to
 * /sys/firmware/devicetree/base), resolving absolute targets inside sysroot. Only this top link is
 * followed; links inside the tree are not. */
static int resolve_top(const char *sysroot, char **ret, char **ret_error)
{
        _cleanup_free_ char *path = path_join_root(sysroot, "proc/device-tree");

        if (!path)
                return -ENOMEM;
        for (unsigned hop = 0; hop <= LIVE_SYMLINK_HOPS; hop++) {
                char target[PATH_MAX];
                struct stat st;
                ssize_t k;
                char *next;

                if (lstat(path, &st) < 0) {
                        int r = -errno;
                        if (ret_error) {
                                errno = -r;
                                *ret_error =
                                        strdup_printf("There is no device tree at %s: %m.", path);
                        }
                        return r;
                }
                if (!S_ISLNK(st.st_mode)) {
                        if (!S_ISDIR(st.st_mode)) {
                                if (ret_error)
                                        *ret_error = strdup_printf("%s is not a directory.", path);
                                return -ENOTDIR;
                        }
                        *ret = TAKE_PTR(path);
                        return 0;
                }
                k = readlink(path, target, sizeof(target) - 1);
                if (k < 0)
                        return -errno;
                target[k] = 0;
                if (target[0] == '/')
                        next = path_join_root(sysroot, target);
                else {
                        size_t dir = strrchr(path, '/') ? (size_t)(strrchr(path, '/') - path) : 0;
                        next = strdup_printf("%.*s/%s", (int)dir, path, target);
                }
                if (!next)
                        return -ENOMEM;
                free(path);
                path = next;
        }
        if (ret_error)
                *ret_error = strdup_printf("The device tree link %s loops (more than %d symlinks).",
                                           path, LIVE_SYMLINK_HOPS);
        return -ELOOP;
}

static int notes_from(LiveWriter *w, char ***ret)
{
        _cleanup_strv_free_ char **notes = calloc(1, sizeof(char *));
        int r = 0;

        if (!notes)
                return -ENOMEM;
        if (w->skipped_symlinks > 0)
                r = strv_push(&notes, strdup_printf("The live device tree contains %u symbolic "
                                                    "link(s) (first: %s); the kernel never creates "
                                                    "them there, so they were ignored.",
                                                    w->skipped_symlinks, strna(w->first_symlink)));
        if (r >= 0 && w->skipped_special > 0)
                r = strv_push(&notes, strdup_printf("The live device tree contains %u entries that "
                                                    "are neither files nor directories; they were "
                                                    "ignored.",
                                                    w->skipped_special));
        if (r >= 0 && w->skipped_names > 0)
                r = strv_push(&notes, strdup_printf("The live device tree contains %u entries with "
                                                    "names a device tree cannot have; they were "
                                                    "ignored.",
                                                    w->skipped_names));
        if (r >= 0 && w->skipped_unreadable > 0)
                r = strv_push(&notes, strdup_printf("%u properties of the live device tree could "
                                                    "not be read (permission denied); they were "
                                                    "ignored.",
                                                    w->skipped_unreadable));
        if (r >= 0 && w->skipped_big > 0)
                r = strv_push(&notes, strdup_printf("The live device tree contains %u properties "
                                                    "larger than %u KiB; they were ignored.",
                                                    w->skipped_big, DT_PROP_SIZE_MAX >> 10));
        if (r < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(notes);
        return 0;
}

int dt_live_read(const char *sysroot, void **ret, size_t *ret_size, char ***ret_notes,
                 char **ret_error)
{
        _cleanup_(live_writer_done) LiveWriter w = {};
        _cleanup_strv_free_ char **notes = NULL;
        _cleanup_free_ char *top = NULL;
        void *blob = NULL;
        size_t size = 0;
        int fd, r;

        r = resolve_top(sysroot, &top, ret_error);
        if (r < 0)
                return r;
        fd = open(top, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                r = -errno;
                if (ret_error)
                        *ret_error = strdup_printf("Cannot open the device tree at %s: %m.", top);
                return r;
        }

        w.size = 64 * 1024;
        w.buf = malloc((size_t)w.size);
        if (!w.buf) {
                close(fd);
                return -ENOMEM;
        }
        /* No name de-duplication: it searches the strings block on every property, which made
         * reading a live tree quadratic; the blob is a little larger and is thrown away. */
        r = fdt_create_with_flags(w.buf, w.size, FDT_CREATE_FLAG_NO_NAME_DEDUP);
        if (r >= 0)
                r = fdt_finish_reservemap(w.buf);
        if (r < 0) {
                close(fd);
                return -EIO;
        }
        r = read_node(&w, fd, "", "/", 0);
        if (r >= 0)
                r = sw_call(&w, SW_FINISH, NULL, NULL, 0);
        if (r < 0) {
                if (ret_error)
                        *ret_error = w.error ? TAKE_PTR(w.error)
                                             : (errno = -r,
                                                strdup_printf("Cannot read the device tree at %s: "
                                                              "%m.",
                                                              top));
                return r;
        }
        r = dt_blob_validate_copy(w.buf, fdt_totalsize(w.buf), top, &blob, &size, ret_error);
        if (r < 0)
                return r;
        r = notes_from(&w, &notes);
        if (r < 0) {
                free(blob);
                return r;
        }
        *ret = blob;
        *ret_size = size;
        if (ret_notes)
                *ret_notes = TAKE_PTR(notes);
        return 0;
}
