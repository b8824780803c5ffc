/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The live pin functions of the Bluetooth UART, from pinctrl debugfs. */
#include <assert.h>
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <sys/stat.h>

#include "bt-kmsg.h"
#include "bt-pinctrl.h"
#include "util.h"

#define PINS_FILE_MAX (1u << 20)

/* ---------------------------------------------------------------------------------------------
 * Live pins, from pinctrl debugfs. drivers/pinctrl/pinmux.c pinmux_pins_show() prints
 * "Pinmux settings per pin", a "Format: ..." line, then per pin
 * "pin %d (%s): %s %s%s" (mux owner or "(MUX UNCLAIMED)", gpio owner or "(GPIO UNCLAIMED)",
 * " (HOG)"), for strict controllers "pin %d (%s): device %s%s" / ": GPIO %s" / ": UNCLAIMED",
 * then " function %s group %s" when a consumer set a mux. drivers/pinctrl/core.c
 * pinctrl_pins_show() prints "registered pins: %d", then "pin %d (%s) " and "%u:%s " (or
 * "0:? ") and the driver's part: pinctrl-bcm2835.c bcm2835_pctl_pin_dbg_show() prints
 * "function %s in %s; irq %d (%s)" from the FSEL register, functions gpio_in, gpio_out,
 * alt0..alt5 (bcm2835_functions[]). Pins are named "gpio30".
 * --------------------------------------------------------------------------------------------- */

/* Copies the next line into buf (NUL-terminated); false at the end. Over-long lines come back
 * empty so that they are skipped. */
static bool next_line(const char **p, char *buf, size_t size)
{
        const char *s = *p, *nl;
        size_t n;

        if (!s || !*s)
                return false;
        nl = strchr(s, '\n');
        n = nl ? (size_t)(nl - s) : strlen(s);
        *p = nl ? nl + 1 : s + n;
        if (n >= size)
                n = 0;
        memcpy(buf, s, n);
        buf[n] = 0;
        return true;
}

/* "pin 30 (gpio30)" -> pin, name, and what follows. */
static const char *pin_prefix(const char *line, unsigned *ret_pin, char name[24])
{
        const char *p = line + 4, *close;
        size_t d;
        uint64_t v;

        if (!startswith(line, "pin "))
                return NULL;
        d = strspn(p, "0123456789");
        if (d == 0 || d > 5 || !bt_parse_u64(p, d, &v) || p[d] != ' ' || p[d + 1] != '(')
                return NULL;
        p += d + 2;
        close = strchr(p, ')');
        if (!close || close == p || (size_t)(close - p) >= 24)
                return NULL;
        memcpy(name, p, (size_t)(close - p));
        name[close - p] = 0;
        *ret_pin = (unsigned)v;
        return close + 1;
}

static bool copy_token(char *dst, size_t size, const char *s, size_t n)
{
        if (n == 0 || n >= size)
                return false;
        memcpy(dst, s, n);
        dst[n] = 0;
        return true;
}

static bool parse_owners(const char *s, size_t n, BtPinMux *m)
{
        char buf[160];
        const char *p;
        size_t k;

        if (n >= sizeof(buf))
                return false;
        memcpy(buf, s, n);
        buf[n] = 0;
        if (endswith(buf, " (HOG)")) {
                m->hog = true;
                buf[strlen(buf) - 6] = 0;
        }
        if (streq(buf, "UNCLAIMED"))
                return true;
        if (startswith(buf, "device "))
                return copy_token(m->mux_owner, sizeof(m->mux_owner), buf + 7, strlen(buf + 7));
        if (startswith(buf, "GPIO "))
                return copy_token(m->gpio_owner, sizeof(m->gpio_owner), buf + 5, strlen(buf + 5));
        if (startswith(buf, "(MUX UNCLAIMED) "))
                p = buf + 16;
        else {
                k = strcspn(buf, " ");
                if (buf[k] != ' ' || !copy_token(m->mux_owner, sizeof(m->mux_owner), buf, k))
                        return false;
                p = buf + k + 1;
        }
        if (streq(p, "(GPIO UNCLAIMED)"))
                return true;
        return strchr(p, ' ') == NULL &&
               copy_token(m->gpio_owner, sizeof(m->gpio_owner), p, strlen(p));
}

int bt_pinmux_pins_lookup(const char *text, unsigned pin, BtPinMux *ret)
{
        const char *p = text;
        bool known = false;
        char line[256];

        while (next_line(&p, line, sizeof(line))) {
                BtPinMux m = {};
                const char *rest, *fn;
                unsigned n;

                if (startswith(line, "Pinmux settings per pin") ||
                    startswith(line, "Format: pin ")) {
                        known = true;
                        continue;
                }
                rest = pin_prefix(line, &n, m.name);
                if (!rest || !startswith(rest, ": "))
                        continue;
                known = true;
                if (n != pin)
                        continue;
                rest += 2;
                m.pin = n;
                fn = strstr(rest, " function ");
                if (!parse_owners(rest, fn ? (size_t)(fn - rest) : strlen(rest), &m))
                        return -EBADMSG;
                if (fn && sscanf(fn, " function %23s group %31s", m.function, m.group) != 2)
                        return -EBADMSG;
                *ret = m;
                return 1;
        }
        return known ? 0 : -EBADMSG;
}

