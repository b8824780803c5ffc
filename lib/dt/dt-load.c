/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loads a flattened device tree from memory or a file: its header is checked here first, as
 * libfdt trusts some of it (Debian 12's 1.6.1 dereferences NULL in fdt_check_full() for a
 * version 2 or 3 header), then the whole blob by fdt_check_full(). */
#include <endian.h>
#include <libfdt.h>

#include "dt.h"
#include "util.h"

static void set_error(char **ret_error, char *s)
{
        if (ret_error)
                *ret_error = s;
        else
                free(s);
}

/* Header word i (big-endian) of a blob at least sizeof(struct fdt_header) long. */
static uint32_t header_word(const void *data, size_t i)
{
        uint32_t w;

        memcpy(&w, (const char *)data + 4 * i, sizeof(w));
        return be32toh(w);
}

/* The header's own claims, before libfdt reads any of them: the magic, a version libfdt
 * handles fully (16 and 17, what dtc has written since 2007), and blocks inside the blob. NULL
 * when they hold; else the sentence. */
static char *header_problem(const void *data, size_t size, const char *what)
{
        uint32_t magic = header_word(data, 0), total = header_word(data, 1),
                 off_struct = header_word(data, 2), off_strings = header_word(data, 3),
                 off_rsv = header_word(data, 4), version = header_word(data, 5),
                 last_comp = header_word(data, 6), size_strings = header_word(data, 8),
                 size_struct = header_word(data, 9);
        const uint32_t hdr = (uint32_t)sizeof(struct fdt_header);

        if (magic != FDT_MAGIC)
                return strdup_printf("%s is not a valid flattened device tree: its magic is "
                                     "0x%08x, not 0x%08x.",
                                     what, magic, FDT_MAGIC);
        if (version < 16 || last_comp > 17)
                return strdup_printf("%s is a version %u device tree (last compatible version "
                                     "%u); hwctl reads versions 16 and 17, which dtc writes. "
                                     "Recompile it from its source with dtc.",
                                     what, version, last_comp);
        if (total < hdr || total > size)
                return strdup_printf("%s is not a valid flattened device tree: its header says "
                                     "%u bytes, but %zu are there.",
                                     what, total, size);
        if (off_rsv < hdr || off_rsv > total || off_rsv % 8 || off_struct < hdr ||
            off_struct > total || off_struct % 4 || off_strings < hdr || off_strings > total ||
            size_strings > total - off_strings ||
            (version >= 17 && size_struct > total - off_struct))
                return strdup_printf("%s is not a valid flattened device tree: its header puts "
                                     "a block outside its %u bytes.",
                                     what, total);
        return NULL;
}

int dt_blob_validate_copy(const void *data, size_t size, const char *what, void **ret,
                          size_t *ret_size, char **ret_error)
{
        _cleanup_free_ void *copy = NULL;
        int r;

        if (!data || size < sizeof(struct fdt_header)) {
                set_error(ret_error, strdup_printf("%s is too short to be a flattened device tree "
                                                   "(%zu bytes).",
                                                   what, data ? size : 0));
                return -EBADMSG;
        }
        if (size > DT_BLOB_SIZE_MAX) {
                set_error(ret_error,
                          strdup_printf("%s is larger than %u MiB; that is not a board's "
                                        "device tree.",
                                        what, DT_BLOB_SIZE_MAX >> 20));
                return -EFBIG;
        }
        char *problem = header_problem(data, size, what);
        if (problem) {
                set_error(ret_error, problem);
                return -EBADMSG;
        }
        /* libfdt wants 8-byte alignment; malloc gives at least that. */
        copy = malloc(size);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, data, size);
        r = fdt_check_full(copy, size);
        if (r < 0) {
                set_error(ret_error, strdup_printf("%s is not a valid flattened device tree: %s.",
                                                   what, fdt_strerror(r)));
                return -EBADMSG;
        }
        *ret = TAKE_PTR(copy);
        *ret_size = size;
        return 0;
}

int dt_blob_read_file(const char *path, void **ret, size_t *ret_size, char **ret_error)
{
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r;

        r = read_full_file(path, DT_BLOB_SIZE_MAX, &data, &size);
        if (r == -EFBIG) {
                set_error(ret_error,
                          strdup_printf("%s is larger than %u MiB; that is not a board's "
                                        "device tree.",
                                        path, DT_BLOB_SIZE_MAX >> 20));
                return r;
        }
        if (r < 0) {
                errno = -r;
                set_error(ret_error, strdup_printf("Cannot read device tree %s: %m.", path));
                return r;
        }
        return dt_blob_validate_copy(data, size, path, ret, ret_size, ret_error);
}
