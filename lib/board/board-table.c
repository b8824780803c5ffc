/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The board table and identification: board id, family, SoC and device tree lineage. */
#include <libfdt.h>

#include "board-private.h"
#include "dt.h"
#include "uart-speed.h"

/* Sources: root compatibles from the mainline and vendor device trees; revision types from the
 * Raspberry Pi revision-code documentation; Bluetooth chips from the firmware each board loads
 * (bluez-firmware / Khadas images); speeds as the Raspberry Pi and Khadas trees set max-speed. */
static const BoardInfo board_table[] = {
        /* Pi 3 B: Bluetooth without flow control, so at UART_SPEED_NO_FLOW_MAX (downstream &bt
         * max-speed, and Raspberry Pi's hciattach "bcm43xx 921600 noflow" before that). */
        {
                .id = BOARD_RPI_3_B,
                .compatibles = {"raspberrypi,3-model-b"},
                .rpi_type = 0x08,
                .family = BOARD_FAMILY_RPI,
                .bt_chip = "BCM43430A1",
                .bt_uart_kind = UART_KIND_PL011,
                .bt_rtscts_wired = false,
                .headphone_jack = true,
                .gpio_label = "pinctrl-bcm2835",
        },
        {
                .id = BOARD_RPI_3_B_PLUS,
                .compatibles = {"raspberrypi,3-model-b-plus"},
                .rpi_type = 0x0d,
                .family = BOARD_FAMILY_RPI,
                .bt_chip = "BCM4345C0",
                .bt_uart_kind = UART_KIND_PL011,
                .bt_rtscts_wired = true,
                .headphone_jack = true,
                .gpio_label = "pinctrl-bcm2835",
        },
        {
                .id = BOARD_RPI_3_A_PLUS,
                .compatibles = {"raspberrypi,3-model-a-plus"},
                .rpi_type = 0x0e,
                .family = BOARD_FAMILY_RPI,
                .bt_chip = "BCM4345C0",
                .bt_uart_kind = UART_KIND_PL011,
                .bt_rtscts_wired = true,
                .headphone_jack = true,
                .gpio_label = "pinctrl-bcm2835",
        },
        {
                .id = BOARD_RPI_ZERO_2_W,
                .compatibles = {"raspberrypi,model-zero-2-w"},
                .rpi_type = 0x12,
                .family = BOARD_FAMILY_RPI,
                .bt_chip = "BCM43430B0",
                .bt_uart_kind = UART_KIND_PL011,
                .bt_rtscts_wired = true,
                .headphone_jack = false,
                .gpio_label = "pinctrl-bcm2835",
        },
        {
                .id = BOARD_RPI_4_B,
                .compatibles = {"raspberrypi,4-model-b"},
                .rpi_type = 0x11,
                .family = BOARD_FAMILY_RPI,
                .bt_chip = "BCM4345C0",
                .bt_uart_kind = UART_KIND_PL011,
                .bt_rtscts_wired = true,
                .headphone_jack = true,
                .gpio_label = "pinctrl-bcm2711",
        },
        {
                .id = BOARD_RPI_400,
                .compatibles = {"raspberrypi,400"},
                .rpi_type = 0x13,
                .family = BOARD_FAMILY_RPI,
                .bt_chip = "BCM4345C5",
                .bt_uart_kind = UART_KIND_PL011,
                .bt_rtscts_wired = true,
                .headphone_jack = false,
                .gpio_label = "pinctrl-bcm2711",
        },
        {
                .id = BOARD_RPI_CM4,
                .compatibles = {"raspberrypi,4-compute-module"},
                .rpi_type = 0x14,
                .family = BOARD_FAMILY_RPI,
                .bt_chip = "BCM4345C0",
                .bt_uart_kind = UART_KIND_PL011,
                .bt_rtscts_wired = true,
                .headphone_jack = false,
                .gpio_label = "pinctrl-bcm2711",
        },
        /* Pi 5: Bluetooth on the BCM2712's own 8250-class UART, the header on RP1. */
        {
                .id = BOARD_RPI_5_B,
                .compatibles = {"raspberrypi,5-model-b"},
                .rpi_type = 0x17,
                .family = BOARD_FAMILY_RPI,
                .bt_chip = "BCM4345C0",
                .bt_uart_kind = UART_KIND_8250,
                .bt_rtscts_wired = true,
                .headphone_jack = false,
                .gpio_label = "pinctrl-rp1",
        },
        /* VIM1S: AP6256 module (BCM4345C5) on UART_A; vendor root compatible "s4_s905y4_kvim1s". */
        {
                .id = BOARD_KHADAS_VIM1S,
                .compatibles = {"khadas,vim1s", "s4_s905y4_kvim1s"},
                .rpi_type = -1,
                .family = BOARD_FAMILY_AMLOGIC,
                .bt_chip = "BCM4345C5",
                .bt_uart_kind = UART_KIND_MESON,
                .bt_rtscts_wired = true,
                .bt_baud_max = UART_B2000000,
                .headphone_jack = false,
                .gpio_label = "periphs-banks",
        },
        /* VIM3/VIM3L: AP6398S module (BCM4359) on UART_A. */
        {
                .id = BOARD_KHADAS_VIM3,
                .compatibles = {"khadas,vim3", "g12b_kvim3"},
                .rpi_type = -1,
                .family = BOARD_FAMILY_AMLOGIC,
                .bt_chip = "BCM4359C0",
                .bt_uart_kind = UART_KIND_MESON,
                .bt_rtscts_wired = true,
                .bt_baud_max = UART_B2000000,
                .headphone_jack = false,
                .gpio_label = "periphs-banks",
        },
        {
                .id = BOARD_KHADAS_VIM3L,
                .compatibles = {"khadas,vim3l", "sm1_kvim3l"},
                .rpi_type = -1,
                .family = BOARD_FAMILY_AMLOGIC,
                .bt_chip = "BCM4359C0",
                .bt_uart_kind = UART_KIND_MESON,
                .bt_rtscts_wired = true,
                .bt_baud_max = UART_B2000000,
                .headphone_jack = false,
                .gpio_label = "periphs-banks",
        },
};

