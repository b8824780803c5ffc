/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a PIN of a Line= names on this board: a line name from the tree, a Raspberry Pi GPIOn, a
 * physical pin of the 40-pin header, or LABEL:OFFSET. Pure: the Board's facts only. */
#include <ctype.h>
#include <stdio.h>
#include <strings.h>

#include "details.h"
#include "gpio.h"
#include "util.h"

#define OFFSET_MAX  1023U
#define CLOSEST_MAX 3
#define HEADER_PINS 40

/* The Raspberry Pi 40-pin header, the same on every model with one (B+ onwards, Zero, 3, 4, 400,
 * 5, and the CM4 IO board): pin -> BCM GPIO number, or -1 with what the pin carries instead.
 * From the Raspberry Pi documentation's header pinout ("GPIO and the 40-pin header"); on the
 * Pi 5 the same numbers are RP1's GPIO0..27. */
static const struct {
        int8_t gpio;
        const char *power;
} rpi_header[HEADER_PINS + 1] = {
        [1] = {-1, "3V3 power"},
        [2] = {-1, "5V power"},
        [3] = {2},
        [4] = {-1, "5V power"},
        [5] = {3},
        [6] = {-1, "ground"},
        [7] = {4},
        [8] = {14},
        [9] = {-1, "ground"},
        [10] = {15},
        [11] = {17},
        [12] = {18},
        [13] = {27},
        [14] = {-1, "ground"},
        [15] = {22},
        [16] = {23},
        [17] = {-1, "3V3 power"},
        [18] = {24},
        [19] = {10},
        [20] = {-1, "ground"},
        [21] = {9},
        [22] = {25},
        [23] = {11},
        [24] = {8},
        [25] = {-1, "ground"},
        [26] = {7},
        [27] = {0},
        [28] = {1},
        [29] = {5},
        [30] = {-1, "ground"},
        [31] = {6},
        [32] = {12},
        [33] = {13},
        [34] = {-1, "ground"},
        [35] = {19},
        [36] = {16},
        [37] = {26},
        [38] = {20},
        [39] = {-1, "ground"},
        [40] = {21},
};

static bool has_header_map(const Board *b)
{
        return b->family == BOARD_FAMILY_RPI && b->gpio.present;
}

int gpio_header_pin_of_offset(const Board *b, unsigned offset)
{
        if (!has_header_map(b))
                return 0;
        for (unsigned p = 1; p <= HEADER_PINS; p++)
                if (rpi_header[p].gpio >= 0 && (unsigned)rpi_header[p].gpio == offset)
                        return (int)p;
        return 0;
}

const char *gpio_header_pin_power(const Board *b, unsigned pin)
{
        if (!has_header_map(b) || pin < 1 || pin > HEADER_PINS)
                return NULL;
        return rpi_header[pin].gpio < 0 ? rpi_header[pin].power : NULL;
}

void gpio_pin_done(GpioPin *p)
{
        free(p->chip_label);
        *p = (GpioPin){};
}

/* "17" at s: a decimal offset of at most OFFSET_MAX; false for anything else. */
static bool parse_offset(const char *s, unsigned *ret)
{
        uint64_t v;

        if (config_parse_decimal_max(s, OFFSET_MAX, &v) < 0)
                return false;
        *ret = (unsigned)v;
        return true;
}

/* Levenshtein distance, case-insensitive, of two short strings (capped at 64 bytes each). */
static unsigned distance(const char *a, const char *b)
{
        unsigned row[65];
        size_t na = strnlen(a, 64), nb = strnlen(b, 64);

        for (size_t j = 0; j <= nb; j++)
                row[j] = (unsigned)j;
        for (size_t i = 1; i <= na; i++) {
                unsigned diag = row[0];
                row[0] = (unsigned)i;
                for (size_t j = 1; j <= nb; j++) {
                        unsigned up = row[j];
                        unsigned cost =
                                tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1])
                                        ? 0
                                        : 1;
                        unsigned best = diag + cost;
                        if (row[j - 1] + 1 < best)
                                best = row[j - 1] + 1;
                        if (up + 1 < best)
                                best = up + 1;
                        row[j] = best;
                        diag = up;
                }
        }
        return row[nb];
}

/* "GPIO17, GPIO27, GPIO7": the names of the header chip closest to name. */
static char *closest_names(const Board *b, const char *name)
{
        const char *best[CLOSEST_MAX] = {};
        unsigned best_d[CLOSEST_MAX];
        char *out = NULL;

        STRV_FOREACH (n, b->gpio.line_names) {
                unsigned d;

                if (!**n || strlen(*n) > 64)
                        continue;
                d = distance(name, *n);
                for (size_t k = 0; k < CLOSEST_MAX; k++)
                        if (!best[k] || d < best_d[k]) {
                                memmove(&best[k + 1], &best[k],
                                        (CLOSEST_MAX - k - 1) * sizeof(best[0]));
                                memmove(&best_d[k + 1], &best_d[k],
                                        (CLOSEST_MAX - k - 1) * sizeof(best_d[0]));
                                best[k] = *n;
                                best_d[k] = d;
                                break;
                        }
        }
        for (size_t k = 0; k < CLOSEST_MAX && best[k]; k++) {
                char *n = strdup_printf("%s%s%s", strempty(out), out ? ", " : "", best[k]);
                free(out);
                if (!n)
                        return NULL;
                out = n;
        }
        return out;
}

