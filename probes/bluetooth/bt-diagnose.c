/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Names the cause when the kernel's hci_uart_bcm did not bring the controller up, with evidence. */
#include <assert.h>
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <sys/stat.h>

#include "bt-diagnose.h"
#include "bt-pinctrl.h"
#include "uart-speed.h"
#include "util.h"

/* Kernel-internal errno values that reach the log but not <errno.h>. */
#define KERNEL_EPROBE_DEFER 517

/* ---------------------------------------------------------------------------------------------
 * The diagnosis.
 * --------------------------------------------------------------------------------------------- */

static const char *const cause_table[_BT_CAUSE_MAX] = {
        [BT_CAUSE_NONE] = "none",
        [BT_CAUSE_NOT_ATTACHED] = "not-attached",
        [BT_CAUSE_DRIVER_SILENT] = "driver-silent",
        [BT_CAUSE_REGULATOR] = "regulator",
        [BT_CAUSE_POWER_GPIO] = "power-gpio",
        [BT_CAUSE_PROBE_FAILED] = "probe-failed",
        [BT_CAUSE_NO_RTSCTS_PINS] = "no-rtscts-pins",
        [BT_CAUSE_NO_FLOW_WIRING] = "no-flow-wiring",
        [BT_CAUSE_MINI_UART_SPEED] = "mini-uart-speed",
        [BT_CAUSE_BAUD_TIMEOUT] = "baud-timeout",
        [BT_CAUSE_NO_RESPONSE] = "no-response",
        [BT_CAUSE_NO_SHUTDOWN_GPIO] = "no-shutdown-gpio",
        [BT_CAUSE_PATCH_MISSING] = "patch-missing",
        [BT_CAUSE_PATCH_FAILED] = "patch-failed",
        [BT_CAUSE_FRAMING] = "framing",
        [BT_CAUSE_UNKNOWN] = "unknown",
};

const char *bt_cause_to_string(BtCause c)
{
        return c >= 0 && c < _BT_CAUSE_MAX ? cause_table[c] : NULL;
}

typedef enum LinkPattern {
        LINK_DEAD,    /* no answer even at 115200 */
        LINK_NO_ACK,  /* 0xfc18 not acknowledged, the rest went on at 115200 */
        LINK_LOST,    /* the speed was switched, then the controller went silent */
        LINK_FRAMING, /* bytes lost or corrupted */
} LinkPattern;

typedef struct Ctx {
        const BtDiagnoseInput *in;
        const Board *b;
        const BoardBluetooth *bt;
        const BtFindings *f;
        const char *uart, *node;
        BtDiagnosis d;
} Ctx;

static int evidence(Ctx *c, const char *fmt, ...) _printf_(2, 3);
static int evidence(Ctx *c, const char *fmt, ...)
{
        _cleanup_free_ char *s = NULL;
        json_object *o;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        for (size_t i = 0; i < json_object_array_length(c->d.evidence); i++)
                if (streq(json_object_get_string(json_object_array_get_idx(c->d.evidence, i)), s))
                        return 0;
        o = json_object_new_string(s);
        if (!o || json_object_array_add(c->d.evidence, o) < 0) {
                json_object_put(o);
                return -ENOMEM;
        }
        return 0;
}

static int evidence_events(Ctx *c, const BtEvent *events, size_t n)
{
        int r = 0;

        for (size_t i = 0; i < n && r >= 0; i++) {
                const BtEventSeen *s = &c->f->events[events[i]];

                if (!s->line)
                        continue;
                /* Version lines differ (ROM build, patched build): no count for them. */
                if (s->count > 1 && events[i] != BT_EVENT_CHIP && events[i] != BT_EVENT_ANSWERED)
                        r = evidence(c, "kernel log: %s (%u times)", s->line, s->count);
                else
                        r = evidence(c, "kernel log: %s", s->line);
        }
        return r;
}

/* Takes cause_text and remedy, even on failure. */
static int conclude(Ctx *c, BtCause cause, uint32_t speed, char *cause_text, char *remedy)
{
        c->d.cause = cause;
        c->d.max_speed = speed;
        c->d.cause_text = cause_text;
        c->d.remedy = remedy;
        return cause_text ? 0 : -ENOMEM;
}

