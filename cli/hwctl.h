/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the hwctl commands share: global options, exit codes, output helpers, the bus client. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>

#include "board.h"
#include "util.h"

enum {
        EXIT_ALL_FINE = 0,
        EXIT_NEEDS_ATTENTION = 1, /* something degraded or failed; also a failed operation */
        EXIT_USAGE = 2,
        EXIT_NO_DAEMON = 3, /* no daemon and no snapshot */
};

typedef struct GlobalOptions {
        const char *sysroot;
        bool json;
        bool color;
} GlobalOptions;

extern GlobalOptions arg;

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)

typedef int (*CommandFunc)(int argc, char *argv[]);

int cmd_status(int argc, char *argv[]);
int cmd_board(int argc, char *argv[]);
int cmd_plan(int argc, char *argv[]);
int cmd_rerun(int argc, char *argv[]);
int cmd_journal(int argc, char *argv[]);
int cmd_check_config(int argc, char *argv[]);
int cmd_dt(int argc, char *argv[]);
int cmd_kernel_check(int argc, char *argv[]);
int cmd_boot_check(int argc, char *argv[]);

/* output.c */
typedef enum Color {
        COLOR_NONE,
        COLOR_GREEN,
        COLOR_YELLOW,
        COLOR_RED,
        COLOR_GREY,
        COLOR_BOLD
} Color;
const char *color_on(Color c);
const char *color_off(void);
Color verdict_color(const char *verdict);
void print_json(json_object *o);
/* "label     value" with the label column padded to width. */
/* A copy of s with the control characters a terminal would act on written as \xNN, for text
 * from a document (summaries, remedies, names) printed for a person. NULL for NULL or -ENOMEM. */
char *text_for_terminal(const char *s);
/* "Label     value": the value as text_for_terminal() makes it. */
void print_field(const char *label, int width, const char *fmt, ...) _printf_(3, 4);
/* Renders a board (from board_to_json) in the one-line form of `hwctl status`. */
char *board_json_line(json_object *board);
void print_board(const Board *b);
int usage_error(const char *fmt, ...) _printf_(1, 2);

/* bus-client.c: -ENOENT/-ECONNREFUSED and friends mean "no daemon"; error text in ret_error. */
int bus_describe(json_object **ret, char **ret_error);
int bus_rerun(char *const *probes, char **ret_error);
bool bus_error_is_no_daemon(int r);
