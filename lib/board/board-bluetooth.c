/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bluetooth facts: the UART carrying the controller, its pins, GPIOs, speed, what to expect. */
#include <libfdt.h>

#include "board-private.h"
#include "dt.h"
#include "uart-speed.h"

UartKind board_uart_kind_of(const void *fdt, int node)
{
        static const char *const uarts_8250[] = {
                "ns16550a", "ns16550", "ns8250", "brcm,bcm7271-uart", "snps,dw-apb-uart",
        };
        _cleanup_strv_free_ char **compat = NULL;

        if (dt_prop_strv(fdt, node, "compatible", false, &compat) < 0)
                return UART_KIND_UNKNOWN;
        STRV_FOREACH (c, compat) {
                if (streq(*c, "arm,pl011"))
                        return UART_KIND_PL011;
                if (streq(*c, "brcm,bcm2835-aux-uart"))
                        return UART_KIND_MINI;
                if (strncmp(*c, "amlogic,meson", 13) == 0 && strstr(*c, "uart"))
                        return UART_KIND_MESON;
                for (size_t i = 0; i < ELEMENTSOF(uarts_8250); i++)
                        if (streq(*c, uarts_8250[i]))
                                return UART_KIND_8250;
        }
        return UART_KIND_UNKNOWN;
}

static bool is_uart(const void *fdt, int node)
{
        return node >= 0 && (board_uart_kind_of(fdt, node) != UART_KIND_UNKNOWN ||
                             strncmp(dt_node_name(fdt, node), "serial", 6) == 0);
}

char *board_uart_display_name(const char *label, const char *alias, const char *path)
{
        const char *name = label ? label : alias;
        return name ? strdup_printf("%s (%s)", name, path) : strdup(path);
}

static bool looks_like_bt_node(const void *fdt, int node)
{
        const char *name = dt_node_name(fdt, node);
        size_t k = strcspn(name, "@");

        return (k == 9 && strncmp(name, "bluetooth", 9) == 0) ||
               dt_node_compatible_prefix(fdt, node, "brcm,bcm43") ||
               dt_node_compatible_prefix(fdt, node, "brcm,bcm4345");
}

/* Ranks a serdev Bluetooth child: enabled child on an enabled UART first. */
static int bt_rank(const void *fdt, int node, int uart)
{
        return (dt_node_enabled(fdt, node) ? 2 : 0) + (dt_node_enabled(fdt, uart) ? 1 : 0);
}

/* Finds the Bluetooth node (a serdev child of a UART) and its UART. Ties go to the first path in
 * sort order, so the answer does not depend on node order in the blob. */
static void find_serdev_bt(const void *fdt, int *ret_node, int *ret_uart)
{
        DtBest best = DT_BEST_INIT;
        int best_uart = -1, aliases;

        /* Downstream Raspberry Pi trees name it: aliases { bluetooth = &bt; }. */
        aliases = fdt_path_offset(fdt, "/aliases");
        if (aliases >= 0) {
                const char *v = dt_prop_string(fdt, aliases, "bluetooth", NULL);
                int node = v ? dt_path_offset(fdt, v) : -1;
                int parent = node >= 0 ? dt_node_parent(fdt, node) : -1;

                if (node >= 0 && is_uart(fdt, parent)) {
                        *ret_node = node;
                        *ret_uart = parent;
                        return;
                }
        }
        for (int node = 0; node >= 0; node = dt_next_node(fdt, node)) {
                int parent;

                if (node == 0 || !looks_like_bt_node(fdt, node))
                        continue;
                parent = dt_node_parent(fdt, node);
                if (is_uart(fdt, parent) &&
                    dt_best_offer(&best, fdt, node, bt_rank(fdt, node, parent)))
                        best_uart = parent;
        }
        *ret_node = best.node;
        *ret_uart = best_uart;
}

/* The node with this compatible whose path sorts first, or -1. */
static int first_by_path(const void *fdt, const char *compat)
{
        DtBest best = DT_BEST_INIT;

        for (int node = fdt_node_offset_by_compatible(fdt, -1, compat); node >= 0;
             node = fdt_node_offset_by_compatible(fdt, node, compat))
                (void)dt_best_offer(&best, fdt, node, 0);
        return best.node;
}

