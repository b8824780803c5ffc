/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Board: plain data about the machine, built once from the device tree (live or a DTB). */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "cleanup.h"

typedef enum BoardId {
        BOARD_GENERIC,
        BOARD_RPI_3_B,
        BOARD_RPI_3_B_PLUS,
        BOARD_RPI_3_A_PLUS,
        BOARD_RPI_ZERO_2_W,
        BOARD_RPI_4_B,
        BOARD_RPI_400,
        BOARD_RPI_CM4,
        BOARD_RPI_5_B,
        BOARD_KHADAS_VIM1S,
        BOARD_KHADAS_VIM3,
        BOARD_KHADAS_VIM3L,
        _BOARD_ID_MAX,
        _BOARD_ID_INVALID = -EINVAL,
} BoardId;

typedef enum BoardFamily {
        BOARD_FAMILY_UNKNOWN,
        BOARD_FAMILY_RPI,
        BOARD_FAMILY_AMLOGIC,
        _BOARD_FAMILY_MAX,
        _BOARD_FAMILY_INVALID = -EINVAL,
} BoardFamily;

/* Which device tree lineage the facts were read from; node names and aliases differ. */
typedef enum TreeFlavour {
        TREE_FLAVOUR_MAINLINE,
        TREE_FLAVOUR_RPI_DOWNSTREAM,
        TREE_FLAVOUR_KHADAS_VENDOR,
        _TREE_FLAVOUR_MAX,
        _TREE_FLAVOUR_INVALID = -EINVAL,
} TreeFlavour;

typedef enum UartKind {
        UART_KIND_UNKNOWN,
        UART_KIND_PL011, /* arm,pl011: full UART, RTS/CTS possible */
        UART_KIND_MINI,  /* brcm,bcm2835-aux-uart: mini-UART, ~460800 at most */
        UART_KIND_MESON, /* amlogic,meson-*-uart */
        UART_KIND_8250,  /* ns16550a, brcm,bcm7271-uart (Pi 5), ... */
        _UART_KIND_MAX,
        _UART_KIND_INVALID = -EINVAL,
} UartKind;

/* Tri-state for facts the tree may not settle. */
typedef enum Tristate {
        TRISTATE_UNKNOWN = -1,
        TRISTATE_NO = 0,
        TRISTATE_YES = 1,
} Tristate;

typedef struct BoardRevision {
        bool present;
        uint32_t code;            /* system/linux,revision */
        bool new_style;           /* bit 23 */
        unsigned memory_mib;      /* 0 when unknown */
        const char *manufacturer; /* static strings, NULL when unknown */
        const char *type;         /* "4B", "3B+", "Zero 2 W", ... */
        const char *processor;    /* "BCM2711", ... */
        unsigned pcb_revision;    /* "1.4" is 4 */
        unsigned pcb_major; /* "1.4" is 1; old-style codes name 1.0, 1.1, 1.2 and 2.0 boards */
} BoardRevision;

typedef struct BoardGpioRef {
        char *controller_path; /* node path of the GPIO controller */
        uint32_t line;
        bool active_low;
} BoardGpioRef;

typedef struct BoardBluetooth {
        bool present;    /* the tree names a UART carrying Bluetooth (chip and
                          * expected_baud come from the board table even when not) */
        char *uart_path; /* node path, e.g. /soc/serial@7e201000 */
        char *uart_compatible;
        char *uart_status; /* "okay", "disabled", NULL when absent */
        char *uart_alias;  /* alias naming the UART, e.g. "serial1", NULL when none */
        UartKind uart_kind;
        bool kernel_attach; /* a serdev child node is present and enabled */
        char *node_path;    /* the bluetooth child node, NULL when none */
        char *compatible;   /* controller compatible, e.g. brcm,bcm43438-bt */
        char *node_status;
        uint32_t max_speed;         /* max-speed, 0 when absent */
        bool uart_has_rtscts;       /* the uart-has-rtscts property */
        Tristate pins_rtscts;       /* whether the UART's pinctrl group muxes RTS/CTS */
        char *pins_evidence;        /* what pins_rtscts rests on, for a person */
        BoardGpioRef shutdown_gpio; /* controller_path NULL when none */
        BoardGpioRef reset_gpio;
        BoardGpioRef wakeup_gpio; /* device-wakeup-gpios (vendor: btwakeup-gpios) */
        char *uart_label; /* the UART's label from __symbols__, e.g. "uart0"; NULL when none */
        char *chip;       /* expected chip from the board table, e.g. BCM4345C0 */
        uint32_t expected_baud; /* operating speed the board table expects */
} BoardBluetooth;

typedef struct BoardAudio {
        char *path; /* node path */
        char *compatible;
        char *kind;   /* "hdmi", "analog", "sound-card", "i2s", ... */
        bool enabled; /* status absent or "okay" */
} BoardAudio;

typedef struct BoardGpioHeader {
        bool present;
        char *controller_path; /* node path of the 40-pin header's controller */
        char *compatible;
        char *chip_label;  /* the label the kernel gives the gpiochip, e.g. pinctrl-bcm2711 */
        unsigned n_lines;  /* from ngpios or gpio-line-names; 0 when unknown */
        char **line_names; /* gpio-line-names, strv, "" for unnamed lines */
} BoardGpioHeader;

typedef struct Board {
        BoardId id;
        BoardFamily family;
        TreeFlavour flavour;
        char *model;       /* root model, NULL when missing */
        char **compatible; /* strv */
        char *soc;         /* e.g. bcm2711, s905y4; NULL when unknown */
        char *serial;      /* NULL when unknown */
        BoardRevision revision;
        BoardBluetooth bluetooth;
        BoardAudio *audio;
        size_t n_audio;
        Tristate headphone_jack; /* a 3.5 mm jack fed by the SoC, from the board table */
        BoardGpioHeader gpio;
        char **findings; /* strv: differences between the board table and the tree */
} Board;

/* Offline: a flattened device tree file. ret_error gets a sentence for a person on failure. */
int board_detect_from_dtb(const char *path, Board **ret, char **ret_error);
int board_detect_from_blob(const void *blob, size_t size, Board **ret, char **ret_error);
/* Live: <sysroot>/proc/device-tree (sysroot NULL or "/" for the running system). A machine
 * without a device tree gives a generic board with a finding, not an error. */
int board_detect_from_live(const char *sysroot, Board **ret, char **ret_error);

/* An empty generic board with its unknowns unknown (RTS/CTS wiring unknown, not "no"): what
 * the daemon runs with when the device tree cannot be read. NULL on -ENOMEM. */
Board *board_new(void);
Board *board_free(Board *b);
DEFINE_TRIVIAL_CLEANUP_FUNC(Board *, board_free)

json_object *board_to_json(const Board *b);

const char *board_id_to_string(BoardId id);
BoardId board_id_from_string(const char *s);
const char *board_family_to_string(BoardFamily f);
const char *tree_flavour_to_string(TreeFlavour f);
const char *uart_kind_to_string(UartKind k);
BoardFamily board_family_from_string(const char *s);
TreeFlavour tree_flavour_from_string(const char *s);
UartKind uart_kind_from_string(const char *s);
const char *tristate_to_string(Tristate t); /* "yes", "no", "unknown" */

/* Decodes a Raspberry Pi revision code (system/linux,revision, /proc/cpuinfo "Revision"), new-style
 * (bit 23 set) or old-style (0002..0015). Fields the code does not name stay 0/NULL. */
void rpi_revision_decode(uint32_t code, BoardRevision *ret);
