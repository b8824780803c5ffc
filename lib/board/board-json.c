/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Board as JSON (every fact, for hwctl board and the status document) and the enum names. */
#include <inttypes.h>
#include <stdio.h>

#include "board-private.h"

static const char *const board_id_table[_BOARD_ID_MAX] = {
        [BOARD_GENERIC] = "generic",           [BOARD_RPI_3_B] = "rpi-3-b",
        [BOARD_RPI_3_B_PLUS] = "rpi-3-b-plus", [BOARD_RPI_3_A_PLUS] = "rpi-3-a-plus",
        [BOARD_RPI_ZERO_2_W] = "rpi-zero-2-w", [BOARD_RPI_4_B] = "rpi-4-b",
        [BOARD_RPI_400] = "rpi-400",           [BOARD_RPI_CM4] = "rpi-cm4",
        [BOARD_RPI_5_B] = "rpi-5-b",           [BOARD_KHADAS_VIM1S] = "khadas-vim1s",
        [BOARD_KHADAS_VIM3] = "khadas-vim3",   [BOARD_KHADAS_VIM3L] = "khadas-vim3l",
};

static const char *const family_table[_BOARD_FAMILY_MAX] = {
        [BOARD_FAMILY_UNKNOWN] = "unknown",
        [BOARD_FAMILY_RPI] = "rpi",
        [BOARD_FAMILY_AMLOGIC] = "amlogic",
};

static const char *const flavour_table[_TREE_FLAVOUR_MAX] = {
        [TREE_FLAVOUR_MAINLINE] = "mainline",
        [TREE_FLAVOUR_RPI_DOWNSTREAM] = "rpi-downstream",
        [TREE_FLAVOUR_KHADAS_VENDOR] = "khadas-vendor",
};

static const char *const uart_kind_table[_UART_KIND_MAX] = {
        [UART_KIND_UNKNOWN] = "unknown", [UART_KIND_PL011] = "pl011",
        [UART_KIND_MINI] = "mini-uart",  [UART_KIND_MESON] = "meson",
        [UART_KIND_8250] = "8250",
};

#define LOOKUP(table, i) ((i) >= 0 && (size_t)(i) < ELEMENTSOF(table) ? (table)[i] : NULL)

static int reverse_lookup(const char *const *table, size_t n, const char *s)
{
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (table[i] && streq(table[i], s))
                        return (int)i;
        return -EINVAL;
}

const char *board_id_to_string(BoardId id)
{
        return LOOKUP(board_id_table, id);
}

BoardId board_id_from_string(const char *s)
{
        return (BoardId)reverse_lookup(board_id_table, ELEMENTSOF(board_id_table), s);
}

const char *board_family_to_string(BoardFamily f)
{
        return LOOKUP(family_table, f);
}

BoardFamily board_family_from_string(const char *s)
{
        return (BoardFamily)reverse_lookup(family_table, ELEMENTSOF(family_table), s);
}

const char *tree_flavour_to_string(TreeFlavour f)
{
        return LOOKUP(flavour_table, f);
}

TreeFlavour tree_flavour_from_string(const char *s)
{
        return (TreeFlavour)reverse_lookup(flavour_table, ELEMENTSOF(flavour_table), s);
}

const char *uart_kind_to_string(UartKind k)
{
        return LOOKUP(uart_kind_table, k);
}

UartKind uart_kind_from_string(const char *s)
{
        return (UartKind)reverse_lookup(uart_kind_table, ELEMENTSOF(uart_kind_table), s);
}

const char *tristate_to_string(Tristate t)
{
        return t == TRISTATE_YES ? "yes" : t == TRISTATE_NO ? "no" : "unknown";
}

