/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hwctld's logging: one structured journal entry per event, or a plain stderr line without a
 * journal. */
#pragma once

#include <syslog.h>

#include "util.h"

typedef enum LogTarget {
        LOG_TARGET_AUTO,
        LOG_TARGET_JOURNAL,
        LOG_TARGET_STDERR,
} LogTarget;

void log_setup(LogTarget target);
void log_set_board(const char *board_id);
void log_set_max_level(int priority);

/* Logs one event. probe, verdict and message_id may be NULL; extra is a NULL-terminated list
 * of "FIELD=value" strings (may be NULL). Returns -|error| when error is non-zero, else 0, so
 * callers can log and return in one step. "%m" in fmt expands to strerror(|error|). */
int log_event(int priority, const char *message_id, const char *probe, const char *verdict,
              int error, char *const *extra, const char *fmt, ...) _printf_(7, 8);

#define log_error_errno(error, ...) log_event(LOG_ERR, NULL, NULL, NULL, (error), NULL, __VA_ARGS__)
#define log_warning_errno(error, ...)                                                              \
        log_event(LOG_WARNING, NULL, NULL, NULL, (error), NULL, __VA_ARGS__)
#define log_info(...)    log_event(LOG_INFO, NULL, NULL, NULL, 0, NULL, __VA_ARGS__)
#define log_warning(...) log_event(LOG_WARNING, NULL, NULL, NULL, 0, NULL, __VA_ARGS__)
#define log_debug(...)   log_event(LOG_DEBUG, NULL, NULL, NULL, 0, NULL, __VA_ARGS__)
