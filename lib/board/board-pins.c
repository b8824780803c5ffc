/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Whether a UART's pinctrl-0 groups mux RTS and CTS, from brcm,pins or generic pinconf nodes. */
#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>

#include "board-private.h"
#include "dt.h"

#define PINCTRL_ENTRIES_MAX 32

/* BCM2835/BCM2711 function select values (BCM2835_FSEL_*). */
static const char *const fsel_names[8] = {
        "input", "output", "ALT5", "ALT4", "ALT0", "ALT1", "ALT2", "ALT3",
};

typedef struct PinSignal {
        uint8_t uart;
        uint8_t pin;
        uint8_t fsel;
        const char *signal;
} PinSignal;

/* UART signals per pin and function, from the BCM2835 (uart0, uart1) and BCM2711 (uart2..5)
 * peripheral alternate-function tables, as the bcm283x.dtsi/bcm2711.dtsi pin groups use them. */
static const PinSignal bcm283x_uart_pins[] = {
        {0, 14, 4, "TXD0"}, {0, 15, 4, "RXD0"}, {0, 32, 7, "TXD0"}, {0, 33, 7, "RXD0"},
        {0, 36, 6, "TXD0"}, {0, 37, 6, "RXD0"}, {0, 16, 7, "CTS0"}, {0, 17, 7, "RTS0"},
        {0, 30, 7, "CTS0"}, {0, 31, 7, "RTS0"}, {0, 39, 6, "CTS0"}, {0, 38, 6, "RTS0"},
        {1, 14, 2, "TXD1"}, {1, 15, 2, "RXD1"}, {1, 32, 2, "TXD1"}, {1, 33, 2, "RXD1"},
        {1, 40, 2, "TXD1"}, {1, 41, 2, "RXD1"}, {1, 16, 2, "CTS1"}, {1, 17, 2, "RTS1"},
        {1, 30, 2, "CTS1"}, {1, 31, 2, "RTS1"}, {1, 43, 2, "CTS1"}, {1, 42, 2, "RTS1"},
        {2, 0, 3, "TXD2"},  {2, 1, 3, "RXD2"},  {2, 2, 3, "CTS2"},  {2, 3, 3, "RTS2"},
        {3, 4, 3, "TXD3"},  {3, 5, 3, "RXD3"},  {3, 6, 3, "CTS3"},  {3, 7, 3, "RTS3"},
        {4, 8, 3, "TXD4"},  {4, 9, 3, "RXD4"},  {4, 10, 3, "CTS4"}, {4, 11, 3, "RTS4"},
        {5, 12, 3, "TXD5"}, {5, 13, 3, "RXD5"}, {5, 14, 3, "CTS5"}, {5, 15, 3, "RTS5"},
};

/* BCM2712 (Pi 5): the Bluetooth UART (uarta, function "uart0") on GPIO 24..27, per the
 * downstream bcm2712.dtsi uarta_24_pins group and the board's BT_RTS/BT_CTS line names. */
static const struct {
        uint8_t pin;
        const char *signal;
} bcm2712_uart0_pins[] = {
        {24, "RTS"},
        {25, "CTS"},
        {26, "TXD"},
        {27, "RXD"},
};

typedef enum Dialect {
        DIALECT_OTHER,
        DIALECT_BCM283X,
        DIALECT_BCM2712,
        DIALECT_MESON,
} Dialect;

typedef struct PinScan {
        Dialect dialect;
        int uart_index; /* BCM283x UART number, -1 when not known */
        bool cts, rts;
        bool understood; /* some group carried mux data we can read */
        char *text;
} PinScan;

static int bcm283x_uart_index(const char *node_name)
{
        static const struct {
                unsigned long addr;
                int index;
        } map[] = {
                {0x7e201000, 0}, {0x7e215040, 1}, {0x7e201400, 2},
                {0x7e201600, 3}, {0x7e201800, 4}, {0x7e201a00, 5},
        };
        const char *at = strchr(node_name, '@');
        unsigned long addr;
        char *end;

        if (!at)
                return -1;
        errno = 0;
        addr = strtoul(at + 1, &end, 16);
        if (errno != 0 || *end != 0)
                return -1;
        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (map[i].addr == addr)
                        return map[i].index;
        return -1;
}

static Dialect dialect_of(const void *fdt, int controller)
{
        if (dt_node_is_compatible(fdt, controller, "brcm,bcm2835-gpio") ||
            dt_node_is_compatible(fdt, controller, "brcm,bcm2711-gpio") ||
            dt_node_is_compatible(fdt, controller, "brcm,bcm7211-gpio"))
                return DIALECT_BCM283X;
        if (dt_node_compatible_prefix(fdt, controller, "brcm,bcm2712") &&
            !dt_node_compatible_prefix(fdt, controller, "brcm,bcm2712-aon"))
                return DIALECT_BCM2712;
        if (dt_node_compatible_prefix(fdt, controller, "amlogic,meson") ||
            dt_node_compatible_prefix(fdt, controller, "amlogic, "))
                return DIALECT_MESON;
        return DIALECT_OTHER;
}

