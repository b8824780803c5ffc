/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Finds a Broadcom Bluetooth patch file by the names the kernel's btbcm driver tries. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "bt-firmware.h"
#include "util.h"

/* brcm/<chip>[.<board>].hcd names, most specific first; the board's '/' become '-'. */
static int firmware_names(const char *chip, char *const *compatibles, char ***ret)
{
        _cleanup_strv_free_ char **names = NULL;
        int r;

        STRV_FOREACH (c, compatibles) {
                _cleanup_free_ char *board = strdup(*c);

                if (!board)
                        return -ENOMEM;
                for (char *p = board; *p; p++)
                        if (*p == '/')
                                *p = '-';
                r = strv_push(&names, strdup_printf("brcm/%s.%s.hcd", chip, board));
                if (r < 0)
                        return r;
        }
        r = strv_push(&names, strdup_printf("brcm/%s.hcd", chip));
        if (r < 0)
                return r;
        *ret = TAKE_PTR(names);
        return 0;
}

int bt_firmware_find(const char *sysroot, char *const *firmware_dirs, const char *chip,
                     char *const *compatibles, char **ret_path, char ***ret_tried)
{
        _cleanup_strv_free_ char **names = NULL, **tried = NULL;
        _cleanup_free_ char *found = NULL;
        int r;

        assert(ret_path);
        r = firmware_names(chip ?: "BCM", compatibles, &names);
        if (r < 0)
                return r;

        /* Name first, directory second: a board-specific patch in any directory beats the
         * generic one, as with the kernel's firmware loader walking its path per name. */
        STRV_FOREACH (n, names) {
                STRV_FOREACH (d, firmware_dirs) {
                        _cleanup_free_ char *shown = strdup_printf("%s/%s", *d, *n);
                        _cleanup_free_ char *full = NULL;
                        struct stat st;

                        if (!shown)
                                return -ENOMEM;
                        full = path_join_root(sysroot, shown);
                        if (!full)
                                return -ENOMEM;
                        r = strv_extend(&tried, shown);
                        if (r < 0)
                                return r;
                        if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
                                found = TAKE_PTR(full);
                                goto done;
                        }
                }
        }
done:
        *ret_path = TAKE_PTR(found);
        if (ret_tried)
                *ret_tried = TAKE_PTR(tried);
        return *ret_path ? 1 : 0;
}