static int also(Ctx *c, char *sentence)
{
        if (!sentence)
                return -ENOMEM;
        if (streq_ptr(sentence, c->d.cause_text)) {
                free(sentence);
                return 0;
        }
        return strv_push(&c->d.also, sentence);
}

static bool seen_any(const BtFindings *f, const BtEvent *e, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (bt_findings_seen(f, e[i]))
                        return true;
        return false;
}

static const BtEvent baud_events[] = {BT_EVENT_BAUD_TIMEOUT, BT_EVENT_BAUD_WRITE_FAILED,
                                      BT_EVENT_BAUD_SET_FAILED, BT_EVENT_CLOCK_FAILED};
static const BtEvent fail_events[] = {BT_EVENT_RESET_TIMEOUT, BT_EVENT_RESET_FAILED,
                                      BT_EVENT_CMD_TIMEOUT, BT_EVENT_CMD_FAILED};
static const BtEvent answer_events[] = {BT_EVENT_ANSWERED, BT_EVENT_CHIP, BT_EVENT_PATCH_LOADED,
                                        BT_EVENT_PATCH_NOT_FOUND};

static size_t first_of(const BtFindings *f, const BtEvent *e, size_t n)
{
        size_t m = SIZE_MAX;

        for (size_t i = 0; i < n; i++)
                if (bt_findings_seen(f, e[i]) && f->events[e[i]].first < m)
                        m = f->events[e[i]].first;
        return m;
}

/* From the board table: which boards connect CTS/RTS between SoC and controller. */
static Tristate rtscts_wired(const Board *b)
{
        if (b->id == BOARD_RPI_3_B)
                return TRISTATE_NO;
        return b->id != BOARD_GENERIC && b->id != BOARD_RPI_5_B ? TRISTATE_YES : TRISTATE_UNKNOWN;
}

/* Live pins outrank the tree: the Pi firmware muxes pins the tree does not list. */
static Tristate rtscts_muxed(const Ctx *c)
{
        return c->in->live_rtscts != TRISTATE_UNKNOWN ? c->in->live_rtscts : c->bt->pins_rtscts;
}

static int evidence_tree(Ctx *c)
{
        int r = 0;

        if (c->bt->max_speed)
                r = evidence(c, "device tree: max-speed %u on %s", c->bt->max_speed, c->node);
        else
                r = evidence(c, "device tree: no max-speed on %s, so the kernel stays at 115200",
                             c->node);
        if (r >= 0 && c->bt->pins_evidence)
                r = evidence(c, "device tree: %s", c->bt->pins_evidence);
        if (r >= 0)
                r = evidence(c, "%s%s",
                             c->in->live_evidence && startswith(c->in->live_evidence, "live ")
                                     ? ""
                                     : "live pinmux: ",
                             c->in->live_evidence ? c->in->live_evidence
                                                  : "not available (pinctrl debugfs not read)");
        if (r >= 0 && rtscts_wired(c->b) == TRISTATE_NO)
                r = evidence(c,
                             "board: %s has no RTS/CTS lines between the SoC and the "
                             "Bluetooth controller (board table)",
                             strna(c->b->model));
        return r;
}

static char *pins_remedy(const Ctx *c)
{
        static const char alt3[] = "GPIO 30-33 on ALT3 (30 CTS, 31 RTS, 32 TXD, 33 RXD) with "
                                   "pulls up, none, none, up";
        static const char brcm[] = "brcm,pins = <30 31 32 33>; brcm,function = <7>; "
                                   "brcm,pull = <2 0 0 2>;";

        if (!bt_board_bcm283x_uart0(c->b))
                return strdup_printf("Give %s its RTS/CTS pins: add the UART's CTS and RTS pin "
                                     "group to pinctrl-0 of %s (with uart-has-rtscts where the "
                                     "UART driver needs it).",
                                     c->uart, strna(c->bt->uart_path));
        if (c->b->flavour == TREE_FLAVOUR_RPI_DOWNSTREAM)
                return strdup_printf("Mux RTS/CTS for %s: %s, i.e. an overlay on &uart0_pins "
                                     "with %s (what nixos-hardware's raspberry-pi/4 bluetooth "
                                     "overlay sets).",
                                     c->uart, alt3, brcm);
        return strdup_printf("Mux RTS/CTS for %s: %s, i.e. pinctrl-0 = <&uart0_ctsrts_gpio30 "
                             "&uart0_gpio32>; on %s, or an overlay on its pin group with %s (as "
                             "nixos-hardware's raspberry-pi/4 bluetooth overlay does on "
                             "&uart0_pins).",
                             c->uart, alt3, strna(c->bt->uart_path), brcm);
}

