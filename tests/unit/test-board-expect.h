/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper: what a board's device tree should yield, and the check of a Board against it. */
#pragma once

#include <stdio.h>

#include "board.h"
#include "test-util.h"
#include "util.h"

typedef struct BluetoothExpect {
        const char *uart_path, *uart_label, *uart_alias, *uart_kind, *uart_compatible;
        bool uart_has_rtscts;
        const char *pins;        /* "yes", "no", "unknown" */
        const char *evidence[3]; /* substrings of pins_evidence */
        bool kernel_attach;
        const char *node_path, *compatible;
        uint32_t max_speed;
        const char *shutdown; /* "controller:line" or NULL */
        const char *reset, *wakeup;
        const char *chip;
        uint32_t expected_baud;
} BluetoothExpect;

typedef struct BoardExpect {
        const char *file;
        const char *id, *family, *flavour, *model, *soc, *serial;
        const char *revision; /* "0xa02082 3B 1.2 1024 Sony UK BCM2837" or NULL */
        bool bt_present;
        BluetoothExpect bt;
        const char *audio; /* "kind path +|-", joined with "; ", in path order */
        const char *gpio_path, *gpio_label, *gpio_compatible;
        unsigned gpio_lines;
        size_t gpio_names;
        const char *findings[6]; /* substrings, in order; no other findings allowed */
} BoardExpect;

#define ASSERT_STR_EQ_OR_NULL(a, b)                                                                \
        do {                                                                                       \
                const char *_e = (b);                                                              \
                if (_e)                                                                            \
                        ASSERT_STR_EQ(a, _e);                                                      \
                else                                                                               \
                        ASSERT_NULL(a);                                                            \
        } while (0)

static inline char *gpio_ref_string(const BoardGpioRef *g)
{
        return g->controller_path ? strdup_printf("%s:%u%s", g->controller_path, g->line,
                                                  g->active_low ? ":low" : "")
                                  : NULL;
}

static inline char *audio_string(const Board *b)
{
        char *s = strdup("");

        for (size_t i = 0; s && i < b->n_audio; i++) {
                char *n = strdup_printf("%s%s%s %s %s", s, i ? "; " : "", b->audio[i].kind,
                                        b->audio[i].path, b->audio[i].enabled ? "+" : "-");
                free(s);
                s = n;
        }
        return s;
}

static inline char *revision_string(const BoardRevision *r)
{
        if (!r->present)
                return NULL;
        return strdup_printf("0x%06x %s %u.%u %u %s %s", r->code, strna(r->type), r->pcb_major,
                             r->pcb_revision, r->memory_mib, strna(r->manufacturer),
                             strna(r->processor));
}

static inline void check_board(const BoardExpect *e, const Board *b)
{
        _cleanup_free_ char *audio = NULL, *rev = NULL, *shutdown = NULL, *reset = NULL,
                            *wakeup = NULL;
        const BoardBluetooth *bt = &b->bluetooth;
        size_t n_findings = strv_length(b->findings), expected_findings = 0;

        fprintf(stderr, "  checking %s\n", e->file);
        ASSERT_STR_EQ(board_id_to_string(b->id), e->id);
        ASSERT_STR_EQ(board_family_to_string(b->family), e->family);
        ASSERT_STR_EQ(tree_flavour_to_string(b->flavour), e->flavour);
        ASSERT_STR_EQ_OR_NULL(b->model, e->model);
        ASSERT_STR_EQ_OR_NULL(b->soc, e->soc);
        ASSERT_STR_EQ_OR_NULL(b->serial, e->serial);
        rev = revision_string(&b->revision);
        ASSERT_STR_EQ_OR_NULL(rev, e->revision);

        ASSERT_INT_EQ(bt->present, e->bt_present);
        ASSERT_STR_EQ_OR_NULL(bt->uart_path, e->bt.uart_path);
        ASSERT_STR_EQ_OR_NULL(bt->uart_label, e->bt.uart_label);
        ASSERT_STR_EQ_OR_NULL(bt->uart_alias, e->bt.uart_alias);
        ASSERT_STR_EQ(uart_kind_to_string(bt->uart_kind),
                      e->bt.uart_kind ? e->bt.uart_kind : "unknown");
        ASSERT_STR_EQ_OR_NULL(bt->uart_compatible, e->bt.uart_compatible);
        ASSERT_INT_EQ(bt->uart_has_rtscts, e->bt.uart_has_rtscts);
        ASSERT_STR_EQ(tristate_to_string(bt->pins_rtscts), e->bt.pins ? e->bt.pins : "unknown");
        for (size_t i = 0; i < ELEMENTSOF(e->bt.evidence) && e->bt.evidence[i]; i++)
                ASSERT_STR_CONTAINS(bt->pins_evidence, e->bt.evidence[i]);
        ASSERT_INT_EQ(bt->kernel_attach, e->bt.kernel_attach);
        ASSERT_STR_EQ_OR_NULL(bt->node_path, e->bt.node_path);
        ASSERT_STR_EQ_OR_NULL(bt->compatible, e->bt.compatible);
        ASSERT_INT_EQ(bt->max_speed, e->bt.max_speed);
        shutdown = gpio_ref_string(&bt->shutdown_gpio);
        reset = gpio_ref_string(&bt->reset_gpio);
        wakeup = gpio_ref_string(&bt->wakeup_gpio);
        ASSERT_STR_EQ_OR_NULL(shutdown, e->bt.shutdown);
        ASSERT_STR_EQ_OR_NULL(reset, e->bt.reset);
        ASSERT_STR_EQ_OR_NULL(wakeup, e->bt.wakeup);
        ASSERT_STR_EQ_OR_NULL(bt->chip, e->bt.chip);
        ASSERT_INT_EQ(bt->expected_baud, e->bt.expected_baud);

        audio = audio_string(b);
        ASSERT_STR_EQ(audio, e->audio ? e->audio : "");

        ASSERT_INT_EQ(b->gpio.present, e->gpio_path != NULL);
        ASSERT_STR_EQ_OR_NULL(b->gpio.controller_path, e->gpio_path);
        ASSERT_STR_EQ_OR_NULL(b->gpio.chip_label, e->gpio_label);
        ASSERT_STR_EQ_OR_NULL(b->gpio.compatible, e->gpio_compatible);
        ASSERT_INT_EQ(b->gpio.n_lines, e->gpio_lines);
        ASSERT_INT_EQ(strv_length(b->gpio.line_names), e->gpio_names);

        while (expected_findings < ELEMENTSOF(e->findings) && e->findings[expected_findings])
                expected_findings++;
        ASSERT_INT_EQ(n_findings, expected_findings);
        for (size_t i = 0; i < expected_findings && i < n_findings; i++)
                ASSERT_STR_CONTAINS(b->findings[i], e->findings[i]);
        if (n_findings != expected_findings)
                STRV_FOREACH (f, b->findings)
                        fprintf(stderr, "    finding: %s\n", *f);
}
