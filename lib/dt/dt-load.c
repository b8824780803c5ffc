/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loads a flattened device tree from memory or a file and refuses anything fdt_check_full()
 * rejects. */
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