static char *power_check(const Ctx *c)
{
        const BoardGpioRef *g = &c->bt->shutdown_gpio;

        if (!g->controller_path)
                return strdup_printf("%s has no shutdown-gpios, so nothing powers the "
                                     "controller up: add shutdown-gpios naming its BT_REG_ON "
                                     "line.",
                                     c->node);
        return strdup_printf("check the controller's power: hci_uart_bcm raises shutdown GPIO %u "
                             "of %s (BT_REG_ON) when it opens the UART, so that GPIO "
                             "controller needs its driver and the line must not be held "
                             "elsewhere; TXD/RXD must be on the UART too.",
                             g->line, g->controller_path);
}

/* Nothing got through, even at 115200: the pins or the controller's power. */
static int dead_link_cause(Ctx *c, Tristate muxed, Tristate wired)
{
        _cleanup_free_ char *check = power_check(c), *pins = NULL;
        char *remedy;
        int r;

        if (!check)
                return -ENOMEM;
        if (c->bt->max_speed > UART_SPEED_NO_FLOW_MAX && wired == TRISTATE_NO) {
                r = also(c, strdup_printf("max-speed %u on %s is above the %u baud this "
                                          "board holds without RTS/CTS: set "
                                          "max-speed = <%u>; as well.",
                                          c->bt->max_speed, c->node, UART_SPEED_NO_FLOW_MAX,
                                          UART_SPEED_NO_FLOW_MAX));
                if (r < 0)
                        return r;
        }
        if (muxed == TRISTATE_YES)
                remedy = strdup_printf(
                        "RTS/CTS are on the UART (%s), so the pin group is not "
                        "the cause; %s",
                        c->in->live_rtscts == TRISTATE_YES ? "live pinmux" : "device tree", check);
        else if (wired != TRISTATE_NO && bt_board_bcm283x_uart0(c->b)) {
                pins = pins_remedy(c);
                if (!pins)
                        return -ENOMEM;
                remedy = strdup_printf("Check GPIO 30 and 31 first (mount debugfs, read "
                                       "/sys/kernel/debug/pinctrl/*/pins): if they are not on "
                                       "alt3: %s If they are, %s",
                                       pins, check);
        } else
                remedy = strdup_printf("Check the UART wiring; %s", check);
        return conclude(c, BT_CAUSE_NO_RESPONSE, 0,
                        strdup("The controller answered nothing, not even its first command at "
                               "the 115200 init speed."),
                        remedy);
}

