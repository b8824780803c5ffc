/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Output for people (aligned fields, colour on terminals only) and for programs (JSON). */
#include <stdarg.h>

#include "hwctl.h"

const char *color_on(Color c)
{
        if (!arg.color)
                return "";
        switch (c) {
        case COLOR_GREEN:
                return "\033[32m";
        case COLOR_YELLOW:
                return "\033[33m";
        case COLOR_RED:
                return "\033[1;31m";
        case COLOR_GREY:
                return "\033[2m";
        case COLOR_BOLD:
                return "\033[1m";
        default:
                return "";
        }
}

const char *color_off(void)
{
        return arg.color ? "\033[0m" : "";
}

Color verdict_color(const char *verdict)
{
        if (!verdict)
                return COLOR_GREY;
        if (streq(verdict, "ok") || streq(verdict, "changed"))
                return COLOR_GREEN;
        if (streq(verdict, "degraded"))
                return COLOR_YELLOW;
        if (streq(verdict, "failed"))
                return COLOR_RED;
        return COLOR_GREY;
}

void print_json(json_object *o)
{
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                       JSON_C_TO_STRING_NOSLASHESCAPE));
}

char *text_for_terminal(const char *s)
{
        char *out, *o;
        size_t n = 0;

        if (!s)
                return NULL;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                n++;
        /* At worst every byte becomes \xNN. */
        out = o = malloc(n * 4 + 1);
        if (!out)
                return NULL;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                /* C0 controls and DEL, and the C1 controls as UTF-8 writes them (C2 80..9F):
                 * a terminal acts on them, so a document string could move the cursor, clear
                 * the screen or forge a line. */
                if (*p < 0x20 || *p == 0x7f) {
                        o += sprintf(o, "\\x%02x", *p);
                } else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
                        o += sprintf(o, "\\x%02x", p[1]);
                        p++;
                } else
                        *o++ = (char)*p;
        }
        *o = 0;
        return out;
}

void print_field(const char *label, int width, const char *fmt, ...)
{
        _cleanup_free_ char *text = NULL, *safe = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&text, fmt, ap);
        va_end(ap);
        if (r < 0)
                text = NULL;
        safe = text_for_terminal(text);
        printf("%s%-*s%s%s\n", color_on(COLOR_BOLD), width, label, color_off(), strempty(safe));
}

static const char *json_str(json_object *o, const char *key)
{
        json_object *v;

        if (!o || !json_object_object_get_ex(o, key, &v) ||
            !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

char *board_json_line(json_object *board)
{
        const char *model = json_str(board, "model"), *id = json_str(board, "id");
        const char *soc = json_str(board, "soc"), *serial = json_str(board, "serial");

        return strdup_printf("%s (%s, %s)%s%s", model ? model : "unknown model",
                             id ? id : "generic", soc ? soc : "unknown SoC",
                             serial ? ", serial " : "", serial ? serial : "");
}

static void print_gpio_ref(const char *what, const BoardGpioRef *g)
{
        if (g->controller_path)
                print_field("", 11, "%s GPIO: %s line %u%s", what, g->controller_path, g->line,
                            g->active_low ? " (active low)" : "");
}

void print_board(const Board *b)
{
        const BoardBluetooth *bt = &b->bluetooth;
        _cleanup_free_ char *compat = strv_join(b->compatible, " ");

        print_field("Board", 11, "%s", b->model ? b->model : "(no model in the device tree)");
        print_field("Id", 11, "%s (family %s, %s tree)", board_id_to_string(b->id),
                    board_family_to_string(b->family), tree_flavour_to_string(b->flavour));
        print_field("SoC", 11, "%s", b->soc ? b->soc : "unknown");
        print_field("Compatible", 11, "%s", compat && *compat ? compat : "(none)");
        print_field("Serial", 11, "%s", b->serial ? b->serial : "unknown");
        if (b->revision.present)
                print_field("Revision", 11, "0x%06x: %s rev 1.%u, %u MiB, %s, %s", b->revision.code,
                            strna(b->revision.type), b->revision.pcb_revision,
                            b->revision.memory_mib, strna(b->revision.manufacturer),
                            strna(b->revision.processor));
        if (bt->present) {
                print_field("Bluetooth", 11, "%s (%s%s%s) %s", strna(bt->uart_path),
                            uart_kind_to_string(bt->uart_kind), bt->uart_alias ? ", alias " : "",
                            strempty(bt->uart_alias),
                            bt->kernel_attach ? "kernel attach (serdev)" : "userspace attach");
                if (bt->node_path)
                        print_field("", 11, "controller %s at %s%s", strna(bt->compatible),
                                    bt->node_path,
                                    bt->node_status
                                            ? (streq(bt->node_status, "okay") ? "" : " (disabled)")
                                            : "");
                if (bt->chip)
                        print_field("", 11, "expected chip %s at %u baud", bt->chip,
                                    bt->expected_baud);
                if (bt->max_speed)
                        print_field("", 11, "max-speed %u", bt->max_speed);
                print_field("", 11, "RTS/CTS %s%s%s",
                            bt->pins_rtscts == TRISTATE_YES  ? "muxed"
                            : bt->pins_rtscts == TRISTATE_NO ? "not muxed"
                                                             : "unknown",
                            bt->pins_evidence ? ": " : "", strempty(bt->pins_evidence));
                print_gpio_ref("shutdown", &bt->shutdown_gpio);
                print_gpio_ref("reset", &bt->reset_gpio);
        } else
                print_field("Bluetooth", 11, "no Bluetooth UART known");
        for (size_t i = 0; i < b->n_audio; i++)
                print_field(i == 0 ? "Audio" : "", 11, "%s %s (%s, %s)", b->audio[i].path,
                            strna(b->audio[i].compatible), strna(b->audio[i].kind),
                            b->audio[i].enabled ? "enabled" : "disabled");
        if (b->n_audio == 0)
                print_field("Audio", 11, "no audio nodes");
        if (b->gpio.present) {
                size_t named = 0;
                STRV_FOREACH (n, b->gpio.line_names)
                        named += **n != 0;
                print_field("GPIO", 11, "%s %s: label %s, %u lines, %zu named",
                            strna(b->gpio.controller_path), strna(b->gpio.compatible),
                            strna(b->gpio.chip_label), b->gpio.n_lines, named);
        } else
                print_field("GPIO", 11, "no 40-pin header controller found");
        STRV_FOREACH (f, b->findings)
                print_field(f == b->findings ? "Findings" : "", 11, "%s- %s%s",
                            color_on(COLOR_YELLOW), *f, color_off());
}

int usage_error(const char *fmt, ...)
{
        va_list ap;

        fputs("hwctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs(" (see hwctl --help)\n", stderr);
        return EXIT_USAGE;
}
