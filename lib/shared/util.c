/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Implementation of the small helpers in util.h. */
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

char **strv_free(char **l)
{
        if (!l)
                return NULL;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
        return NULL;
}

size_t strv_length(char *const *l)
{
        size_t n = 0;
        while (l && l[n])
                n++;
        return n;
}

int strv_push(char ***l, char *value)
{
        size_t n = strv_length(*l);
        char **c;

        if (!value)
                return -EINVAL;
        c = realloc(*l, sizeof(char *) * (n + 2));
        if (!c) {
                free(value);
                return -ENOMEM;
        }
        c[n] = value;
        c[n + 1] = NULL;
        *l = c;
        return 0;
}

int strv_extend(char ***l, const char *value)
{
        char *v = strdup(value);
        if (!v)
                return -ENOMEM;
        return strv_push(l, v);
}

bool strv_contains(char *const *l, const char *value)
{
        STRV_FOREACH (s, l)
                if (streq(*s, value))
                        return true;
        return false;
}

char **strv_copy(char *const *l)
{
        char **c = calloc(strv_length(l) + 1, sizeof(char *));
        size_t n = 0;

        if (!c)
                return NULL;
        STRV_FOREACH (s, l) {
                c[n] = strdup(*s);
                if (!c[n])
                        return strv_free(c);
                n++;
        }
        return c;
}

char *strv_join(char *const *l, const char *sep)
{
        size_t len = 1, k = strlen(sep);
        char *r, *p;

        STRV_FOREACH (s, l)
                len += strlen(*s) + k;
        r = p = malloc(len);
        if (!r)
                return NULL;
        *p = 0;
        STRV_FOREACH (s, l) {
                if (s != l)
                        p = stpcpy(p, sep);
                p = stpcpy(p, *s);
        }
        return r;
}