static int link_cause(Ctx *c, LinkPattern p)
{
        static const BtEvent link_events[] = {
                BT_EVENT_BAUD_TIMEOUT, BT_EVENT_BAUD_WRITE_FAILED, BT_EVENT_BAUD_SET_FAILED,
                BT_EVENT_CLOCK_FAILED, BT_EVENT_RESET_TIMEOUT,     BT_EVENT_RESET_FAILED,
                BT_EVENT_CMD_TIMEOUT,  BT_EVENT_CMD_FAILED,        BT_EVENT_FRAME_ERROR,
                BT_EVENT_CHIP,
        };
        static const char *const effect[] = {
                [LINK_DEAD] = "never answered",
                [LINK_NO_ACK] = "did not acknowledge the speed change",
                [LINK_LOST] = "stopped answering at the higher speed",
                [LINK_FRAMING] = "lost bytes",
        };
        const BoardBluetooth *bt = c->bt;
        Tristate muxed = rtscts_muxed(c), wired = rtscts_wired(c->b);
        uint32_t speed = bt->max_speed ? bt->max_speed : UART_SPEED_INIT;
        uint32_t lower = uart_speed_next_lower(speed);
        int r;

        r = evidence_events(c, link_events, ELEMENTSOF(link_events));
        if (r >= 0)
                r = evidence_tree(c);
        if (r < 0)
                return r;

        if (p != LINK_DEAD && bt->uart_kind == UART_KIND_MINI && speed > UART_SPEED_MINI_MAX)
                return conclude(c, BT_CAUSE_MINI_UART_SPEED, UART_SPEED_MINI_MAX,
                                strdup_printf("Bluetooth is on the mini-UART (%s), which tops "
                                              "out near %u baud, but max-speed asks for %u.",
                                              c->uart, UART_SPEED_MINI_MAX, speed),
                                strdup_printf("Set max-speed = <%u>; on %s.", UART_SPEED_MINI_MAX,
                                              c->node));
        /* Pi 3 B: a pin group cannot mux lines the board does not have. */
        if (p != LINK_DEAD && wired == TRISTATE_NO && speed > UART_SPEED_NO_FLOW_MAX)
                return conclude(c, BT_CAUSE_NO_FLOW_WIRING, UART_SPEED_NO_FLOW_MAX,
                                strdup_printf("The %s wires no RTS/CTS between the SoC and the "
                                              "controller, and %u baud (max-speed) does not hold "
                                              "without flow control.",
                                              strna(c->b->model), speed),
                                strdup_printf("Set max-speed = <%u>; on %s: %u without "
                                              "flow control is the most this board holds, and "
                                              "no pin-group change can help (the RTS/CTS lines "
                                              "are not wired).",
                                              UART_SPEED_NO_FLOW_MAX, c->node,
                                              UART_SPEED_NO_FLOW_MAX));
        if (muxed == TRISTATE_NO && wired != TRISTATE_NO && bt->uart_kind != UART_KIND_MINI)
                return conclude(c, BT_CAUSE_NO_RTSCTS_PINS, 0,
                                strdup_printf("%s has no RTS/CTS on its pins (%s), but the "
                                              "kernel opens it with hardware flow control "
                                              "(serdev sets CRTSCTS), so the controller %s.",
                                              c->uart,
                                              c->in->live_rtscts == TRISTATE_NO
                                                      ? "live pinmux"
                                                      : "device tree pin group",
                                              effect[p]),
                                pins_remedy(c));
        if (p == LINK_DEAD)
                return dead_link_cause(c, muxed, wired);
        if (p == LINK_FRAMING)
                return conclude(c, BT_CAUSE_FRAMING, lower,
                                strdup_printf("The kernel lost or garbled bytes from the "
                                              "controller at %u baud (frame reassembly failed).",
                                              speed),
                                strdup_printf("Lower max-speed on %s to <%u>; (RTS/CTS muxed: "
                                              "%s).",
                                              c->node, lower, tristate_to_string(muxed)));
        return conclude(
                c, BT_CAUSE_BAUD_TIMEOUT, lower,
                p == LINK_NO_ACK
                        ? strdup_printf("The controller did not acknowledge the switch to %u baud "
                                        "(Broadcom command 0xfc18 %s), so it runs at the 115200 "
                                        "init speed.",
                                        speed,
                                        bt_findings_seen(c->f, BT_EVENT_BAUD_TIMEOUT) ? "timed out"
                                                                                      : "failed")
                : bt_findings_seen(c->f, BT_EVENT_BAUD_TIMEOUT) ||
                                bt_findings_seen(c->f, BT_EVENT_BAUD_WRITE_FAILED)
                        /* 0xfc18 got no answer, yet the chip is silent at 115200
                         * too: it switched, and its acknowledgement was lost. */
                        ? strdup_printf("The controller's answer to the switch to %u "
                                        "baud (0xfc18) never arrived and it stopped "
                                        "answering at 115200 after it: it switched "
                                        "speed while the host stayed behind.",
                                        speed)
                        : strdup_printf("The controller acknowledged the switch to %u "
                                        "baud (0xfc18) but did not answer at that "
                                        "speed.",
                                        speed),
                strdup_printf("Lower max-speed on %s to <%u>; (the next lower speed)%s.", c->node,
                              lower,
                              muxed == TRISTATE_YES ? "; RTS/CTS are muxed, so flow control is "
                                                      "not the reason"
                                                    : ""));
}

