/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Broadcom .hcd patch files: a sequence of vendor HCI commands, checked whole before any is sent.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "cleanup.h"

#define BT_HCD_OP_WRITE_RAM  0xfc4c
#define BT_HCD_OP_LAUNCH_RAM 0xfc4e
#define BT_HCD_SIZE_MAX      (1024 * 1024)

typedef struct BtHcdRecord {
        uint16_t opcode;
        uint8_t len;
        const uint8_t *params; /* points into BtHcd.data */
} BtHcdRecord;

typedef struct BtHcd {
        uint8_t *data;
        size_t size;
        BtHcdRecord *records;
        size_t n_records; /* the last one is Launch RAM */
} BtHcd;

/* Parses and validates a whole patch (the bytes are copied). On -EBADMSG, *ret_error (when not
 * NULL) gets a sentence naming the record and byte offset at fault. */
int bt_hcd_parse(const void *data, size_t size, BtHcd **ret, char **ret_error);
/* Reads and parses a patch file; -EBADMSG and a sentence as above, -EFBIG when absurdly big. */
int bt_hcd_load(const char *path, BtHcd **ret, char **ret_error);

BtHcd *bt_hcd_free(BtHcd *h);
DEFINE_TRIVIAL_CLEANUP_FUNC(BtHcd *, bt_hcd_free)