int strv_split_whitespace(const char *s, char ***ret)
{
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        const char *p = s;
        int r;

        if (!l)
                return -ENOMEM;
        for (;;) {
                size_t n;
                p += strspn(p, " \t\n\r");
                if (!*p)
                        break;
                n = strcspn(p, " \t\n\r");
                r = strv_push(&l, strndup(p, n));
                if (r < 0)
                        return r == -EINVAL ? -ENOMEM : r;
                p += n;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

char *strdup_printf(const char *fmt, ...)
{
        va_list ap;
        char *s;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        return r < 0 ? NULL : s;
}

char *strdup_vprintf_errno(int error, const char *fmt, va_list ap)
{
        _cleanup_free_ char *f = NULL;
        const char *m = strerror(error < 0 ? -error : error);
        char *s, *o;
        size_t n = 1;

        for (const char *p = fmt; *p; p++)
                n += (p[0] == '%' && p[1] == 'm') ? 2 * strlen(m) : 1;
        o = f = malloc(n);
        if (!f)
                return NULL;
        for (const char *p = fmt; *p; p++) {
                if (p[0] == '%' && p[1] == '%') {
                        *o++ = *p++;
                        *o++ = *p;
                } else if (p[0] == '%' && p[1] == 'm') {
                        /* The message may itself hold '%': escape it for the second pass. */
                        for (const char *q = m; *q; q++) {
                                if (*q == '%')
                                        *o++ = '%';
                                *o++ = *q;
                        }
                        p++;
                } else
                        *o++ = *p;
        }
        *o = 0;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        if (vasprintf(&s, f, ap) < 0)
                s = NULL;
#pragma GCC diagnostic pop
        return s;
}

char *path_join_root(const char *sysroot, const char *path)
{
        size_t n;

        if (!path)
                path = "";
        while (*path == '/')
                path++;
        if (!sysroot || !*sysroot)
                sysroot = "/";
        n = strlen(sysroot);
        while (n > 1 && sysroot[n - 1] == '/')
                n--;
        if (n == 1 && sysroot[0] == '/')
                return strdup_printf("/%s", path);
        return strdup_printf("%.*s%s%s", (int)n, sysroot, *path ? "/" : "", path);
}

int read_full_fd(int fd, size_t max_size, char **ret, size_t *ret_size)
{
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, alloc = 0;

        for (;;) {
                ssize_t k;
                if (size + 1 >= alloc) {
                        size_t n = alloc ? alloc * 2 : 4096;
                        char *b;
                        if (alloc > max_size + 1)
                                return -EFBIG;
                        b = realloc(buf, n);
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                        alloc = n;
                }
                k = read(fd, buf + size, alloc - size - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                size += (size_t)k;
                if (size > max_size)
                        return -EFBIG;
        }
        buf[size] = 0;
        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = size;
        return 0;
}

int read_full_file(const char *path, size_t max_size, char **ret, size_t *ret_size)
{
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        /* O_NONBLOCK: opening a FIFO someone planted must not wait for a writer. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if ((uint64_t)st.st_size > max_size)
                return -EFBIG;
        /* st_size is only a hint (the file may grow, /proc and sysfs files say 0 or 4096): the
         * read is capped as well. */
        return read_full_fd(fd, max_size, ret, ret_size);
}

int read_one_line_file(const char *path, char **ret)
{
        char *s;
        int r;

        r = read_full_file(path, 4096, &s, NULL);
        if (r < 0)
                return r;
        s[strcspn(s, "\n")] = 0;
        *ret = s;
        return 0;
}

int mkdir_parents(const char *path, mode_t mode)
{
        _cleanup_free_ char *p = strdup(path);
        char *s;

        if (!p)
                return -ENOMEM;
        for (s = p + 1; (s = strchr(s, '/')); s++) {
                *s = 0;
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        return 0;
}

int write_attribute(const char *path, const char *value)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        size_t n = strlen(value);
        ssize_t k;

        if (fd < 0)
                return -errno;
        k = write(fd, value, n);
        if (k < 0)
                return -errno;
        return (size_t)k == n ? 0 : -EIO;
}

/* openat2(2) with RESOLVE_IN_ROOT: symlinks inside the tree resolve against root_fd, and
 * ".." stops there. glibc 2.36 has no wrapper. */
static int open_in_root(int root_fd, const char *path, int flags)
{
#ifdef SYS_openat2
        struct open_how how = {.flags = (uint64_t)flags, .resolve = RESOLVE_IN_ROOT};
        long fd = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));

        if (fd >= 0 || errno != ENOSYS)
                return fd >= 0 ? (int)fd : -errno;
#endif
        return -ENOSYS;
}

/* The directory dir (relative to root_fd, no leading '/'), created as needed, each component
 * resolved inside the root: through openat2 where the kernel has it, else one component at a
 * time with O_NOFOLLOW (a symlink is refused). */
static int open_dir_beneath(int root_fd, const char *dir, bool follow_root_links, mode_t mode)
{
        _cleanup_free_ char *copy = strdup(dir);
        _cleanup_close_ int fd = -EBADF;
        bool have_openat2 = true;
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return -errno;
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                int next;

                if (streq(c, ".") || streq(c, ".."))
                        return -EINVAL;
                if (mkdirat(fd, c, mode) < 0 && errno != EEXIST)
                        return -errno;
                if (have_openat2) {
                        /* The prefix so far, from the root: links in it stay inside. */
                        size_t len = (size_t)(c - copy) + strlen(c);
                        _cleanup_free_ char *prefix = strndup(dir, len);

                        if (!prefix)
                                return -ENOMEM;
                        next = open_in_root(root_fd, prefix, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (next == -ENOSYS)
                                have_openat2 = false;
                        else if (next < 0)
                                return next;
                }
                if (!have_openat2) {
                        next = openat(fd, c,
                                      O_RDONLY | O_DIRECTORY | O_CLOEXEC |
                                              (follow_root_links ? 0 : O_NOFOLLOW));
                        if (next < 0)
                                return -errno;
                }
                close(fd);
                fd = next;
        }
        return TAKE_FD(fd);
}

int open_parent_in(const char *root, const char *path, char **ret_name)
{
        _cleanup_free_ char *rel = NULL;
        _cleanup_close_ int root_fd = -EBADF;
        size_t root_len;
        char *name, *slash;
        int fd;

        if (!root || !*root)
                root = "/";
        root_len = strlen(root);
        while (root_len > 1 && root[root_len - 1] == '/')
                root_len--;
        /* path is root's path joined with the file's (path_join_root()). */
        if (streq(root, "/"))
                root_len = 0;
        else if (strncmp(path, root, root_len) != 0 || path[root_len] != '/')
                return -EINVAL;
        rel = strdup(path + root_len + strspn(path + root_len, "/"));
        if (!rel)
                return -ENOMEM;
        slash = strrchr(rel, '/');
        name = strdup(slash ? slash + 1 : rel);
        if (!name)
                return -ENOMEM;
        if (!*name || streq(name, ".") || streq(name, "..")) {
                free(name);
                return -EINVAL;
        }
        if (slash)
                *slash = 0;
        else
                rel[0] = 0; /* the file is at the root's top */
        root_fd = open(root_len ? root : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0) {
                fd = -errno;
                free(name);
                return fd;
        }
        fd = open_dir_beneath(root_fd, rel, root_len == 0, 0755);
        if (fd < 0) {
                free(name);
                return fd;
        }
        *ret_name = name;
        return fd;
}

int write_file_atomic_in(const char *root, const char *path, const void *data, size_t size,
                         mode_t mode)
{
        _cleanup_free_ char *tmp = NULL, *name = NULL;
        _cleanup_close_ int dir_fd = -EBADF, fd = -EBADF;
        const char *p = data;
        size_t left = size;
        int r;

        dir_fd = open_parent_in(root, path, &name);
        if (dir_fd < 0)
                return dir_fd;
        /* O_EXCL | O_NOFOLLOW: whatever someone planted at the name (a link, a file) is refused,
         * never opened, and another name is tried. */
        for (unsigned attempt = 0;; attempt++) {
                uint64_t salt = now_usec(CLOCK_MONOTONIC) ^ ((uint64_t)getpid() << 20) ^ attempt;

                free(tmp);
                tmp = strdup_printf(".%s.%016llx.tmp", name, (unsigned long long)salt);
                if (!tmp)
                        return -ENOMEM;
                fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                            mode);
                if (fd >= 0)
                        break;
                if (errno != EEXIST || attempt >= 16)
                        return -errno;
        }
        while (left > 0) {
                ssize_t k = write(fd, p, left);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        goto fail;
                }
                p += k;
                left -= (size_t)k;
        }
        if (fchmod(fd, mode) < 0 || fsync(fd) < 0) {
                r = -errno;
                goto fail;
        }
        if (renameat(dir_fd, tmp, dir_fd, name) < 0) {
                r = -errno;
                goto fail;
        }
        return fsync(dir_fd) < 0 ? -errno : 0;
