/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small helpers every part of hwctl uses: cleanup attributes, string vectors, paths, files. */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

#define _printf_(a, b)       __attribute__((format(printf, a, b)))
#define _unused_             __attribute__((unused))
#define _warn_unused_result_ __attribute__((warn_unused_result))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#define TAKE_PTR(p)                                                                                \
        ({                                                                                         \
                typeof(p) _p_ = (p);                                                               \
                (p) = NULL;                                                                        \
                _p_;                                                                               \
        })
#define TAKE_FD(fd)                                                                                \
        ({                                                                                         \
                int _fd_ = (fd);                                                                   \
                (fd) = -EBADF;                                                                     \
                _fd_;                                                                              \
        })

#define USEC_PER_SEC  ((uint64_t)1000000ULL)
#define USEC_PER_MSEC ((uint64_t)1000ULL)
#define NSEC_PER_USEC ((uint64_t)1000ULL)

static inline bool streq(const char *a, const char *b)
{
        return strcmp(a, b) == 0;
}
static inline bool streq_ptr(const char *a, const char *b)
{
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}
/* The rest of s after prefix, or NULL when s does not start with it. */
static inline const char *startswith(const char *s, const char *prefix)
{
        size_t n = strlen(prefix);
        return s && strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

static inline bool endswith(const char *s, const char *suffix)
{
        size_t a = strlen(s), b = strlen(suffix);
        return a >= b && strcmp(s + a - b, suffix) == 0;
}

static inline const char *strna(const char *s)
{
        return s ? s : "n/a";
}
static inline const char *strempty(const char *s)
{
        return s ? s : "";
}
static inline bool isempty(const char *s)
{
        return !s || !s[0];
}

/* NULL-terminated string vectors, as in systemd. */
char **strv_free(char **l);
static inline void strv_freep(char ***l)
{
        strv_free(*l);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)
size_t strv_length(char *const *l);
int strv_push(char ***l, char *value);         /* takes ownership of value, even on failure */
int strv_extend(char ***l, const char *value); /* copies value */
bool strv_contains(char *const *l, const char *value);
char **strv_copy(char *const *l);
char *strv_join(char *const *l, const char *sep);
/* Splits on runs of white space, as systemd does for list settings. */
int strv_split_whitespace(const char *s, char ***ret);
#define STRV_FOREACH(s, l) for (char *const *s = (l); s && *s; s++)

char *strdup_printf(const char *fmt, ...) _printf_(1, 2);
/* Appends to a growable sentence (*buf NULL for an empty one); -ENOMEM leaves *buf as it was. */
int strbuf_append(char **buf, const char *fmt, ...) _printf_(2, 3);
/* A sentence saying what went wrong: allocated into *ret (when ret is not NULL); returns code,
 * or -ENOMEM when the sentence cannot be made. */
int error_printf(char **ret, int code, const char *fmt, ...) _printf_(3, 4);
/* vasprintf() where "%m" stands for strerror(|error|) rather than for the current errno. */
char *strdup_vprintf_errno(int error, const char *fmt, va_list ap);

/* "<sysroot>/<path>", collapsing the slashes in between; sysroot NULL or "/" means none. */
char *path_join_root(const char *sysroot, const char *path);

/* Reads a whole file of at most max_size bytes; the buffer is NUL-terminated (not counted). */
/* The one reader for files from outside: a regular file only (-EISDIR for a directory, -EBADFD
 * for a FIFO, socket or device, opened without blocking), at most max_size bytes (-EFBIG),
 * NUL-terminated; *ret_size says how much was read, NULs included. */
int read_full_file(const char *path, size_t max_size, char **ret, size_t *ret_size);
int read_full_fd(int fd, size_t max_size, char **ret, size_t *ret_size);
/* Reads the first line of a small file, without its newline. */
int read_one_line_file(const char *path, char **ret);

/* Writes a file so that a reader sees the old or the new content, never a mix, even across a
 * power cut: temporary file in the same directory, fsync, rename, fsync the directory.
 * Creates missing parent directories with mode 0755. */
int write_file_atomic(const char *path, const void *data, size_t size, mode_t mode);
/* The same for path inside root (path_join_root(root, ...)): every directory on the way is
 * resolved inside root, so a symlink planted by the tree's owner cannot send the write out of
 * it; the temporary file is made with O_EXCL | O_NOFOLLOW, so nothing planted is opened. */
int write_file_atomic_in(const char *root, const char *path, const void *data, size_t size,
                         mode_t mode);
/* The directory of path inside root, opened that way (made when missing); its last component
 * in *ret_name. For renameat() and the like. */
int open_parent_in(const char *root, const char *path, char **ret_name);
/* unlink() and rename() (to new_name in the same directory) of path, resolved that way. */
int unlink_in(const char *root, const char *path);
int rename_in(const char *root, const char *path, const char *new_name);
int mkdir_parents(const char *path, mode_t mode);
/* Writes value to an existing kernel attribute (sysfs, /proc/sys) in one write(2): never creates
 * a file. -errno, -EIO for a short write. */
int write_attribute(const char *path, const char *value);

uint64_t now_usec(int clock_id);

/* "1.2 GiB", "448 MiB", "512 B". */
/* The length of the valid UTF-8 sequence at p, n bytes left: 1-4, or 0 when it is not one
 * (truncated, overlong, a surrogate, past U+10FFFF). */
size_t utf8_sequence_length(const unsigned char *p, size_t n);
bool utf8_is_valid_n(const char *s, size_t n);
/* True when the n bytes at s are valid UTF-8 without control characters (C0 but tab and
 * newline, DEL, C1; NUL counts as one). */
bool utf8_is_printable(const char *s, size_t n);
/* s as valid, printable UTF-8: each byte of an invalid sequence and each control character but
 * tab and newline becomes the text \xNN (a C1 control its two bytes). NULL on ENOMEM. */
char *utf8_printable(const char *s, size_t n);

char *format_bytes(uint64_t bytes);
/* "4.2 s", "830 ms", "12 us". */
char *format_duration(uint64_t usec);