static char *patch_names(const Ctx *c)
{
        if (c->f->fw_tried)
                return strv_join(c->f->fw_tried, ", ");
        return strdup_printf("brcm/%s.hcd", c->f->chip[0] ? c->f->chip : strna(c->bt->chip));
}

/* The name to install: brcm/<chip>.hcd, which every board with that chip shares; when the kernel
 * did not recognise the chip it tried only brcm/BCM*.hcd, so the generic one of those. */
static char *patch_target(const Ctx *c)
{
        const char *chip = c->f->chip[0] ? c->f->chip : c->bt->chip;
        _cleanup_free_ char *want = strdup_printf("brcm/%s.hcd", chip ?: "BCM");

        if (!want)
                return NULL;
        if (c->f->fw_tried && !strv_contains(c->f->fw_tried, want))
                STRV_FOREACH (t, c->f->fw_tried)
                        if (strchr(*t, '.') == *t + strlen(*t) - 4) /* no board part */
                                return strdup(*t);
        return TAKE_PTR(want);
}

static int patch_cause(Ctx *c, bool failed, bool primary)
{
        static const BtEvent ev[] = {BT_EVENT_PATCH_NOT_FOUND, BT_EVENT_PATCH_FAILED,
                                     BT_EVENT_CHIP};
        _cleanup_free_ char *names = patch_names(c), *target = patch_target(c);
        char *text, *remedy;
        int r;

        if (!names || !target)
                return -ENOMEM;
        r = evidence_events(c, ev, ELEMENTSOF(ev));
        STRV_FOREACH (t, c->f->fw_tried)
                if (r >= 0)
                        r = evidence(c, "kernel log: tried %s", *t);
        if (r < 0)
                return r;
        if (failed)
                text = strdup_printf("Loading the firmware patch %s failed (%s), so the "
                                     "controller runs its ROM firmware.",
                                     c->f->patch ?: target,
                                     c->f->events[BT_EVENT_PATCH_FAILED].line ?: "");
        else if (streq(c->f->chip, "BCM"))
                text = strdup_printf("No firmware patch: the kernel did not recognise the "
                                     "controller (the board's is a %s), tried %s and found none, "
                                     "so the controller runs its ROM firmware.",
                                     strna(c->bt->chip), names);
        else
                text = strdup_printf("No firmware patch for %s: the kernel tried %s and found "
                                     "none, so the controller runs its ROM firmware.",
                                     c->f->chip[0] ? c->f->chip : strna(c->bt->chip), names);
        remedy = strdup_printf("%s Debian's bluez-firmware package (section non-free-firmware), "
                               "or copy the patch to /lib/firmware/%s (the kernel looks for %s); "
                               "then reload hci_uart or reboot.",
                               failed ? "Reinstall" : "Install", target, names);
        if (!primary) {
                free(remedy);
                return also(c, text);
        }
        return conclude(c, failed ? BT_CAUSE_PATCH_FAILED : BT_CAUSE_PATCH_MISSING, 0, text,
                        remedy);
}

static int no_shutdown_cause(Ctx *c, bool primary)
{
        static const BtEvent ev[] = {BT_EVENT_NO_SHUTDOWN_GPIO};
        char *text;
        int r;

        r = evidence_events(c, ev, ELEMENTSOF(ev));
        if (r < 0)
                return r;
        text = strdup_printf("%s has no shutdown GPIO, so hci_uart_bcm keeps the 115200 init "
                             "speed instead of max-speed%s.",
                             c->node, c->bt->max_speed ? "" : " (none is set either)");
        if (!primary)
                return also(c, text);
        return conclude(c, BT_CAUSE_NO_SHUTDOWN_GPIO, 0, text,
                        strdup_printf("Add shutdown-gpios naming the controller's BT_REG_ON line "
                                      "to %s.",
                                      c->node));
}