/* Amlogic vendor trees: the UART has uart_for_bt, and the controller's power is a separate
 * platform node, aml_bt { compatible = "amlogic, aml-bt"; } (named bt-dev on VIM3). */
static void find_vendor_bt(const void *fdt, int *ret_node, int *ret_uart)
{
        DtBest best = DT_BEST_INIT;

        for (int node = 0; node >= 0; node = dt_next_node(fdt, node))
                if (dt_prop_exists(fdt, node, "uart_for_bt") && is_uart(fdt, node))
                        (void)dt_best_offer(&best, fdt, node, dt_node_enabled(fdt, node) ? 1 : 0);
        *ret_uart = best.node;
        *ret_node = first_by_path(fdt, "amlogic, aml-bt");
        if (*ret_node < 0)
                *ret_node = first_by_path(fdt, "amlogic, bt-dev");
}

/* The first GPIO of the first property in props that the node has. */
static int gpio_ref(const void *fdt, Board *b, int node, const char *node_name,
                    const char *const *props, BoardGpioRef *ret)
{
        for (const char *const *p = props; *p; p++) {
                const uint8_t *cells;
                uint32_t ncells = 2;
                size_t n;
                int ctrl, r;

                r = dt_prop_cells(fdt, node, *p, &cells, &n);
                if (r == -ENOENT)
                        continue;
                if (r < 0 || n < 1)
                        return board_add_finding(b, "%s of %s is malformed.", *p, node_name);
                ctrl = dt_node_by_phandle(fdt, dt_cell(cells, 0));
                if (ctrl < 0)
                        return board_add_finding(b,
                                                 "%s of %s refers to phandle 0x%x, which no node "
                                                 "in the tree has.",
                                                 *p, node_name, dt_cell(cells, 0));
                r = dt_prop_u32(fdt, ctrl, "#gpio-cells", &ncells);
                if (r == -EBADMSG || ncells < 1 || ncells > DT_GPIO_CELLS_MAX)
                        return board_add_finding(b,
                                                 "The GPIO controller of %s of %s has an "
                                                 "impossible #gpio-cells; ignoring it.",
                                                 *p, node_name);
                if (n < 1 + ncells)
                        return board_add_finding(b,
                                                 "%s of %s is shorter than its controller's "
                                                 "#gpio-cells says.",
                                                 *p, node_name);
                ret->controller_path = dt_node_path(fdt, ctrl);
                if (!ret->controller_path)
                        return -ENOMEM;
                ret->line = dt_cell(cells, 1);
                ret->active_low = ncells >= 2 && (dt_cell(cells, 2) & 1U);
                return 0;
        }
        return 0;
}

static int node_facts(const void *fdt, Board *b, int node)
{
        static const char *const shutdown_props[] = {"shutdown-gpios", "bt_en-gpios",
                                                     "enable-gpios", NULL};
        static const char *const reset_props[] = {"reset-gpios", NULL};
        static const char *const wakeup_props[] = {"device-wakeup-gpios", "btwakeup-gpios", NULL};
        BoardBluetooth *bt = &b->bluetooth;
        const char *s;
        int r;

        bt->node_path = dt_node_path(fdt, node);
        if (!bt->node_path)
                return -ENOMEM;
        if ((s = dt_node_first_compatible(fdt, node)) && !(bt->compatible = strdup(s)))
                return -ENOMEM;
        if ((s = dt_node_status(fdt, node)) && !(bt->node_status = strdup(s)))
                return -ENOMEM;
        r = dt_prop_u32(fdt, node, "max-speed", &bt->max_speed);
        if (r == -EBADMSG) {
                r = board_add_finding(b, "max-speed of %s is not a single number.", bt->node_path);
                if (r < 0)
                        return r;
        }
        r = gpio_ref(fdt, b, node, bt->node_path, shutdown_props, &bt->shutdown_gpio);
        if (r >= 0)
                r = gpio_ref(fdt, b, node, bt->node_path, reset_props, &bt->reset_gpio);
        if (r >= 0)
                r = gpio_ref(fdt, b, node, bt->node_path, wakeup_props, &bt->wakeup_gpio);
        return r;
}