static const char *bcm283x_signal(int uart, unsigned pin, unsigned fsel)
{
        for (size_t i = 0; i < ELEMENTSOF(bcm283x_uart_pins); i++)
                if (bcm283x_uart_pins[i].uart == uart && bcm283x_uart_pins[i].pin == pin &&
                    bcm283x_uart_pins[i].fsel == fsel)
                        return bcm283x_uart_pins[i].signal;
        return NULL;
}

static void note_signal(PinScan *s, const char *signal)
{
        if (!signal)
                return;
        if (strncmp(signal, "CTS", 3) == 0)
                s->cts = true;
        if (strncmp(signal, "RTS", 3) == 0)
                s->rts = true;
}

/* One pin in BCM283x terms: "GPIO30 ALT3 = CTS0". */
static int bcm283x_pin(PinScan *s, unsigned pin, unsigned fsel, bool *first)
{
        const char *signal =
                s->uart_index >= 0 && fsel < 8 ? bcm283x_signal(s->uart_index, pin, fsel) : NULL;
        int r;

        note_signal(s, signal);
        r = strbuf_append(&s->text, "%sGPIO%u %s%s%s", *first ? "" : ", ", pin,
                          fsel < 8 ? fsel_names[fsel] : "function?", signal ? " = " : "",
                          strempty(signal));
        *first = false;
        return r;
}

static int scan_brcm_pins(const void *fdt, PinScan *s, int node, bool *first)
{
        const uint8_t *pins, *funcs;
        size_t n_pins, n_funcs;
        int r;

        r = dt_prop_cells(fdt, node, "brcm,pins", &pins, &n_pins);
        if (r == -ENOENT)
                return 0;
        if (r < 0 || n_pins == 0) {
                /* The downstream Pi 4 tree's bt_pins { brcm,pins = "-"; } is such a placeholder:
                 * it keeps the group non-empty and muxes nothing, so it is no RTS/CTS evidence. */
                r = strbuf_append(&s->text,
                                  "%snothing (its brcm,pins is a placeholder, not a list "
                                  "of pins)",
                                  *first ? "" : ", ");
                *first = false;
                return r;
        }
        r = dt_prop_cells(fdt, node, "brcm,function", &funcs, &n_funcs);
        if (r < 0 || (n_funcs != 1 && n_funcs != n_pins))
                return strbuf_append(&s->text, "%sbrcm,function does not match brcm,pins",
                                     *first ? "" : ", ");
        s->understood = true;
        for (size_t i = 0; i < n_pins && i < 64; i++) {
                r = bcm283x_pin(s, dt_cell(pins, i), dt_cell(funcs, n_funcs == 1 ? 0 : i), first);
                if (r < 0)
                        return r;
        }
        return 0;
}

static bool has_token(const char *s, const char *token)
{
        size_t k = strlen(token);

        for (const char *p = s; *p;) {
                size_t n = strcspn(p, "_-,. ");
                if (n == k && strncmp(p, token, k) == 0)
                        return true;
                p += n;
                p += strspn(p, "_-,. ");
        }
        return false;
}