int bt_pinctrl_pins_function(const char *text, unsigned pin, char ret_function[24])
{
        const char *p = text;
        bool known = false;
        char line[256], name[24];

        while (next_line(&p, line, sizeof(line))) {
                const char *rest, *fn;
                unsigned n;
                size_t k;

                if (startswith(line, "registered pins: ")) {
                        known = true;
                        continue;
                }
                rest = pin_prefix(line, &n, name);
                if (!rest || *rest != ' ')
                        continue;
                known = true;
                if (n != pin)
                        continue;
                fn = strstr(rest, " function ");
                if (!fn)
                        return 0;
                fn += 10;
                k = strspn(fn, "abcdefghijklmnopqrstuvwxyz0123456789_");
                if (k == 0 || k >= 24 || (fn[k] != ' ' && fn[k] != 0))
                        return -EBADMSG;
                memcpy(ret_function, fn, k);
                ret_function[k] = 0;
                return 1;
        }
        return known ? 0 : -EBADMSG;
}

int bt_pinctrl_read(const char *pinctrl_dir, char **ret_pinmux_pins, char **ret_pins)
{
        _cleanup_free_ char *best = NULL, *pins = NULL, *pinmux = NULL, *path = NULL;
        DIR *d = opendir(pinctrl_dir);
        struct dirent *de;
        int r = -ENOENT;

        if (!d)
                return -errno;
        /* The controller whose pins list GPIO 30; ties go to the first name, for stable output. */
        while ((de = readdir(d))) {
                _cleanup_free_ char *p = NULL, *text = NULL;

                if (de->d_name[0] == '.' || (best && strcmp(de->d_name, best) >= 0))
                        continue;
                p = strdup_printf("%s/%s/pins", pinctrl_dir, de->d_name);
                if (!p) {
                        r = -ENOMEM;
                        break;
                }
                if (read_full_file(p, PINS_FILE_MAX, &text, NULL) < 0 || !strstr(text, "(gpio30)"))
                        continue;
                free(best);
                free(pins);
                best = strdup(de->d_name);
                pins = TAKE_PTR(text);
                if (!best) {
                        r = -ENOMEM;
                        break;
                }
                r = 0;
        }
        closedir(d);
        if (r < 0)
                return r;
        path = strdup_printf("%s/%s/pinmux-pins", pinctrl_dir, best);
        if (!path)
                return -ENOMEM;
        r = read_full_file(path, PINS_FILE_MAX, &pinmux, NULL);
        if (r < 0 && r != -ENOENT && r != -EACCES)
                return r;
        *ret_pinmux_pins = TAKE_PTR(pinmux);
        *ret_pins = TAKE_PTR(pins);
        return 0;
}

/* uart0, the PL011 on GPIO 30..33 ALT3 of BCM2835/6/7 and BCM2711 (peripheral manuals'
 * alternate-function tables; the same facts lib/board/board-pins.c uses). */
bool bt_board_bcm283x_uart0(const Board *b)
{
        const BoardBluetooth *bt = &b->bluetooth;

        return b->soc && (startswith(b->soc, "bcm283") || streq(b->soc, "bcm2711")) &&
               bt->uart_kind == UART_KIND_PL011 &&
               (streq_ptr(bt->uart_label, "uart0") ||
                (bt->uart_path && endswith(bt->uart_path, "@7e201000")));
}

int bt_live_rtscts(const Board *b, const char *pinmux_pins, const char *pins, Tristate *ret,
                   char **ret_evidence)
{
        static const struct {
                unsigned pin;
                const char *signal;
        } want[] = {{30, "CTS"}, {31, "RTS"}};
        _cleanup_free_ char *ev = NULL;
        Tristate t = TRISTATE_YES;

        assert(b && ret && ret_evidence);
        if (!bt_board_bcm283x_uart0(b) || (!pinmux_pins && !pins)) {
                ev = strdup(!bt_board_bcm283x_uart0(b)
                                    ? "live pinmux: not checked (only BCM2835/BCM2711 uart0 is "
                                      "known)"
                                    : "live pinmux: not available (pinctrl debugfs not readable)");
                if (!ev)
                        return -ENOMEM;
                *ret = TRISTATE_UNKNOWN;
                *ret_evidence = TAKE_PTR(ev);
                return 0;
        }
        ev = strdup("live pinmux:");
        for (size_t i = 0; i < ELEMENTSOF(want) && ev; i++) {
                char fn[24] = "", what[160], *n;
                BtPinMux m = {};
                int r1 = pinmux_pins ? bt_pinmux_pins_lookup(pinmux_pins, want[i].pin, &m) : 0;
                int r2 = 0;

                /* A claimed mux says what the kernel set; the register says what is set, by
                 * the kernel or by the firmware. */
                if (r1 > 0 && m.function[0]) {
                        snprintf(fn, sizeof(fn), "%s", m.function);
                        snprintf(what, sizeof(what), "function %s (pinmux-pins%s%s)", fn,
                                 m.mux_owner[0] ? ", owner " : "", m.mux_owner);
                } else if (pins && (r2 = bt_pinctrl_pins_function(pins, want[i].pin, fn)) > 0)
                        snprintf(what, sizeof(what), "function %s (pins: the register%s)", fn,
                                 r1 > 0 ? "; no driver claimed it" : "");
                else
                        snprintf(what, sizeof(what), "unknown (%s)",
                                 r1 < 0 || r2 < 0 ? "debugfs text unreadable"
                                 : r1 > 0         ? "no driver claimed it and the register "
                                                    "view is missing"
                                                  : "not listed");
                if (!fn[0])
                        t = t == TRISTATE_NO ? t : TRISTATE_UNKNOWN;
                else if (!streq(fn, "alt3"))
                        t = TRISTATE_NO;
                n = strdup_printf("%s%s GPIO %u (%s) %s", ev, i ? "," : "", want[i].pin,
                                  want[i].signal, what);
                free(ev);
                ev = n;
        }
        if (!ev)
                return -ENOMEM;
        *ret = t;
        *ret_evidence = TAKE_PTR(ev);
        return 0;
}
