/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kernel log as the Bluetooth diagnosis reads it: the relevant records, and what they say. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cleanup.h"

/* --- The kernel log --- */

#define BT_KMSG_RECORDS_MAX 256         /* relevant records kept, the newest */
#define BT_KMSG_TEXT_MAX    480         /* bytes of a message kept; kernel messages are shorter */
#define BT_KMSG_RECORD_MAX  16384       /* a longer record or line is malformed */
#define BT_KMSG_INPUT_MAX   (32u << 20) /* bytes read from a file, or from the device in total */

typedef struct BtKmsgRecord {
        uint64_t seq;
        uint64_t usec;    /* CLOCK_MONOTONIC of the record */
        uint8_t level;    /* syslog level, 0 (emerg) .. 7 (debug) */
        unsigned repeats; /* identical records right after this one, folded into it */
        char *text;       /* printable ASCII only (anything else became '?'), at most TEXT_MAX */
} BtKmsgRecord;

typedef struct BtKmsg {
        BtKmsgRecord *records; /* oldest first */
        size_t n_records;
        size_t n_read;      /* well-formed records read, relevant or not, user space's included */
        size_t n_malformed; /* records or lines skipped because they were not kmsg records */
        size_t n_dropped;   /* relevant records pushed out by newer ones (RECORDS_MAX) */
        bool overwritten;   /* the kernel overwrote records before they were read (EPIPE) */
} BtKmsg;

/* Whether a kernel message concerns the Bluetooth UART: the Bluetooth core ("Bluetooth: "),
 * hci_uart, btbcm's patch names, serdev devices (serial0-0), the firmware GPIO expander, or any
 * of match (the UART's device and tty names, e.g. "fe201000.serial", "ttyAMA0"; may be NULL).
 * Filtering while reading keeps a long-running board's log from crowding out the few lines
 * that matter. */
bool bt_kmsg_relevant(const char *text, char *const *match);

/* Parses a kernel log saved one record per line, as /dev/kmsg hands them out
 * ("prio,seq,usec,flags;message", dictionary lines starting with a space), keeping the relevant
 * kernel (facility 0) records. Never fails on content: anything that is not a record is counted
 * in n_malformed, so a test and a field capture go through the same code as the device. */
int bt_kmsg_parse(const char *buf, size_t size, char *const *match, BtKmsg **ret);

/* Reads the kernel log from path: /dev/kmsg (a record per read(), non-blocking, overwritten
 * records skipped) or a regular file in the same format. -ENOENT/-EACCES as open() gives them,
 * -EFBIG for a file over INPUT_MAX. */
int bt_kmsg_read(const char *path, char *const *match, BtKmsg **ret);

BtKmsg *bt_kmsg_free(BtKmsg *k);
DEFINE_TRIVIAL_CLEANUP_FUNC(BtKmsg *, bt_kmsg_free)

/* n decimal digits at s, no sign, no overflow; shared by the kmsg and pinctrl parsers. */
bool bt_parse_u64(const char *s, size_t n, uint64_t *ret);

/* --- What the log says --- */

typedef enum BtEvent {
        BT_EVENT_BAUD_TIMEOUT,      /* "command 0xfc18 tx timeout" */
        BT_EVENT_BAUD_WRITE_FAILED, /* "BCM: failed to write update baudrate (-110)" */
        BT_EVENT_BAUD_SET_FAILED,   /* hci_serdev: "Failed to set baudrate" */
        BT_EVENT_CLOCK_FAILED,      /* "BCM: failed to write clock (N)", above 3000000 */
        BT_EVENT_RESET_TIMEOUT,     /* "command 0x0c03 tx timeout" */
        BT_EVENT_RESET_FAILED,      /* "BCM: Reset failed (-110)" */
        BT_EVENT_CMD_TIMEOUT,       /* another command timed out */
        BT_EVENT_CMD_FAILED,        /* another "BCM: ... failed (N)" */
        BT_EVENT_ANSWERED,          /* "BCM: chip id", "BCM: features": the controller talks */
        BT_EVENT_CHIP,              /* "BCM4345C0 (003.001.025) build 0382" */
        BT_EVENT_PATCH_LOADED,      /* "BCM4345C0 'brcm/BCM4345C0.hcd' Patch" */
        BT_EVENT_PATCH_NOT_FOUND,   /* "BCM: firmware Patch file not found, tried:" */
        BT_EVENT_PATCH_FAILED,      /* "BCM: Patch failed (N)", corrupt patch, minidriver */
        BT_EVENT_DEFAULT_BDADDR,    /* "BCM: Using default device address (...)" */
        BT_EVENT_FRAME_ERROR,       /* "Frame reassembly failed (N)" */
        BT_EVENT_NO_SHUTDOWN_GPIO,  /* "No reset resource, using default baud rate" */
        BT_EVENT_GPIO_FAILED,       /* a shutdown/reset GPIO could not be got or driven */
        BT_EVENT_SUPPLY_FAILED,     /* "Failed to get supply 'vbat'" */
        BT_EVENT_PROBE_DEFERRED,    /* "deferred probe pending" on the serdev device */
        BT_EVENT_PROBE_FAILED,      /* hci_uart_bcm's probe failed with an errno */
        BT_EVENT_POWER_FAILED,      /* "Failed to power down" / "Failed to power up" */
        BT_EVENT_REGISTER_FAILED,   /* "Can't register HCI device" */
        _BT_EVENT_MAX,
        _BT_EVENT_INVALID = -EINVAL,
} BtEvent;

typedef struct BtEventSeen {
        char *line;         /* the first record showing it, NULL when none did */
        int error;          /* -errno the first such record names, 0 when none */
        unsigned count;     /* records showing it, repeats included */
        size_t first, last; /* their positions in BtKmsg.records */
} BtEventSeen;

#define BT_FW_TRIED_MAX 8

typedef struct BtFindings {
        int hci_index;           /* the hciN the lines name, -1 when none does */
        char chip[24];           /* from the version line, "" when none; "BCM" when unknown to it */
        unsigned rom_build;      /* build of the first version line (before any patch) */
        unsigned build;          /* build of the last one */
        uint16_t timeout_opcode; /* first other command that timed out, 0 when none */
        char supply[16];         /* the supply that could not be got */
        int gpio_line;           /* the firmware GPIO expander line that failed, -1 when none */
        char *patch;             /* the patch the kernel loaded, "brcm/....hcd", NULL when none */
        char **fw_tried;         /* the names the kernel tried, in its order, at most TRIED_MAX */
        char *defer_reason;      /* 6.12: what the deferred probe waits for */
        size_t n_records;        /* the records considered */
        BtEventSeen events[_BT_EVENT_MAX];
} BtFindings;

/* Turns the kept records into findings. hci_index >= 0 ignores lines naming another hciN (a USB
 * dongle's btbcm writes the same lines); -1 takes all. Matching is on the exact formats of
 * Linux 6.1 and 6.12 (and 5.x before btbcm listed the names it tried). */
int bt_findings_from_kmsg(const BtKmsg *k, int hci_index, BtFindings *ret);
void bt_findings_done(BtFindings *f);
bool bt_findings_seen(const BtFindings *f, BtEvent e);
const char *bt_event_to_string(BtEvent e);
