/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The probe runner: schedules probes in their declared order on an sd-event loop, enforces
 * timeouts and exactly-once reporting, and keeps the latest result of each. */
#pragma once

#include <systemd/sd-event.h>

#include "probe.h"
#include "cleanup.h"

typedef struct ProbeRunner ProbeRunner;

typedef struct ProbeRunnerCallbacks {
        void (*started)(ProbeRunner *r, const char *probe, void *userdata);
        void (*reported)(ProbeRunner *r, const char *probe, const ProbeResult *result,
                         bool timed_out, void *userdata);
        void (*progress)(ProbeRunner *r, const char *probe, const char *text, void *userdata);
        /* A probe needs usec more from now (EXTEND_TIMEOUT_USEC= for systemd). */
        void (*extend)(ProbeRunner *r, const char *probe, uint64_t usec, void *userdata);
        /* A probe broke the contract (reported twice, reported after cancel). */
        void (*contract)(ProbeRunner *r, const char *probe, const char *text, void *userdata);
        /* Every probe of the round has reported. */
        void (*idle)(ProbeRunner *r, void *userdata);
} ProbeRunnerCallbacks;

/* table: NULL-terminated (probe_table, or a test's own). sysroot NULL means "/". */
int probe_runner_new(sd_event *event, const ProbeOps *const *table, const char *sysroot,
                     ProbeRunner **ret);
ProbeRunner *probe_runner_free(ProbeRunner *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(ProbeRunner *, probe_runner_free)

void probe_runner_set_callbacks(ProbeRunner *r, const ProbeRunnerCallbacks *cb, void *userdata);
/* hwctld --once: what probes hold is released when it exits, so they need not watch. */
void probe_runner_set_once(ProbeRunner *r, bool once);
/* The board is borrowed and must outlive every run started after the call; the config is
 * referenced (each run holds its own reference, so a reload never frees a config in use). */
void probe_runner_set_inputs(ProbeRunner *r, const Board *board, const Config *config);

/* Starts a round: every probe in dependency order, each run or skipped by probe_skip_reason()
 * (only: --only's names, NULL for all; then the config's [Daemon] Probes=, Enable= and
 * applies()). Probes still running keep running. -ENOENT for a name not in the table. */
int probe_runner_start(ProbeRunner *r, char *const *only);
/* Starts now, not at the event loop's next turn, every scheduled probe that can start. */
void probe_runner_dispatch(ProbeRunner *r);
/* Re-runs one probe; -ENOENT unknown name, -EBUSY already running. */
int probe_runner_rerun(ProbeRunner *r, const char *name);
/* Cancels everything running (shutdown). */
void probe_runner_cancel_all(ProbeRunner *r);
bool probe_runner_is_idle(ProbeRunner *r);

size_t probe_runner_count(ProbeRunner *r);
const char *probe_runner_name(ProbeRunner *r, size_t i);
const ProbeResult *probe_runner_result(ProbeRunner *r, size_t i);
bool probe_runner_running(ProbeRunner *r, size_t i);
/* Whether every reported verdict is ok, changed or skipped. */
bool probe_runner_all_good(ProbeRunner *r);

/* Test hook: how many worker threads are still alive. */
unsigned __probe_runner_workers(ProbeRunner *r);
