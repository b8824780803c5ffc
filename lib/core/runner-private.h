/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the runner's three parts share: scheduling (runner.c), the probe-facing context and
 * handle API (context.c) and worker threads (worker.c). Not for probes. */
#pragma once

#include <pthread.h>

#include "runner.h"

struct ProbeContext {
        unsigned n_ref;
        ProbeRunner *runner;
        size_t index;
        const ProbeOps *ops;
        const Board *board;
        const Config *config;
        void *userdata;
        json_object *details;
        char *remedy;
        uint64_t started_realtime;
        uint64_t started_monotonic;
        bool reported;
        bool cancelled;
        sd_event_source *timeout_source;
};

/* One per probe for the runner's whole life; probes see it as their ProbeHandle. */
typedef struct Slot {
        ProbeRunner *runner;
        const ProbeOps *ops;
        ProbeResult *result;
        ProbeContext *ctx;            /* while running */
        bool scheduled;               /* waiting for its turn in this round */
        bool rerun_pending;           /* asked to run again while running */
        sd_event_source *rerun_timer; /* probe_handle_request_run_after() */
        void *state;                  /* what the probe holds between runs */
        void (*free_state)(void *state);
} Slot;

struct ProbeHandle {
        Slot slot;
};

typedef struct Work {
        ProbeRunner *runner;
        ProbeContext *ctx;
        ProbeWorkFunc work;
        ProbeWorkDone done;
        void *userdata;
        int pipe[2];
        pthread_t thread;
        int result;
        sd_event_source *source;
        struct Work *next;
} Work;

struct ProbeRunner {
        sd_event *event;
        char *sysroot;
        Slot *slots;
        size_t n_slots;
        const Board *board;
        const Config *config; /* a reference */
        char **only;          /* --only: the probes this round runs; NULL for all */
        ProbeRunnerCallbacks cb;
        void *userdata;
        sd_event_source *defer;
        Work *works;
        unsigned n_workers;
        bool round_active;
        bool once; /* hwctld --once */
};

ProbeContext *context_ref(ProbeContext *c);
ProbeContext *context_unref(ProbeContext *c);
/* Schedules the loop's next look at what can start. */
void runner_kick(ProbeRunner *r);
/* Ends a run: the slot forgets the context, the result is stored and announced. May free c. */
void context_finish(ProbeContext *c, Verdict v, char *summary, bool timed_out);
/* Stores a result for a probe that did not run (skipped, or failed before starting). */
void slot_report_static(ProbeRunner *r, size_t i, Verdict v, const char *summary);
/* Forgets a finished worker: its thread has been joined. */
void work_release(Work *w);
