/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internals shared by the board*.c files: the board table and the fact finders. */
#pragma once

#include "board.h"
#include "util.h"

/* What the board table expects of a board; the tree says what is there. */
typedef struct BoardInfo {
        BoardId id;
        const char *compatibles[3]; /* root compatibles naming the board, mainline and vendor */
        int rpi_type;               /* Raspberry Pi revision type code, -1 when none */
        BoardFamily family;
        const char *bt_chip;    /* Broadcom patch name of the Bluetooth controller */
        UartKind bt_uart_kind;  /* the UART the board wires Bluetooth to by default */
        bool bt_rtscts_wired;   /* CTS/RTS between SoC and controller are connected */
        uint32_t bt_baud_max;   /* the vendor tree's max-speed when below UART_SPEED_FLOW_MAX */
        bool headphone_jack;    /* a 3.5 mm jack fed by the SoC */
        const char *gpio_label; /* gpiochip label of the 40-pin header's controller */
} BoardInfo;

const BoardInfo *board_info_lookup(BoardId id);
/* Sets id, family, soc and flavour from the root compatible (and the revision code as a fallback);
 * *ret_info is NULL for a generic board. */
int board_identify(const void *fdt, Board *b, const BoardInfo **ret_info);

int board_add_finding(Board *b, const char *fmt, ...) _printf_(2, 3);

int board_detect_bluetooth(const void *fdt, Board *b, const BoardInfo *info);
int board_detect_audio(const void *fdt, Board *b, const BoardInfo *info);
int board_detect_gpio(const void *fdt, Board *b, const BoardInfo *info);

/* Whether the UART's pinctrl-0 groups mux RTS and CTS, and a sentence saying why. */
int board_uart_pins_rtscts(const void *fdt, Board *b, int uart, const char *uart_name,
                           Tristate *ret, char **ret_evidence);

UartKind board_uart_kind_of(const void *fdt, int node);
/* "uart0 (/soc/serial@7e201000)" or just the path when the node has no label or alias. */
char *board_uart_display_name(const char *label, const char *alias, const char *path);