const BoardInfo *board_info_lookup(BoardId id)
{
        for (size_t i = 0; i < ELEMENTSOF(board_table); i++)
                if (board_table[i].id == id)
                        return &board_table[i];
        return NULL;
}

static const BoardInfo *lookup_by_compatible(char *const *compatible)
{
        /* The most specific (first) compatible wins. */
        STRV_FOREACH (c, compatible)
                for (size_t i = 0; i < ELEMENTSOF(board_table); i++)
                        for (size_t j = 0; j < ELEMENTSOF(board_table[i].compatibles); j++)
                                if (streq_ptr(board_table[i].compatibles[j], *c))
                                        return &board_table[i];
        return NULL;
}

static const BoardInfo *lookup_by_rpi_type(int type)
{
        for (size_t i = 0; i < ELEMENTSOF(board_table); i++)
                if (board_table[i].rpi_type >= 0 && board_table[i].rpi_type == type)
                        return &board_table[i];
        return NULL;
}

static const char *const rpi_socs[] = {
        "brcm,bcm2835", "brcm,bcm2836", "brcm,bcm2837", "brcm,bcm2711", "brcm,bcm2712",
};

/* The SoC named by the compatible list: "brcm,bcm2711" -> "bcm2711", "amlogic,a311d" -> "a311d",
 * the vendor "amlogic, g12b" spelling included. */
static const char *soc_from_compatible(char *const *compatible, BoardFamily *ret_family)
{
        /* The first entry names the board ("amlogic,aq222"), the later ones the SoC. */
        if (strv_length(compatible) > 1)
                compatible++;
        STRV_FOREACH (c, compatible) {
                for (size_t i = 0; i < ELEMENTSOF(rpi_socs); i++)
                        if (streq(*c, rpi_socs[i])) {
                                *ret_family = BOARD_FAMILY_RPI;
                                return *c + strlen("brcm,");
                        }
                if (strncmp(*c, "amlogic,", 8) == 0) {
                        const char *s = *c + 8;
                        s += strspn(s, " ");
                        *ret_family = BOARD_FAMILY_AMLOGIC;
                        return *s ? s : NULL;
                }
        }
        *ret_family = BOARD_FAMILY_UNKNOWN;
        return NULL;
}

/* Khadas vendor trees name the board in amlogic-dt-id as "<family>_<soc>_<board>", e.g.
 * "s4_s905y4_kvim1s"; two-part ids ("g12b_kvim3") name the family only. */
