/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Broadcom .hcd patch files: a sequence of vendor HCI commands, checked whole before any is sent.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bt-hcd.h"
#include "util.h"

BtHcd *bt_hcd_free(BtHcd *h)
{
        if (!h)
                return NULL;
        free(h->records);
        free(h->data);
        free(h);
        return NULL;
}

static int hcd_fail(char **ret_error, const char *fmt, ...) _printf_(2, 3);
static int hcd_fail(char **ret_error, const char *fmt, ...)
{
        va_list ap;

        if (ret_error) {
                va_start(ap, fmt);
                *ret_error = strdup_vprintf_errno(EBADMSG, fmt, ap);
                va_end(ap);
        }
        return -EBADMSG;
}

int bt_hcd_parse(const void *data, size_t size, BtHcd **ret, char **ret_error)
{
        _cleanup_(bt_hcd_freep) BtHcd *h = NULL;
        size_t off = 0, n = 0, i;
        const uint8_t *p;

        if (size == 0)
                return hcd_fail(ret_error, "the patch file is empty");
        if (size > BT_HCD_SIZE_MAX)
                return -EFBIG;

        /* First pass: count and check every record, so nothing is sent from a bad file. */
        p = data;
        while (off < size) {
                uint16_t opcode;
                uint8_t len;

                if (size - off < 3)
                        return hcd_fail(ret_error,
                                        "record %zu at byte %zu is truncated: %zu of the 3 header "
                                        "bytes are there",
                                        n + 1, off, size - off);
                opcode = (uint16_t)(p[off] | p[off + 1] << 8);
                len = p[off + 2];
                if (size - off - 3 < len)
                        return hcd_fail(ret_error,
                                        "record %zu at byte %zu (opcode 0x%04x) says %u parameter "
                                        "bytes but only %zu remain in the file",
                                        n + 1, off, opcode, len, size - off - 3);
                if ((opcode >> 10) != 0x3f)
                        return hcd_fail(
                                ret_error,
                                "record %zu at byte %zu has opcode 0x%04x, outside the "
                                "vendor command group (0xfc00-0xffff): not a Broadcom patch",
                                n + 1, off, opcode);
                if (opcode == BT_HCD_OP_LAUNCH_RAM && off + 3 + len != size)
                        return hcd_fail(ret_error,
                                        "record %zu at byte %zu is Launch RAM (0xfc4e) but records "
                                        "follow it",
                                        n + 1, off);
                off += 3 + (size_t)len;
                n++;
        }

        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->data = malloc(size);
        h->records = calloc(n, sizeof(BtHcdRecord));
        if (!h->data || !h->records)
                return -ENOMEM;
        memcpy(h->data, data, size);
        h->size = size;
        for (i = 0, off = 0; i < n; i++) {
                h->records[i] = (BtHcdRecord){
                        .opcode = (uint16_t)(h->data[off] | h->data[off + 1] << 8),
                        .len = h->data[off + 2],
                        .params = h->data + off + 3,
                };
                off += 3 + (size_t)h->records[i].len;
        }
        h->n_records = n;
        if (h->records[n - 1].opcode != BT_HCD_OP_LAUNCH_RAM)
                return hcd_fail(ret_error,
                                "the patch has %zu records but no Launch RAM (0xfc4e) at the end: "
                                "the file is cut short",
                                n);

        *ret = TAKE_PTR(h);
        return 0;
}

int bt_hcd_load(const char *path, BtHcd **ret, char **ret_error)
{
        _cleanup_free_ char *data = NULL;
        size_t size;
        int r;

        r = read_full_file(path, BT_HCD_SIZE_MAX, &data, &size);
        if (r < 0)
                return r;
        return bt_hcd_parse(data, size, ret, ret_error);
}