/* Probe-time failures: the driver never got to talk to the controller. */
static int probe_cause(Ctx *c)
{
        static const BtEvent ev[] = {BT_EVENT_SUPPLY_FAILED,   BT_EVENT_GPIO_FAILED,
                                     BT_EVENT_PROBE_DEFERRED,  BT_EVENT_PROBE_FAILED,
                                     BT_EVENT_REGISTER_FAILED, BT_EVENT_POWER_FAILED};
        const BtFindings *f = c->f;
        const BoardGpioRef *g =
                c->bt->shutdown_gpio.controller_path ? &c->bt->shutdown_gpio : &c->bt->reset_gpio;
        const char *reason = f->defer_reason;
        bool deferred = bt_findings_seen(f, BT_EVENT_PROBE_DEFERRED);
        bool gpio_failed = bt_findings_seen(f, BT_EVENT_GPIO_FAILED);
        int err = f->events[BT_EVENT_PROBE_FAILED].error;
        int r;

        r = evidence_events(c, ev, ELEMENTSOF(ev));
        if (r < 0)
                return r;
        if (bt_findings_seen(f, BT_EVENT_SUPPLY_FAILED) || (reason && strstr(reason, "supply")))
                return conclude(c, BT_CAUSE_REGULATOR, 0,
                                strdup_printf("hci_uart_bcm cannot get the controller's %s "
                                              "supply, so it never powers the controller.",
                                              f->supply[0] ? f->supply : "vbat/vddio"),
                                strdup_printf("%s-supply of %s names a regulator without a "
                                              "driver: load that regulator's driver or fix the "
                                              "property.",
                                              f->supply[0] ? f->supply : "vbat", c->node));
        /* The expander's error names its line: another line's failure is not ours. */
        if ((gpio_failed &&
             (f->gpio_line < 0 || !g->controller_path || (unsigned)f->gpio_line == g->line)) ||
            (g->controller_path && (deferred || err == -EBUSY || err == -KERNEL_EPROBE_DEFER ||
                                    bt_findings_seen(f, BT_EVENT_POWER_FAILED)))) {
                if (!g->controller_path)
                        return conclude(c, BT_CAUSE_POWER_GPIO, 0,
                                        strdup("The controller's shutdown GPIO could not be got "
                                               "or driven."),
                                        strdup_printf("Check shutdown-gpios of %s and the "
                                                      "driver of its GPIO controller.",
                                                      c->node));
                return conclude(
                        c, BT_CAUSE_POWER_GPIO, 0,
                        strdup_printf("hci_uart_bcm %s GPIO %u of %s (its shutdown/reset line%s%s"
                                      "), so the controller is never powered up.",
                                      deferred ? "keeps waiting (-EPROBE_DEFER) for"
                                               : "could not get or drive",
                                      g->line, g->controller_path, reason ? "; the kernel: " : "",
                                      strempty(reason)),
                        strstr(g->controller_path, "firmware") && gpio_failed
                                /* The expander's own error line: its driver is bound and asked
                                 * the firmware, which did not serve the line. */
                                ? strdup_printf("Line %u of %s is on the Raspberry Pi firmware "
                                                "GPIO expander. Its driver is loaded: the kernel "
                                                "log has the expander's own error for line %d "
                                                "(raspberrypi-exp-gpio: Failed to ... GPIO), so "
                                                "the VideoCore firmware refused the line. Update "
                                                "the firmware in the boot partition (start*.elf, "
                                                "fixup*.dat) to one that knows the board; an "
                                                "emulator without that firmware needs "
                                                "shutdown-gpios moved off the expander.",
                                                g->line, g->controller_path,
                                                f->gpio_line >= 0 ? f->gpio_line : (int)g->line)
                                : strstr(g->controller_path, "firmware")
                                          ? strdup_printf(
                                                    "Line %u of %s is on the Raspberry Pi firmware "
                                                    "GPIO expander: load its driver "
                                                    "(gpio-raspberrypi-exp, "
                                                    "CONFIG_GPIO_RASPBERRYPI_EXP, with the "
                                                    "raspberrypi firmware driver) before hci_uart, "
                                                    "e.g. in the initramfs.",
                                                    g->line, g->controller_path)
                                          : strdup_printf(
                                                    "Make sure the GPIO controller %s has its "
                                                    "driver "
                                                    "loaded and that no gpio-hog or other driver "
                                                    "holds line %u.",
                                                    g->controller_path, g->line));
        }
        if (deferred || bt_findings_seen(f, BT_EVENT_PROBE_FAILED) ||
            bt_findings_seen(f, BT_EVENT_REGISTER_FAILED))
                return conclude(c, BT_CAUSE_PROBE_FAILED, 0,
                                deferred ? strdup_printf("hci_uart_bcm keeps waiting for a "
                                                         "resource (%s).",
                                                         reason ?: "deferred probe pending")
                                         : strdup_printf("hci_uart_bcm failed to attach the "
                                                         "controller (%s%s).",
                                                         err ? "error " : "no hci device",
                                                         err ? strerror(-err) : ""),
                                strdup_printf("Check the resources %s names (GPIOs, clocks, "
                                              "supplies) and that their drivers are loaded.",
                                              c->node));
        return 0; /* none: go on */
}