static uint32_t expected_baud(const BoardInfo *info, UartKind kind, Tristate pins)
{
        if (!info)
                return 0;
        return uart_speed_for_wiring(kind, info->bt_rtscts_wired && pins != TRISTATE_NO,
                                     info->bt_baud_max);
}

static int speed_findings(Board *b, const BoardInfo *info, const char *uart_name)
{
        BoardBluetooth *bt = &b->bluetooth;
        uint32_t noflow = UART_SPEED_NO_FLOW_MAX;

        if (bt->pins_rtscts == TRISTATE_NO && bt->max_speed > noflow)
                return board_add_finding(b,
                                         "%s has no CTS/RTS pins in its pin group, so the kernel "
                                         "Bluetooth driver will time out setting the baud rate "
                                         "to %u (max-speed); without flow control Bluetooth "
                                         "runs at %u baud at most.",
                                         uart_name, bt->max_speed, noflow);
        if (bt->pins_rtscts == TRISTATE_NO && info && info->bt_rtscts_wired)
                return board_add_finding(b,
                                         "%s has no CTS/RTS pins in its pin group although the "
                                         "board wires them to the controller, so Bluetooth "
                                         "runs without flow control at %u baud at most.",
                                         uart_name, noflow);
        if (!info || bt->expected_baud == 0 || bt->max_speed == 0 || !bt->kernel_attach)
                return 0;
        if (bt->max_speed > bt->expected_baud)
                return board_add_finding(b,
                                         "Bluetooth max-speed %u is above the %u baud this "
                                         "board's wiring supports on %s.",
                                         bt->max_speed, bt->expected_baud, uart_name);
        if (bt->max_speed < bt->expected_baud)
                return board_add_finding(b,
                                         "This tree limits Bluetooth to %u baud (max-speed); "
                                         "the board runs it at %u on %s.",
                                         bt->max_speed, bt->expected_baud, uart_name);
        return 0;
}

static int uart_findings(Board *b, const BoardInfo *info, const char *uart_name, bool serdev)
{
        BoardBluetooth *bt = &b->bluetooth;
        int r = 0;

        if (bt->uart_status && !streq(bt->uart_status, "okay") && !streq(bt->uart_status, "ok"))
                r = board_add_finding(b,
                                      "%s is disabled (status \"%s\"), so Bluetooth on it "
                                      "cannot work.",
                                      uart_name, bt->uart_status);
        if (r >= 0 && serdev && !bt->kernel_attach && bt->node_status &&
            !streq(bt->node_status, "okay") && !streq(bt->node_status, "ok"))
                r = board_add_finding(b,
                                      "The Bluetooth node %s is disabled, so the kernel will not "
                                      "attach the controller; it has to be attached from user "
                                      "space.",
                                      bt->node_path);
        if (r >= 0 && !serdev)
                r = board_add_finding(b,
                                      "%s has no Bluetooth child node, so the kernel does not "
                                      "attach the controller; it has to be attached from user "
                                      "space%s%s%s.",
                                      uart_name,
                                      bt->node_path ? " (the tree powers it through " : "",
                                      strempty(bt->node_path), bt->node_path ? ")" : "");
        if (r >= 0 && info && bt->uart_kind != UART_KIND_UNKNOWN &&
            bt->uart_kind != info->bt_uart_kind) {
                char limit[64] = "";

                if (bt->uart_kind == UART_KIND_MINI)
                        snprintf(limit, sizeof(limit), "; the mini-UART is limited to %u baud",
                                 uart_speed_for_wiring(UART_KIND_MINI, false, 0));
                r = board_add_finding(b,
                                      "Bluetooth is on %s, a %s UART, not the %s UART this board "
                                      "uses by default%s.",
                                      uart_name, uart_kind_to_string(bt->uart_kind),
                                      uart_kind_to_string(info->bt_uart_kind), limit);
        }
        if (r >= 0 && (bt->uart_kind == UART_KIND_MESON || bt->uart_kind == UART_KIND_8250) &&
            bt->pins_rtscts == TRISTATE_YES && !bt->uart_has_rtscts)
                r = board_add_finding(b,
                                      "%s muxes CTS/RTS but lacks uart-has-rtscts, so its "
                                      "driver will not enable hardware flow control.",
                                      uart_name);
        return r;
}

