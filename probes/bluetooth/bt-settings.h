/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* [Bluetooth] in hwctl.conf: who attaches the controller, on which tty, at what speed, with
 * which address and firmware, and how long to wait for the kernel. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

typedef enum BluetoothAttach {
        BLUETOOTH_ATTACH_AUTO,
        BLUETOOTH_ATTACH_KERNEL,
        BLUETOOTH_ATTACH_USERSPACE,
        BLUETOOTH_ATTACH_OFF, /* leave the controller alone */
        _BLUETOOTH_ATTACH_MAX,
} BluetoothAttach;

typedef enum BluetoothFlowControl {
        BLUETOOTH_FLOW_CONTROL_AUTO, /* from the board's wiring */
        BLUETOOTH_FLOW_CONTROL_YES,
        BLUETOOTH_FLOW_CONTROL_NO,
        _BLUETOOTH_FLOW_CONTROL_MAX,
} BluetoothFlowControl;

typedef struct BluetoothSettings {
        BluetoothAttach attach;            /* Attach=auto|kernel|userspace|off */
        char *device;                      /* Device=, the tty; NULL means from the board */
        uint32_t baud;                     /* Baud=, 0 means from the board */
        BluetoothFlowControl flow_control; /* FlowControl=auto|yes|no */
        bool address_set;                  /* Address= given */
        uint8_t address[6];                /* Address=, most significant byte first */
        char **firmware_dirs;              /* FirmwareDirs= */
        uint64_t kernel_timeout_usec;      /* KernelTimeoutSec=, default 15 s */
} BluetoothSettings;

extern const ConfigSection bluetooth_config_section;

const char *bluetooth_attach_to_string(BluetoothAttach a);
int bluetooth_attach_from_string(const char *s); /* the enum value, or -EINVAL */
const char *bluetooth_flow_control_to_string(BluetoothFlowControl f);
int bluetooth_flow_control_from_string(const char *s); /* auto, yes/no (any boolean) */

/* The bluetooth probe's section of c, or the defaults when c has none. */
const BluetoothSettings *bt_settings_of(const Config *c);