static int ctx_init(Ctx *c, const BtDiagnoseInput *in, BtFindings *empty)
{
        assert(in && in->board);
        *c = (Ctx){.in = in, .b = in->board, .bt = &in->board->bluetooth};
        c->f = in->findings ?: empty;
        c->uart = c->bt->uart_label ?: c->bt->uart_alias ?: c->bt->uart_path ?: "the UART";
        c->node = c->bt->node_path ?: "the bluetooth node";
        c->d.evidence = json_object_new_array();
        return c->d.evidence ? 0 : -ENOMEM;
}

static int ctx_finish(Ctx *c, int r, BtDiagnosis *ret)
{
        if (r >= 0 && !c->d.cause_text && c->d.cause != BT_CAUSE_NONE)
                r = -ENOMEM;
        if (r < 0) {
                bt_diagnosis_done(&c->d);
                return r;
        }
        *ret = c->d;
        return 0;
}

static LinkPattern link_pattern(const Ctx *c, bool *ret_any)
{
        const BtFindings *f = c->f;
        bool baud = seen_any(f, baud_events, ELEMENTSOF(baud_events));
        size_t fail = first_of(f, fail_events, ELEMENTSOF(fail_events));
        size_t answer = first_of(f, answer_events, ELEMENTSOF(answer_events));
        bool no_switch = c->bt->max_speed <= UART_SPEED_INIT ||
                         bt_findings_seen(f, BT_EVENT_NO_SHUTDOWN_GPIO);

        *ret_any = baud || fail != SIZE_MAX || bt_findings_seen(f, BT_EVENT_FRAME_ERROR);
        /* hci_uart_setup() sends 0xfc18 first, at 115200: a failure before any answer, with
         * 0xfc18 failed or never sent, means nothing got through at all. */
        if (fail != SIZE_MAX && fail < answer && (baud || no_switch))
                return LINK_DEAD;
        if (fail != SIZE_MAX)
                return LINK_LOST;
        if (baud)
                return LINK_NO_ACK;
        return LINK_FRAMING;
}

