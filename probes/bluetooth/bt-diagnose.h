/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Why a kernel-attached Broadcom UART controller did not come up, from the kernel log and pins. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "board.h"
#include "bt-kmsg.h"
#include "cleanup.h"

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