int board_detect_bluetooth(const void *fdt, Board *b, const BoardInfo *info)
{
        _cleanup_free_ char *uart_name = NULL;
        BoardBluetooth *bt = &b->bluetooth;
        int node = -1, uart = -1, r;
        bool serdev = true;
        const char *s;

        find_serdev_bt(fdt, &node, &uart);
        if (uart < 0) {
                find_vendor_bt(fdt, &node, &uart);
                serdev = false;
        }
        /* Older downstream Pi trees have no Bluetooth node: user space (hciuart) attaches the
         * controller on /dev/serial1, which the firmware and udev point at the Bluetooth UART. */
        if (uart < 0 && b->flavour == TREE_FLAVOUR_RPI_DOWNSTREAM) {
                int aliases = fdt_path_offset(fdt, "/aliases");
                const char *v = aliases >= 0 ? dt_prop_string(fdt, aliases, "serial1", NULL) : NULL;
                int n = v ? dt_path_offset(fdt, v) : -1;

                if (n >= 0 && board_uart_kind_of(fdt, n) != UART_KIND_UNKNOWN)
                        uart = n;
        }
        if (info) {
                if (!(bt->chip = strdup(info->bt_chip)))
                        return -ENOMEM;
        }
        if (uart < 0) {
                bt->expected_baud =
                        expected_baud(info, info ? info->bt_uart_kind : 0, TRISTATE_UNKNOWN);
                if (!info)
                        return 0;
                return board_add_finding(b,
                                         "This device tree describes no Bluetooth UART; the "
                                         "board's %s cannot be attached until one is added "
                                         "(an overlay or a newer tree).",
                                         info->bt_chip);
        }

        bt->present = true;
        bt->uart_path = dt_node_path(fdt, uart);
        if (!bt->uart_path)
                return -ENOMEM;
        if ((s = dt_node_first_compatible(fdt, uart)) && !(bt->uart_compatible = strdup(s)))
                return -ENOMEM;
        if ((s = dt_node_status(fdt, uart)) && !(bt->uart_status = strdup(s)))
                return -ENOMEM;
        r = dt_alias_for_node(fdt, uart, "serial", &bt->uart_alias);
        if (r == -ENOMEM)
                return r;
        r = dt_label_for_node(fdt, uart, &bt->uart_label);
        if (r == -ENOMEM)
                return r;
        bt->uart_kind = board_uart_kind_of(fdt, uart);
        bt->uart_has_rtscts = dt_prop_exists(fdt, uart, "uart-has-rtscts");
        uart_name = board_uart_display_name(bt->uart_label, bt->uart_alias, bt->uart_path);
        if (!uart_name)
                return -ENOMEM;

        if (node >= 0) {
                r = node_facts(fdt, b, node);
                if (r < 0)
                        return r;
        }
        bt->kernel_attach =
                serdev && node >= 0 && dt_node_enabled(fdt, node) && dt_node_enabled(fdt, uart);

        r = board_uart_pins_rtscts(fdt, b, uart, uart_name, &bt->pins_rtscts, &bt->pins_evidence);
        if (r < 0)
                return r;
        /* The Pi firmware sets up the Bluetooth UART's pins at boot (GPIO 30..33 on the boards
         * that wire flow control), and pinctrl leaves pins it is not given alone: on downstream
         * trees a pin group without CTS/RTS is not evidence that they are not muxed. */
        if (b->flavour == TREE_FLAVOUR_RPI_DOWNSTREAM && bt->pins_rtscts == TRISTATE_NO && info &&
            info->bt_rtscts_wired) {
                bt->pins_rtscts = TRISTATE_UNKNOWN;
                r = strbuf_append(&bt->pins_evidence, " On Raspberry Pi downstream trees the "
                                                      "firmware muxes the Bluetooth UART's CTS/RTS "
                                                      "at boot, so the tree alone does not settle "
                                                      "it.");
                if (r < 0)
                        return r;
        }
        bt->expected_baud = expected_baud(info, bt->uart_kind, bt->pins_rtscts);

        r = uart_findings(b, info, uart_name, serdev);
        if (r >= 0)
                r = speed_findings(b, info, uart_name);
        return r;
}
