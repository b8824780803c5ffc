/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* HCI over H4 on a file descriptor (a tty, or a pty a test drives): commands out, events in. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "cleanup.h"

#define BT_H4_COMMAND 0x01
#define BT_H4_EVENT   0x04

#define BT_EVT_COMMAND_COMPLETE 0x0e
#define BT_EVT_COMMAND_STATUS   0x0f
#define BT_EVT_HARDWARE_ERROR   0x10

typedef struct BtHci BtHci;

typedef struct BtHciEvent {
        uint8_t code;
        uint8_t len;
        uint8_t params[255];
} BtHciEvent;

/* The fd stays the caller's; it is switched to non-blocking. */
int bt_hci_new(int fd, BtHci **ret);
BtHci *bt_hci_free(BtHci *h);
DEFINE_TRIVIAL_CLEANUP_FUNC(BtHci *, bt_hci_free)

/* Deadlines are CLOCK_MONOTONIC microseconds. */
int bt_hci_send(BtHci *h, uint16_t opcode, const void *params, size_t len, uint64_t deadline);
/* The next event: -ETIMEDOUT on silence, -EBADMSG on bytes that are not an H4 event or on an
 * event cut short at the deadline, -EIO when the line is gone. */
int bt_hci_read_event(BtHci *h, uint64_t deadline, BtHciEvent *ret);
/* Sends a command and waits for its Command Complete (or Command Status), skipping other events.
 * Returns the number of return parameters after the status byte, copied to ret_params; a reply
 * longer than ret_size is -EBADMSG, a non-zero status -EREMOTEIO (see bt_hci_status()). */
int bt_hci_command(BtHci *h, uint16_t opcode, const void *params, size_t len, uint64_t timeout_usec,
                   void *ret_params, size_t ret_size);
/* Waits until deadline for a Command Complete or Status for opcode, e.g. a late answer. Returns 0
 * when one came. */
int bt_hci_wait_for(BtHci *h, uint16_t opcode, uint64_t deadline);
/* Forgets buffered input, after a speed change made it meaningless. */
void bt_hci_discard(BtHci *h);

/* A sentence on the last failure, for a person ("" when none). */
const char *bt_hci_error(const BtHci *h);
uint8_t bt_hci_status(const BtHci *h);
