/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The live pin functions of the Bluetooth UART, read from pinctrl debugfs. */
#pragma once

#include <stdbool.h>

#include "board.h"

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