static char *soc_from_amlogic_dt_id(const char *id)
{
        const char *a = strchr(id, '_'), *b;

        if (!a)
                return NULL;
        b = strchr(a + 1, '_');
        if (!b)
                return strndup(id, (size_t)(a - id));
        return strndup(a + 1, (size_t)(b - a - 1));
}

static bool any_node_compatible(const void *fdt, const char *const *compats, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (fdt_node_offset_by_compatible(fdt, -1, compats[i]) >= 0)
                        return true;
        return false;
}

static bool any_node_compatible_prefix(const void *fdt, const char *prefix)
{
        for (int node = 0; node >= 0; node = dt_next_node(fdt, node))
                if (dt_node_compatible_prefix(fdt, node, prefix))
                        return true;
        return false;
}

static TreeFlavour detect_flavour(const void *fdt, BoardFamily family)
{
        /* Nodes only the Raspberry Pi downstream kernel's trees carry. */
        static const char *const rpi_downstream_compats[] = {
                "brcm,bcm2708-fb",          "brcm,bcm2708-usb",
                "brcm,bcm2835-audio",       "brcm,bcm2835-gpiomem",
                "raspberrypi,gpiomem",      "brcm,bcm2835-virtgpio",
                "raspberrypi,bcm2835-vcsm", "raspberrypi,rpi-firmware-kms",
        };
        int aliases, chosen;

        if (family == BOARD_FAMILY_RPI) {
                const char *bootargs = NULL;

                if (fdt_path_offset(fdt, "/__overrides__") >= 0)
                        return TREE_FLAVOUR_RPI_DOWNSTREAM;
                aliases = fdt_path_offset(fdt, "/aliases");
                if (aliases >= 0 && dt_prop_exists(fdt, aliases, "bluetooth"))
                        return TREE_FLAVOUR_RPI_DOWNSTREAM;
                if (any_node_compatible(fdt, rpi_downstream_compats,
                                        ELEMENTSOF(rpi_downstream_compats)))
                        return TREE_FLAVOUR_RPI_DOWNSTREAM;
                chosen = fdt_path_offset(fdt, "/chosen");
                if (chosen >= 0)
                        bootargs = dt_prop_string(fdt, chosen, "bootargs", NULL);
                if (bootargs &&
                    (strstr(bootargs, "8250.nr_uarts=") || strstr(bootargs, "snd_bcm2835.")))
                        return TREE_FLAVOUR_RPI_DOWNSTREAM;
        }
        if (family == BOARD_FAMILY_AMLOGIC) {
                /* The vendor kernel's compatibles carry a space: "amlogic, aml-bt". */
                if (dt_prop_exists(fdt, 0, "amlogic-dt-id") ||
                    any_node_compatible_prefix(fdt, "amlogic, "))
                        return TREE_FLAVOUR_KHADAS_VENDOR;
        }
        return TREE_FLAVOUR_MAINLINE;
}

int board_identify(const void *fdt, Board *b, const BoardInfo **ret_info)
{
        const BoardInfo *info;
        BoardFamily family;
        const char *soc, *dt_id;
        int r;

        info = lookup_by_compatible(b->compatible);
        if (!info && b->revision.present && b->revision.new_style) {
                info = lookup_by_rpi_type((int)((b->revision.code >> 4) & 0xffU));
                if (info) {
                        r = board_add_finding(b,
                                              "The root compatible does not name a known board, "
                                              "but the firmware's revision code 0x%06x says "
                                              "Raspberry Pi %s; using %s.",
                                              b->revision.code, strna(b->revision.type),
                                              board_id_to_string(info->id));
                        if (r < 0)
                                return r;
                }
        }

        soc = soc_from_compatible(b->compatible, &family);
        dt_id = dt_prop_string(fdt, 0, "amlogic-dt-id", NULL);
        if (family == BOARD_FAMILY_UNKNOWN && dt_id)
                family = BOARD_FAMILY_AMLOGIC;
        if (info)
                family = info->family;

        if (soc) {
                b->soc = strdup(soc);
                if (!b->soc)
                        return -ENOMEM;
        } else if (dt_id) {
                b->soc = soc_from_amlogic_dt_id(dt_id);
        }

        b->id = info ? info->id : BOARD_GENERIC;
        b->family = family;
        b->flavour = detect_flavour(fdt, family);
        *ret_info = info;
        return 0;
}
