/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The probe contract: a const table entry per probe, and the context a running probe reports
 * through. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>
#include <systemd/sd-device.h>
#include <systemd/sd-event.h>

#include "board.h"
#include "config.h"
#include "util.h"

typedef enum Verdict {
        VERDICT_OK,       /* was already right */
        VERDICT_CHANGED,  /* the probe made it right */
        VERDICT_DEGRADED, /* works with less than full function */
        VERDICT_FAILED,   /* does not work */
        VERDICT_SKIPPED,  /* not applicable or disabled; the summary says which */
        _VERDICT_MAX,
        _VERDICT_INVALID = -EINVAL,
} Verdict;

const char *verdict_to_string(Verdict v);
Verdict verdict_from_string(const char *s);
/* Whether the verdict counts as success for exit codes: ok, changed, skipped. */
bool verdict_is_good(Verdict v);

typedef struct ProbeResult {
        Verdict verdict;
        char *summary;
        char *remedy;          /* NULL when there is nothing for a person to do */
        json_object *details;  /* always an object */
        uint64_t started_usec; /* CLOCK_REALTIME */
        uint64_t duration_usec;
} ProbeResult;

ProbeResult *probe_result_free(ProbeResult *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(ProbeResult *, probe_result_free)
json_object *probe_result_to_json(const char *name, const ProbeResult *r);

typedef struct ProbeContext ProbeContext;

/* Where a probe finds the system; it never spells /proc, /sys, /dev, /etc, /run or /var itself. */
typedef enum ProbePath {
        PROBE_PATH_PROC,
        PROBE_PATH_SYS,
        PROBE_PATH_DEV,
        PROBE_PATH_ETC,
        PROBE_PATH_RUN,
        PROBE_PATH_VAR_LIB, /* hwctl's own state directory */
        _PROBE_PATH_MAX,
} ProbePath;

struct ProbeOps {
        const char *name;
        const char *const *after; /* names of probes that must report first; NULL-terminated */
        /* The probe's section of hwctl.conf, NULL for none: its keys, defaults and JSON form.
         * The run finds the parsed values with probe_settings(). */
        const ConfigSection *config;
        /* Pure: whether the probe has anything to do on this board with this config. When it
         * returns false, the probe is reported skipped with the reason written to *ret_reason
         * (a static string). */
        bool (*applies)(const Board *b, const Config *c, const char **ret_reason);
        /* Starts the work; reports exactly once through probe_done()/probe_fail(), now or later
         * from the event loop. A negative return without a report fails the probe with it. */
        int (*run)(ProbeContext *ctx);
        /* Stops work in flight (timeout, shutdown); after it the probe must not report. */
        void (*cancel)(ProbeContext *ctx);
        /* What run() would do on this board with this config, changing nothing: one line for
         * a person, plus details. sysroot as for run() ("/" for the running system). */
        int (*plan)(const Board *b, const Config *c, const char *sysroot, char **ret_summary,
                    json_object *details);
        uint64_t timeout_usec;
};

/* The probes, in registration order; NULL-terminated (probes/registry.c). */
extern const ProbeOps *const probe_table[];
const ProbeOps *probe_find(const char *name);
/* "rootfs gpio audio bluetooth network": the table's names, for help texts and errors. */
char *probe_table_names(const ProbeOps *const *table);

/* For a probe whose issue has not landed yet: run() reports skipped "not implemented yet",
 * plan() says it will do nothing. Honest placeholders instead of pretending. */
int probe_run_not_implemented(ProbeContext *ctx);
int probe_plan_not_implemented(const Board *b, const Config *c, const char *sysroot,
                               char **ret_summary, json_object *details);

/* The one skip decision, shared by the runner and `hwctl plan`: NULL when the probe runs, else
 * why it does not (allocated): not selected (only, or [Daemon] Probes= when only is NULL),
 * disabled by its section's Enable=, or its applies() said no. -ENOMEM. */
int probe_skip_reason(const ProbeOps *ops, const Board *b, const Config *c, char *const *only,
                      char **ret_reason);

/* The probe's parsed section of c (the struct its ConfigSection describes); NULL when c is
 * NULL or was made for a table without this probe, so a probe falls back to its defaults. */
static inline const void *probe_settings(const ProbeOps *ops, const Config *c)
{
        return config_probe_settings(c, ops);
}
/* --- What a running probe may use --- */
const Board *probe_context_board(ProbeContext *ctx);
const Config *probe_context_config(ProbeContext *ctx);
sd_event *probe_context_event(ProbeContext *ctx);
const char *probe_context_name(ProbeContext *ctx);
/* "<sysroot>/sys/..." for the given root and relative path (relative may be NULL). */
char *probe_context_path(ProbeContext *ctx, ProbePath which, const char *relative);
/* Whether the run was cancelled (timeout, shutdown): reports are then dropped. */
bool probe_context_cancelled(ProbeContext *ctx);
void probe_context_set_userdata(ProbeContext *ctx, void *userdata);
void *probe_context_get_userdata(ProbeContext *ctx);
/* The details object that the result will carry; add facts as they are learnt. */
json_object *probe_context_details(ProbeContext *ctx);
void probe_set_remedy(ProbeContext *ctx, const char *fmt, ...) _printf_(2, 3);
/* A progress line: STATUS= to systemd and a journal entry. */
void probe_progress(ProbeContext *ctx, const char *fmt, ...) _printf_(2, 3);
/* Long work (an online resize): the probe's timeout moves to usec from now, and systemd is
 * told EXTEND_TIMEOUT_USEC= so neither kills the work. */
int probe_extend_timeout(ProbeContext *ctx, uint64_t usec);

/* What outlives a single run: one handle per probe for the daemon's whole life. A probe that
 * holds something (GPIO line requests, a tty, netlink subscriptions) keeps it as the handle's
 * state, freed with free_state when the daemon stops (and after --once); a probe that watches
 * events asks for another run when they change what it would report. */
typedef struct ProbeHandle ProbeHandle;
ProbeHandle *probe_context_handle(ProbeContext *ctx);
void *probe_handle_get_state(ProbeHandle *h);
void probe_handle_set_state(ProbeHandle *h, void *state, void (*free_state)(void *state));
sd_event *probe_handle_event(ProbeHandle *h);
const char *probe_handle_sysroot(ProbeHandle *h);
/* hwctld --once: what the probe holds is released when the daemon exits, right after the
 * round; there is nothing to watch for and a summary should not promise to hold. */
bool probe_handle_once(ProbeHandle *h);
/* Runs the probe again (now, or as soon as the current run reports). */
int probe_handle_request_run(ProbeHandle *h);
/* The same, delay_usec from now; asking again before then moves it, so a burst of device
 * events makes one run. */
int probe_handle_request_run_after(ProbeHandle *h, uint64_t delay_usec);
/* udev's events for these subsystems (NULL-terminated) on the handle's loop, as udev sends
 * them once it has handled a device. *ret is the caller's to unref. */
int probe_handle_watch_devices(ProbeHandle *h, const char *const *subsystems,
                               sd_device_monitor_handler_t handler, void *userdata,
                               sd_device_monitor **ret);

/* Report the result. Both return 0, so `return probe_done(...)` ends run(). A second report
 * from the same run is ignored and logged as a bug. Once a report returns, the context belongs
 * to the runner again and may be gone: the probe must not touch it (stop its timers first). */
int probe_done(ProbeContext *ctx, Verdict v, const char *fmt, ...) _printf_(3, 4);
/* verdict failed; "%m" in fmt expands to strerror(-error). */
int probe_fail(ProbeContext *ctx, int error, const char *fmt, ...) _printf_(3, 4);

/* Runs work(userdata) on a worker thread, then done(ctx, result, userdata) on the event loop,
 * so that blocking kernel calls never stall IPC or the watchdog. */
typedef int (*ProbeWorkFunc)(void *userdata);
typedef void (*ProbeWorkDone)(ProbeContext *ctx, int result, void *userdata);
int probe_run_blocking(ProbeContext *ctx, ProbeWorkFunc work, ProbeWorkDone done, void *userdata);