fail:
        (void)unlinkat(dir_fd, tmp, 0);
        return r;
}

int unlink_in(const char *root, const char *path)
{
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int dir_fd = open_parent_in(root, path, &name);

        if (dir_fd < 0)
                return dir_fd;
        return unlinkat(dir_fd, name, 0) < 0 ? -errno : 0;
}

int rename_in(const char *root, const char *path, const char *new_name)
{
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int dir_fd = open_parent_in(root, path, &name);

        if (dir_fd < 0)
                return dir_fd;
        if (strchr(new_name, '/'))
                return -EINVAL;
        return renameat(dir_fd, name, dir_fd, new_name) < 0 ? -errno : 0;
}

int write_file_atomic(const char *path, const void *data, size_t size, mode_t mode)
{
        return write_file_atomic_in("/", path, data, size, mode);
}

uint64_t now_usec(int clock_id)
{
        struct timespec ts;
        clock_gettime(clock_id, &ts);
        return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / NSEC_PER_USEC;
}

char *format_bytes(uint64_t bytes)
{
        static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = (double)bytes;
        size_t i = 0;

        while (v >= 1024.0 && i + 1 < ELEMENTSOF(units)) {
                v /= 1024.0;
                i++;
        }
        if (i == 0)
                return strdup_printf("%" PRIu64 " B", bytes);
        if (v >= 100.0)
                return strdup_printf("%.0f %s", v, units[i]);
        return strdup_printf("%.1f %s", v, units[i]);
}