/* Generic pinconf: pins = "gpio30"; function = "alt3"; or groups = "uart_a_cts", ...; */
static int scan_generic(const void *fdt, PinScan *s, int node, bool *first)
{
        _cleanup_strv_free_ char **pins = NULL, **groups = NULL;
        const char *function = dt_prop_string(fdt, node, "function", NULL);
        int r;

        (void)dt_prop_strv(fdt, node, "pins", false, &pins);
        (void)dt_prop_strv(fdt, node, "groups", false, &groups);
        if (!pins && !groups)
                return 0;

        if (s->dialect == DIALECT_BCM283X && pins && function) {
                static const char *const alt[8] = {
                        "gpio_in", "gpio_out", "alt5", "alt4", "alt0", "alt1", "alt2", "alt3",
                };
                unsigned fsel = 8;

                for (unsigned i = 0; i < 8; i++)
                        if (streq(function, alt[i]))
                                fsel = i;
                s->understood = true;
                STRV_FOREACH (p, pins) {
                        unsigned pin;
                        if (sscanf(*p, "gpio%u", &pin) != 1 || pin > 255)
                                continue;
                        r = bcm283x_pin(s, pin, fsel, first);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        if (s->dialect == DIALECT_BCM2712 && pins && function) {
                s->understood = true;
                STRV_FOREACH (p, pins) {
                        const char *signal = NULL;
                        unsigned pin;

                        if (sscanf(*p, "gpio%u", &pin) == 1 && pin <= 255 &&
                            streq(function, "uart0"))
                                for (size_t i = 0; i < ELEMENTSOF(bcm2712_uart0_pins); i++)
                                        if (bcm2712_uart0_pins[i].pin == pin)
                                                signal = bcm2712_uart0_pins[i].signal;
                        note_signal(s, signal);
                        r = strbuf_append(&s->text, "%s%s %s%s%s", *first ? "" : ", ", *p, function,
                                          signal ? " = " : "", strempty(signal));
                        if (r < 0)
                                return r;
                        *first = false;
                }
                return 0;
        }

        /* Amlogic and others name the signals in group or pin names: uart_a_cts, uart_a_rts. */
        if (s->dialect == DIALECT_MESON)
                s->understood = true;
        STRV_FOREACH (g, groups ? groups : pins) {
                if (has_token(*g, "cts"))
                        s->cts = true;
                if (has_token(*g, "rts"))
                        s->rts = true;
        }
        {
                _cleanup_free_ char *joined = strv_join(groups ? groups : pins, ", ");
                if (!joined)
                        return -ENOMEM;
                r = strbuf_append(&s->text, "%s%s %s%s%s%s", *first ? "" : "; ",
                                  groups ? "groups" : "pins", joined, function ? " (function " : "",
                                  strempty(function), function ? ")" : "");
        }
        *first = false;
        return r;
}

static int cmp_subnodes(const void *a, const void *b, void *fdt)
{
        return strcmp(dt_node_name(fdt, *(const int *)a), dt_node_name(fdt, *(const int *)b));
}

static int scan_group(const void *fdt, PinScan *s, int group)
{
        int subs[PINCTRL_ENTRIES_MAX];
        size_t n_subs = 0;
        bool first = true;
        int controller, sub, r;

        /* The controller is the group's parent; groups of subnodes (bcm2711 pin-cts/pin-rts,
         * Amlogic mux) are handled one level down. */
        controller = dt_node_parent(fdt, group);
        s->dialect = controller >= 0 ? dialect_of(fdt, controller) : DIALECT_OTHER;

        r = strbuf_append(&s->text, "%s%s muxes ", s->text ? "; " : "", dt_node_name(fdt, group));
        if (r < 0)
                return r;
        r = scan_brcm_pins(fdt, s, group, &first);
        if (r >= 0)
                r = scan_generic(fdt, s, group, &first);
        /* Subnodes in name order: a live tree is read in name order, a DTB in source order. */
        fdt_for_each_subnode(sub, fdt, group) if (n_subs < ELEMENTSOF(subs)) subs[n_subs++] = sub;
        qsort_r(subs, n_subs, sizeof(int), cmp_subnodes, (void *)fdt);
        for (size_t i = 0; i < n_subs && r >= 0; i++) {
                r = scan_brcm_pins(fdt, s, subs[i], &first);
                if (r >= 0)
                        r = scan_generic(fdt, s, subs[i], &first);
        }
        if (r >= 0 && first)
                r = strbuf_append(&s->text, "nothing this program can read");
        return r;
}

int board_uart_pins_rtscts(const void *fdt, Board *b, int uart, const char *uart_name,
                           Tristate *ret, char **ret_evidence)
{
        _cleanup_free_ char *evidence = NULL;
        PinScan s = {.uart_index = bcm283x_uart_index(dt_node_name(fdt, uart))};
        const uint8_t *cells;
        size_t n;
        int r;

        r = dt_prop_cells(fdt, uart, "pinctrl-0", &cells, &n);
        if (r == -ENOENT || (r >= 0 && n == 0)) {
                evidence = strdup_printf("%s has no pinctrl-0, so its pins stay as the firmware or "
                                         "boot loader left them.",
                                         uart_name);
                *ret = TRISTATE_UNKNOWN;
                goto done;
        }
        if (r < 0) {
                evidence = strdup_printf("pinctrl-0 of %s is malformed (not a list of phandles).",
                                         uart_name);
                *ret = TRISTATE_UNKNOWN;
                goto done;
        }
        for (size_t i = 0; i < n && i < PINCTRL_ENTRIES_MAX; i++) {
                uint32_t phandle = dt_cell(cells, i);
                int group = dt_node_by_phandle(fdt, phandle);

                if (group < 0) {
                        r = strbuf_append(&s.text, "%sphandle 0x%x (no node has it)",
                                          s.text ? "; " : "", phandle);
                        if (r >= 0)
                                r = board_add_finding(b,
                                                      "pinctrl-0 of %s refers to phandle 0x%x, "
                                                      "which no node in the tree has; the "
                                                      "kernel will fail to set up its pins.",
                                                      uart_name, phandle);
                } else
                        r = scan_group(fdt, &s, group);
                if (r < 0) {
                        free(s.text);
                        return r;
                }
        }
        if (s.cts && s.rts)
                *ret = TRISTATE_YES;
        else if (s.understood)
                *ret = TRISTATE_NO;
        else
                *ret = TRISTATE_UNKNOWN;
        evidence = strdup_printf("pinctrl-0 of %s: %s. %s", uart_name, strna(s.text),
                                 *ret == TRISTATE_YES  ? "CTS and RTS are muxed."
                                 : *ret == TRISTATE_NO ? "No group muxes both CTS and RTS."
                                                       : "The groups do not say whether CTS and "
                                                         "RTS are muxed.");
        free(s.text);
done:
        if (!evidence)
                return -ENOMEM;
        *ret_evidence = TAKE_PTR(evidence);
        return 0;
}