static bool loosely_equal(const char *name, const char *pin)
{
        for (; *name && *pin; name++, pin++)
                if (!(*name == ' ' && *pin == '_') &&
                    tolower((unsigned char)*name) != tolower((unsigned char)*pin))
                        return false;
        return !*name && !*pin;
}

static int header_line(const Board *b, unsigned offset, int header_pin, GpioPin *ret)
{
        const BoardGpioHeader *g = &b->gpio;

        *ret = (GpioPin){
                .chip_label = strdup(g->chip_label),
                .offset = offset,
                .header_chip = true,
                .header_pin = header_pin ? header_pin : gpio_header_pin_of_offset(b, offset),
                .line_name = offset < strv_length(g->line_names) && g->line_names[offset][0]
                                     ? g->line_names[offset]
                                     : NULL,
        };
        return ret->chip_label ? 0 : -ENOMEM;
}

int gpio_pin_resolve(const Board *b, const char *pin, GpioPin *ret, char **ret_error)
{
        const BoardGpioHeader *g = &b->gpio;
        const char *colon = strrchr(pin, ':'), *rest;
        unsigned v;
        size_t i;

        *ret_error = NULL;
        if (colon) {
                _cleanup_free_ char *label = strndup(pin, (size_t)(colon - pin));

                if (!label)
                        return -ENOMEM;
                if (!*label || !parse_offset(colon + 1, &v))
                        return error_printf(ret_error, -EINVAL,
                                            "'%s' is not LABEL:OFFSET (a chip label, then a line "
                                            "number of at most %u)",
                                            pin, OFFSET_MAX);
                if (g->present && g->chip_label && streq(label, g->chip_label)) {
                        if (g->n_lines && v >= g->n_lines)
                                return error_printf(ret_error, -ERANGE,
                                                    "%s has %u lines (0..%u), not %u", label,
                                                    g->n_lines, g->n_lines - 1, v);
                        return header_line(b, v, 0, ret);
                }
                /* Another chip: whether it has that line is settled on the running system. */
                *ret = (GpioPin){.chip_label = TAKE_PTR(label), .offset = v};
                return 0;
        }
        if (!g->present || !g->chip_label)
                return error_printf(
                        ret_error, -ENOENT,
                        "this board's device tree names no header GPIO controller, so '%s' "
                        "cannot be looked up; name the chip: LABEL:OFFSET",
                        pin);

        rest = NULL;
        if (strncasecmp(pin, "pin", 3) == 0)
                rest = pin + 3;
        if (rest && *rest >= '0' && *rest <= '9') {
                const char *power;

                if (!has_header_map(b))
                        return error_printf(
                                ret_error, -ENOENT,
                                "hwctl has no map of this board's header pins; use a line "
                                "name from the tree or %s:OFFSET",
                                g->chip_label);
                if (!parse_offset(rest, &v) || v < 1 || v > HEADER_PINS)
                        return error_printf(ret_error, -ERANGE,
                                            "the header has pins 1..%d, not '%s'", HEADER_PINS,
                                            pin);
                power = gpio_header_pin_power(b, v);
                if (power)
                        return error_printf(ret_error, -EINVAL, "header pin %u is %s, not a GPIO",
                                            v, power);
                return header_line(b, (unsigned)rpi_header[v].gpio, (int)v, ret);
        }

        /* A name from gpio-line-names: exactly, then loosely (case, and '_' for a space, since
         * a PIN is one word and some trees name lines "J9 Header Pin37"). */
        for (int pass = 0; pass < 2; pass++) {
                i = 0;
                STRV_FOREACH (n, g->line_names) {
                        if (**n && (pass == 0 ? streq(*n, pin) : loosely_equal(*n, pin)))
                                return header_line(b, (unsigned)i, 0, ret);
                        i++;
                }
        }
        /* On a Raspberry Pi, GPIOn is BCM line n whatever the tree calls it (mainline names
         * line 2 "SDA1", the downstream tree "GPIO2"). */
        if (b->family == BOARD_FAMILY_RPI && strncasecmp(pin, "GPIO", 4) == 0 &&
            parse_offset(pin + 4, &v)) {
                if (g->n_lines && v >= g->n_lines)
                        return error_printf(ret_error, -ERANGE,
                                            "%s has lines 0..%u, so there is no %s", g->chip_label,
                                            g->n_lines - 1, pin);
                return header_line(b, v, 0, ret);
        }

        _cleanup_free_ char *closest = closest_names(b, pin);
        if (closest)
                return error_printf(ret_error, -ENOENT,
                                    "%s has no line named '%s'; the closest names it has: %s",
                                    g->chip_label, pin, closest);
        return error_printf(ret_error, -ENOENT,
                            "%s has no line named '%s' (its tree names none of its lines)",
                            g->chip_label, pin);
}

/* ---- Legacy facts ---- */

