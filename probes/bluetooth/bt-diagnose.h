/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Why a kernel-attached Broadcom UART controller did not come up, from the kernel log and pins. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "board.h"
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

/* --- Live pins (pinctrl debugfs) --- */

typedef struct BtPinMux {
        unsigned pin;
        char name[24];       /* "gpio30" */
        char mux_owner[64];  /* the device that claimed the mux, "" when unclaimed */
        char gpio_owner[64]; /* "" when not requested as a GPIO */
        char function[24];   /* "alt3"; "" when the file does not say */
        char group[32];
        bool hog;
} BtPinMux;

/* Finds pin in a pinmux-pins text (drivers/pinctrl/pinmux.c). Its function is the one a kernel
 * consumer claimed, so "" for a pin only the firmware muxed. 1 when listed, 0 when not,
 * -EBADMSG when the text is not pinmux-pins at all. */
int bt_pinmux_pins_lookup(const char *text, unsigned pin, BtPinMux *ret);

/* Finds pin's current function in a pins text (drivers/pinctrl/core.c, with the bcm2835 driver's
 * "function alt3 in lo; irq ..."), read from the register whoever set it: that is what tells
 * whether the firmware muxed CTS/RTS. 1 and ret_function when listed with a function, 0 when
 * not, -EBADMSG when the text is not a pins file. */
int bt_pinctrl_pins_function(const char *text, unsigned pin, char ret_function[24]);

/* Reads pinmux-pins and pins of the pin controller under pinctrl_dir (normally
 * /sys/kernel/debug/pinctrl) that carries GPIO 30. Either text may come back NULL when its file is
 * missing; -ENOENT when no controller carries it, -EACCES without root. */
int bt_pinctrl_read(const char *pinctrl_dir, char **ret_pinmux_pins, char **ret_pins);

/* Whether the board's Bluetooth UART is uart0 of a BCM2835/BCM2711, whose CTS/RTS are GPIO 30/31
 * on ALT3: the only pins the live check and the exact pin remedy know. */
bool bt_board_bcm283x_uart0(const Board *b);

/* Whether the live pins put CTS and RTS of the Bluetooth UART on the UART (BCM2835/BCM2711
 * uart0: GPIO 30 and 31 on ALT3), from either text (NULL when unavailable). UNKNOWN on other
 * SoCs, without either text, or for pins only the firmware set when only pinmux-pins is there.
 * The evidence sentence says which file and which pins it rests on. */
int bt_live_rtscts(const Board *b, const char *pinmux_pins, const char *pins, Tristate *ret,
                   char **ret_evidence);

/* --- The diagnosis --- */

typedef enum BtCause {
        BT_CAUSE_NONE,             /* nothing wrong (a degraded check that found nothing) */
        BT_CAUSE_NOT_ATTACHED,     /* the tree lets no kernel driver attach the controller */
        BT_CAUSE_DRIVER_SILENT,    /* no Bluetooth UART driver said anything */
        BT_CAUSE_REGULATOR,        /* a supply of the controller is missing */
        BT_CAUSE_POWER_GPIO,       /* the shutdown/reset GPIO could not be got or driven */
        BT_CAUSE_PROBE_FAILED,     /* hci_uart_bcm's probe failed otherwise */
        BT_CAUSE_NO_RTSCTS_PINS,   /* the pin group lacks RTS/CTS, flow control is forced */
        BT_CAUSE_NO_FLOW_WIRING,   /* the board wires no RTS/CTS (Pi 3 B), max-speed too high */
        BT_CAUSE_MINI_UART_SPEED,  /* the mini-UART asked for more than ~460800 */
        BT_CAUSE_BAUD_TIMEOUT,     /* the controller did not take or hold the higher speed */
        BT_CAUSE_NO_RESPONSE,      /* the controller answered nothing, even at 115200 */
        BT_CAUSE_NO_SHUTDOWN_GPIO, /* no shutdown GPIO, so the kernel stays at 115200 */
        BT_CAUSE_PATCH_MISSING,    /* no .hcd patch: ROM firmware */
        BT_CAUSE_PATCH_FAILED,     /* the patch did not load */
        BT_CAUSE_FRAMING,          /* bytes lost or corrupted on the UART */
        BT_CAUSE_UNKNOWN,          /* something is wrong but the log does not say what */
        _BT_CAUSE_MAX,
        _BT_CAUSE_INVALID = -EINVAL,
} BtCause;

typedef struct BtDiagnoseInput {
        const Board *board;
        const BtFindings *findings; /* NULL when the kernel log could not be read */
        Tristate live_rtscts;       /* bt_live_rtscts(); UNKNOWN without debugfs */
        const char *live_evidence;  /* its sentence, NULL when none */
} BtDiagnoseInput;

typedef struct BtDiagnosis {
        BtCause cause;
        char *cause_text;      /* one sentence: what is wrong */
        char *remedy;          /* one sentence: the exact change, NULL when none is known */
        uint32_t max_speed;    /* the max-speed the remedy names, 0 when it names none */
        char **also;           /* other problems the log shows, one sentence each */
        json_object *evidence; /* array of strings: "kernel log: ...", "device tree: ...",
                                * "live pinmux: ...", "board: ..." */
} BtDiagnosis;

/* For a controller whose hciN did not appear (or stays down): the cause, from the probe up to the
 * link, and the device-tree change or package that fixes it. Never blames the pin group when
 * the live pins show CTS/RTS on the UART, nor on a board that does not wire them. */
int bt_diagnose_failure(const BtDiagnoseInput *in, BtDiagnosis *ret);

/* For a controller that is up: whether the log shows it came up with less (115200 instead of
 * max-speed, ROM firmware, a lossy link). BT_CAUSE_NONE when it did not. */
int bt_diagnose_degraded(const BtDiagnoseInput *in, BtDiagnosis *ret);

void bt_diagnosis_done(BtDiagnosis *d);
const char *bt_cause_to_string(BtCause c);