char *format_duration(uint64_t usec)
{
        if (usec >= USEC_PER_SEC)
                return strdup_printf("%.1f s", (double)usec / USEC_PER_SEC);
        if (usec >= USEC_PER_MSEC)
                return strdup_printf("%" PRIu64 " ms", usec / USEC_PER_MSEC);
        return strdup_printf("%" PRIu64 " us", usec);
}

int strbuf_append(char **buf, const char *fmt, ...)
{
        _cleanup_free_ char *add = NULL;
        va_list ap;
        char *n;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&add, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        n = strdup_printf("%s%s", strempty(*buf), add);
        if (!n)
                return -ENOMEM;
        free(*buf);
        *buf = n;
        return 0;
}

int error_printf(char **ret, int code, const char *fmt, ...)
{
        va_list ap;
        int r;

        if (!ret)
                return code;
        va_start(ap, fmt);
        r = vasprintf(ret, fmt, ap);
        va_end(ap);
        if (r < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return code;
}

size_t utf8_sequence_length(const unsigned char *p, size_t n)
{
        unsigned cp, min;
        size_t len;

        if (n == 0)
                return 0;
        if (*p < 0x80)
                return 1;
        if ((*p & 0xe0) == 0xc0)
                len = 2, cp = *p & 0x1f, min = 0x80;
        else if ((*p & 0xf0) == 0xe0)
                len = 3, cp = *p & 0x0f, min = 0x800;
        else if ((*p & 0xf8) == 0xf0)
                len = 4, cp = *p & 0x07, min = 0x10000;
        else
                return 0;
        if (n < len)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((p[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (p[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return len;
}

bool utf8_is_valid_n(const char *s, size_t n)
{
        const unsigned char *p = (const unsigned char *)s;

        for (size_t i = 0, k; i < n; i += k) {
                k = utf8_sequence_length(p + i, n - i);
                if (k == 0)
                        return false;
        }
        return true;
}

/* A control character that a terminal or a strict reader would act on or refuse. */
static bool is_control(const unsigned char *p, size_t len)
{
        if (len == 1)
                return (*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f;
        return len == 2 && p[0] == 0xc2 && p[1] <= 0x9f; /* U+0080..U+009F */
}

bool utf8_is_printable(const char *s, size_t n)
{
        const unsigned char *p = (const unsigned char *)s;

        for (size_t i = 0, k; i < n; i += k) {
                k = utf8_sequence_length(p + i, n - i);
                if (k == 0 || is_control(p + i, k))
                        return false;
        }
        return true;
}

char *utf8_printable(const char *s, size_t n)
{
        const unsigned char *p = (const unsigned char *)s;
        char *out, *o;

        /* At worst every byte becomes \xNN. */
        if (n > (SIZE_MAX - 1) / 4)
                return NULL;
        out = o = malloc(n * 4 + 1);
        if (!out)
                return NULL;
        for (size_t i = 0, k; i < n; i += k) {
                k = utf8_sequence_length(p + i, n - i);
                if (k == 0 || is_control(p + i, k)) {
                        k = k ? k : 1;
                        for (size_t j = 0; j < k; j++)
                                o += sprintf(o, "\\x%02x", p[i + j]);
                } else {
                        memcpy(o, p + i, k);
                        o += k;
                }
        }
        *o = 0;
        return out;
}