/* json-c takes ownership of what is added; a failed add leaks nothing we keep track of. */
static int add(json_object *o, const char *key, json_object *v)
{
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static json_object *string_or_null(const char *s)
{
        return s ? json_object_new_string(s) : NULL;
}

static json_object *strv_to_json(char *const *l)
{
        json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        STRV_FOREACH (s, l)
                if (json_object_array_add(a, json_object_new_string(*s)) < 0) {
                        json_object_put(a);
                        return NULL;
                }
        return a;
}

static json_object *revision_to_json(const BoardRevision *r)
{
        json_object *o;
        char buf[16];
        int k = 0;

        if (!r->present)
                return NULL;
        o = json_object_new_object();
        if (!o)
                return NULL;
        snprintf(buf, sizeof(buf), "0x%06" PRIx32, r->code);
        k |= add(o, "code", json_object_new_string(buf));
        k |= add(o, "new_style", json_object_new_boolean(r->new_style));
        k |= add(o, "memory_mib", r->memory_mib ? json_object_new_int64(r->memory_mib) : NULL);
        k |= add(o, "manufacturer", string_or_null(r->manufacturer));
        k |= add(o, "type", string_or_null(r->type));
        k |= add(o, "processor", string_or_null(r->processor));
        if (r->type) {
                snprintf(buf, sizeof(buf), "%u.%u", r->pcb_major, r->pcb_revision);
                k |= add(o, "pcb_revision", json_object_new_string(buf));
        } else
                k |= add(o, "pcb_revision", NULL);
        if (k) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static json_object *gpio_ref_to_json(const BoardGpioRef *g)
{
        json_object *o;
        int k = 0;

        if (!g->controller_path)
                return NULL;
        o = json_object_new_object();
        if (!o)
                return NULL;
        k |= add(o, "controller", json_object_new_string(g->controller_path));
        k |= add(o, "line", json_object_new_int64(g->line));
        k |= add(o, "active_low", json_object_new_boolean(g->active_low));
        if (k) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static json_object *bluetooth_to_json(const BoardBluetooth *bt)
{
        json_object *o = json_object_new_object();
        int k = 0;

        if (!o)
                return NULL;
        k |= add(o, "present", json_object_new_boolean(bt->present));
        k |= add(o, "uart_path", string_or_null(bt->uart_path));
        k |= add(o, "uart_label", string_or_null(bt->uart_label));
        k |= add(o, "uart_alias", string_or_null(bt->uart_alias));
        k |= add(o, "uart_compatible", string_or_null(bt->uart_compatible));
        k |= add(o, "uart_status", string_or_null(bt->uart_status));
        k |= add(o, "uart_kind", json_object_new_string(strna(uart_kind_to_string(bt->uart_kind))));
        k |= add(o, "uart_has_rtscts", json_object_new_boolean(bt->uart_has_rtscts));
        k |= add(o, "pins_rtscts", json_object_new_string(tristate_to_string(bt->pins_rtscts)));
        k |= add(o, "pins_evidence", string_or_null(bt->pins_evidence));
        k |= add(o, "kernel_attach", json_object_new_boolean(bt->kernel_attach));
        k |= add(o, "node_path", string_or_null(bt->node_path));
        k |= add(o, "compatible", string_or_null(bt->compatible));
        k |= add(o, "node_status", string_or_null(bt->node_status));
        k |= add(o, "max_speed", bt->max_speed ? json_object_new_int64(bt->max_speed) : NULL);
        k |= add(o, "shutdown_gpio", gpio_ref_to_json(&bt->shutdown_gpio));
        k |= add(o, "reset_gpio", gpio_ref_to_json(&bt->reset_gpio));
        k |= add(o, "wakeup_gpio", gpio_ref_to_json(&bt->wakeup_gpio));
        k |= add(o, "chip", string_or_null(bt->chip));
        k |= add(o, "expected_baud",
                 bt->expected_baud ? json_object_new_int64(bt->expected_baud) : NULL);
        if (k) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static json_object *audio_to_json(const Board *b)
{
        json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        for (size_t i = 0; i < b->n_audio; i++) {
                json_object *o = json_object_new_object();
                int k = 0;

                if (!o) {
                        json_object_put(a);
                        return NULL;
                }
                k |= add(o, "path", string_or_null(b->audio[i].path));
                k |= add(o, "compatible", string_or_null(b->audio[i].compatible));
                k |= add(o, "kind", string_or_null(b->audio[i].kind));
                k |= add(o, "enabled", json_object_new_boolean(b->audio[i].enabled));
                if (k || json_object_array_add(a, o) < 0) {
                        json_object_put(o);
                        json_object_put(a);
                        return NULL;
                }
        }
        return a;
}

static json_object *gpio_to_json(const BoardGpioHeader *g)
{
        json_object *o = json_object_new_object();
        int k = 0;

        if (!o)
                return NULL;
        k |= add(o, "present", json_object_new_boolean(g->present));
        k |= add(o, "controller_path", string_or_null(g->controller_path));
        k |= add(o, "compatible", string_or_null(g->compatible));
        k |= add(o, "chip_label", string_or_null(g->chip_label));
        k |= add(o, "n_lines", json_object_new_int64(g->n_lines));
        k |= add(o, "line_names", g->line_names ? strv_to_json(g->line_names) : NULL);
        if (k) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

json_object *board_to_json(const Board *b)
{
        json_object *o, *v;
        int k = 0;

        if (!b)
                return NULL;
        o = json_object_new_object();
        if (!o)
                return NULL;
        k |= add(o, "id", json_object_new_string(strna(board_id_to_string(b->id))));
        k |= add(o, "model", string_or_null(b->model));
        k |= add(o, "family", json_object_new_string(strna(board_family_to_string(b->family))));
        k |= add(o, "flavour", json_object_new_string(strna(tree_flavour_to_string(b->flavour))));
        k |= add(o, "soc", string_or_null(b->soc));
        k |= add(o, "compatible", (v = strv_to_json(b->compatible)));
        k |= !v;
        k |= add(o, "serial", string_or_null(b->serial));
        k |= add(o, "revision", revision_to_json(&b->revision));
        k |= add(o, "bluetooth", (v = bluetooth_to_json(&b->bluetooth)));
        k |= !v;
        k |= add(o, "audio", (v = audio_to_json(b)));
        k |= !v;
        k |= add(o, "headphone_jack",
                 json_object_new_string(tristate_to_string(b->headphone_jack)));
        k |= add(o, "gpio", (v = gpio_to_json(&b->gpio)));
        k |= !v;
        k |= add(o, "findings", (v = strv_to_json(b->findings)));
        k |= !v;
        if (k) {
                json_object_put(o);
                return NULL;
        }
        return o;
}