int bt_diagnose_failure(const BtDiagnoseInput *in, BtDiagnosis *ret)
{
        BtFindings empty = {.hci_index = -1, .gpio_line = -1};
        const BtFindings *f;
        LinkPattern p;
        bool link;
        Ctx c;
        int r;

        r = ctx_init(&c, in, &empty);
        if (r < 0)
                return r;
        f = c.f;
        if (!c.bt->present || !c.bt->kernel_attach) {
                r = conclude(&c, BT_CAUSE_NOT_ATTACHED, 0,
                             strdup_printf("The device tree has no enabled Bluetooth node under "
                                           "%s, so no kernel driver attaches the controller.",
                                           c.uart),
                             strdup("Attach the controller from user space (hwctld does), or "
                                    "enable the bluetooth node under the UART."));
                return ctx_finish(&c, r, ret);
        }
        if (!in->findings) {
                r = evidence_tree(&c);
                if (r >= 0)
                        r = conclude(&c, BT_CAUSE_UNKNOWN, 0,
                                     strdup("The kernel log could not be read, so the cause is "
                                            "not known."),
                                     strdup("Run hwctld as root so that it can read /dev/kmsg."));
                return ctx_finish(&c, r, ret);
        }

        r = probe_cause(&c);
        if (r < 0 || c.d.cause_text)
                return ctx_finish(&c, r, ret);

        p = link_pattern(&c, &link);
        if (link)
                r = link_cause(&c, p);
        else if (bt_findings_seen(f, BT_EVENT_PATCH_FAILED))
                r = patch_cause(&c, true, true);
        else if (bt_findings_seen(f, BT_EVENT_PATCH_NOT_FOUND) &&
                 !bt_findings_seen(f, BT_EVENT_PATCH_LOADED))
                r = patch_cause(&c, false, true);
        else if (bt_findings_seen(f, BT_EVENT_NO_SHUTDOWN_GPIO))
                r = no_shutdown_cause(&c, true);
        else if (f->hci_index < 0 && !bt_findings_seen(f, BT_EVENT_CHIP)) {
                r = evidence(&c,
                             "kernel log: no message from hci_uart_bcm or btbcm among %zu "
                             "Bluetooth records",
                             f->n_records);
                if (r >= 0)
                        r = conclude(&c, BT_CAUSE_DRIVER_SILENT, 0,
                                     strdup_printf("The kernel log shows no attempt to bring up "
                                                   "the controller on %s.",
                                                   c.uart),
                                     strdup_printf("Load hci_uart (CONFIG_BT_HCIUART_BCM, with "
                                                   "CONFIG_SERIAL_DEV_BUS) so that it binds %s.",
                                                   c.node));
        } else
                r = conclude(&c, BT_CAUSE_UNKNOWN, 0,
                             strdup_printf("The kernel log shows hci%d answering and no failure "
                                           "this diagnosis knows.",
                                           f->hci_index),
                             NULL);

        if (r >= 0 && c.d.cause != BT_CAUSE_PATCH_MISSING && c.d.cause != BT_CAUSE_PATCH_FAILED &&
            bt_findings_seen(f, BT_EVENT_PATCH_NOT_FOUND) &&
            !bt_findings_seen(f, BT_EVENT_PATCH_LOADED))
                r = patch_cause(&c, false, false);
        if (r >= 0 && c.d.cause != BT_CAUSE_NO_SHUTDOWN_GPIO &&
            bt_findings_seen(f, BT_EVENT_NO_SHUTDOWN_GPIO))
                r = no_shutdown_cause(&c, false);
        return ctx_finish(&c, r, ret);
}

int bt_diagnose_degraded(const BtDiagnoseInput *in, BtDiagnosis *ret)
{
        BtFindings empty = {.hci_index = -1, .gpio_line = -1};
        const BtFindings *f;
        bool link, patch_missing, patch_failed;
        LinkPattern p;
        Ctx c;
        int r;

        r = ctx_init(&c, in, &empty);
        if (r < 0)
                return r;
        f = c.f;
        if (!in->findings) {
                r = evidence(&c, "kernel log: not readable, so a degraded start cannot be seen");
                return ctx_finish(&c, r, ret);
        }
        p = link_pattern(&c, &link);
        patch_failed = bt_findings_seen(f, BT_EVENT_PATCH_FAILED);
        patch_missing = bt_findings_seen(f, BT_EVENT_PATCH_NOT_FOUND) &&
                        !bt_findings_seen(f, BT_EVENT_PATCH_LOADED);

        /* Up although 0xfc18 failed: it kept the init speed. */
        if (link && (p == LINK_NO_ACK || p == LINK_FRAMING))
                r = link_cause(&c, p);
        else if (bt_findings_seen(f, BT_EVENT_NO_SHUTDOWN_GPIO))
                r = no_shutdown_cause(&c, true);
        else if (patch_failed || patch_missing)
                r = patch_cause(&c, patch_failed, true);

        if (r >= 0 && c.d.cause_text && c.d.cause != BT_CAUSE_PATCH_MISSING &&
            c.d.cause != BT_CAUSE_PATCH_FAILED && (patch_failed || patch_missing))
                r = patch_cause(&c, patch_failed, false);
        if (r >= 0 && c.d.cause_text && c.d.cause != BT_CAUSE_NO_SHUTDOWN_GPIO &&
            bt_findings_seen(f, BT_EVENT_NO_SHUTDOWN_GPIO))
                r = no_shutdown_cause(&c, false);
        return ctx_finish(&c, r, ret);
}

void bt_diagnosis_done(BtDiagnosis *d)
{
        if (!d)
                return;
        free(d->cause_text);
        free(d->remedy);
        strv_free(d->also);
        json_object_put(d->evidence);
        *d = (BtDiagnosis){};
}