void gpio_cpuinfo_scan(const char *text, bool *ret_hardware, bool *ret_revision)
{
        *ret_hardware = *ret_revision = false;
        for (const char *l = text; l && *l;) {
                const char *end = strchr(l, '\n');
                size_t n = end ? (size_t)(end - l) : strlen(l);
                const char *colon = memchr(l, ':', n);

                if (colon) { /* "Hardware\t: BCM2835": the key, then blanks, then ':' */
                        size_t k = (size_t)(colon - l);
                        while (k > 0 && (l[k - 1] == ' ' || l[k - 1] == '\t'))
                                k--;
                        if (k == 8 && strncmp(l, "Hardware", 8) == 0)
                                *ret_hardware = true;
                        if (k == 8 && strncmp(l, "Revision", 8) == 0)
                                *ret_revision = true;
                }
                l = end ? end + 1 : NULL;
        }
}

int gpio_group_lookup(const char *text, const char *name, unsigned *ret_gid)
{
        size_t nlen = strlen(name);

        for (const char *l = text; l && *l;) {
                const char *end = strchr(l, '\n');
                size_t n = end ? (size_t)(end - l) : strlen(l);

                if (n > nlen && strncmp(l, name, nlen) == 0 && l[nlen] == ':') {
                        const char *pw_end = memchr(l + nlen + 1, ':', n - nlen - 1);
                        if (pw_end) {
                                const char *gid = pw_end + 1, *gid_end;
                                char buf[16];
                                uint64_t v;
                                size_t left = n - (size_t)(gid - l);

                                gid_end = memchr(gid, ':', left);
                                if (gid_end && (size_t)(gid_end - gid) < sizeof(buf)) {
                                        memcpy(buf, gid, (size_t)(gid_end - gid));
                                        buf[gid_end - gid] = 0;
                                        if (config_parse_decimal_max(buf, UINT32_MAX - 1, &v) >=
                                            0) {
                                                *ret_gid = (unsigned)v;
                                                return 0;
                                        }
                                }
                        }
                }
                l = end ? end + 1 : NULL;
        }
        return -ENOENT;
}

void gpio_legacy_done(GpioLegacy *l)
{
        strv_free(l->gpiomem);
        l->gpiomem = NULL;
}

static bool legacy_bites_numbers(const GpioLegacy *l)
{
        return l->sysfs_base > 0;
}

static bool legacy_bites_rpi(const GpioLegacy *l)
{
        return l->rpi && (!l->gpiomem || !l->cpuinfo_hardware || !l->cpuinfo_revision);
}

char *gpio_legacy_summary(const GpioLegacy *l)
{
        char *out = NULL;
        int r = 0;

        if (legacy_bites_numbers(l))
                r = strbuf_append(&out,
                                  "GPIO%u is number %lld in /sys/class/gpio on this "
                                  "kernel, not %u",
                                  l->example_offset, (long long)l->sysfs_base + l->example_offset,
                                  l->example_offset);
        if (r >= 0 && l->rpi && !l->gpiomem)
                r = strbuf_append(&out, "%sno /dev/gpiomem", out ? "; " : "");
        if (r >= 0 && l->rpi && (!l->cpuinfo_hardware || !l->cpuinfo_revision))
                r = strbuf_append(&out, "%s/proc/cpuinfo has no %s line%s", out ? "; " : "",
                                  !l->cpuinfo_hardware && !l->cpuinfo_revision
                                          ? "Hardware or Revision"
                                  : !l->cpuinfo_hardware ? "Hardware"
                                                         : "Revision",
                                  "");
        if (r < 0) {
                free(out);
                return NULL;
        }
        return out;
}

char *gpio_legacy_remedy(const GpioLegacy *l)
{
        if (!legacy_bites_numbers(l) && !legacy_bites_rpi(l))
                return NULL;
        return strdup_printf(
                "Code that uses GPIO numbers from /sys/class/gpio%s does not work on this "
                "kernel%s. Address the chip by its label and the line by its name through the "
                "GPIO character device: libgpiod's tools (gpioinfo, gpioget, gpioset in the "
                "gpiod package), its Python bindings (python3-libgpiod), or gpiozero 2 with "
                "its lgpio pin factory.",
                l->rpi ? ", /dev/gpiomem or /proc/cpuinfo" : "",
                legacy_bites_rpi(l) ? " (RPi.GPIO stops with \"This module can only be run on "
                                      "a Raspberry Pi!\" when /proc/cpuinfo lacks them)"
                                    : "");
}

json_object *gpio_legacy_to_json(const GpioLegacy *l)
{
        json_object *o = json_object_new_object();
        static char *const none[] = {NULL};

        if (!o)
                return NULL;
        details_add_bool(o, "sysfs_class_gpio", l->sysfs_present);
        if (l->sysfs_base >= 0)
                details_add_int(o, "sysfs_base", l->sysfs_base);
        details_add_strv(o, "gpiomem", l->gpiomem ? l->gpiomem : (char **)none);
        details_add_bool(o, "cpuinfo_hardware", l->cpuinfo_hardware);
        details_add_bool(o, "cpuinfo_revision", l->cpuinfo_revision);
        return o;
}
