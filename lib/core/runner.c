/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs probes on the event loop: ordering, timeouts, exactly-once reports, worker threads. */
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <time.h>

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
        ProbeContext *ctx;  /* while running */
        bool scheduled;     /* waiting for its turn in this round */
        bool rerun_pending; /* asked to run again while running */
        void *state;        /* what the probe holds between runs */
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
};

static ProbeContext *context_ref(ProbeContext *c)
{
        c->n_ref++;
        return c;
}

static ProbeContext *context_unref(ProbeContext *c)
{
        if (!c || --c->n_ref > 0)
                return NULL;
        sd_event_source_disable_unref(c->timeout_source);
        config_unref(c->config);
        json_object_put(c->details);
        free(c->remedy);
        free(c);
        return NULL;
}

static void runner_kick(ProbeRunner *r)
{
        if (r->defer)
                sd_event_source_set_enabled(r->defer, SD_EVENT_ONESHOT);
}

static void slot_store(ProbeRunner *r, size_t i, ProbeResult *res, bool timed_out)
{
        Slot *s = &r->slots[i];

        probe_result_free(s->result);
        s->result = res;
        if (r->cb.reported)
                r->cb.reported(r, s->ops->name, res, timed_out, r->userdata);
}

static ProbeResult *result_new(Verdict v, char *summary, char *remedy, json_object *details,
                               uint64_t started, uint64_t duration)
{
        ProbeResult *res = calloc(1, sizeof(*res));

        if (!res) {
                free(summary);
                free(remedy);
                json_object_put(details);
                return NULL;
        }
        res->verdict = v;
        res->summary = summary ? summary : strdup("");
        res->remedy = remedy;
        res->details = details ? details : json_object_new_object();
        res->started_usec = started;
        res->duration_usec = duration;
        return res;
}

static void slot_report_static(ProbeRunner *r, size_t i, Verdict v, const char *summary)
{
        ProbeResult *res = result_new(v, strdup(summary), NULL, NULL, now_usec(CLOCK_REALTIME), 0);
        if (res)
                slot_store(r, i, res, false);
}

/* Ends a run: the slot forgets the context, the result is stored and announced. */
static void context_finish(ProbeContext *c, Verdict v, char *summary, bool timed_out)
{
        ProbeRunner *r = c->runner;
        size_t index = c->index;
        Slot *s = &r->slots[index];
        ProbeResult *res;

        sd_event_source_set_enabled(c->timeout_source, SD_EVENT_OFF);
        res = result_new(v, summary, TAKE_PTR(c->remedy), TAKE_PTR(c->details), c->started_realtime,
                         now_usec(CLOCK_MONOTONIC) - c->started_monotonic);
        /* This may free c: nothing below touches it. */
        if (s->ctx == c) {
                s->ctx = NULL;
                context_unref(c);
        }
        if (res)
                slot_store(r, index, res, timed_out);
        if (s->rerun_pending) {
                s->rerun_pending = false;
                s->scheduled = true;
                r->round_active = true;
        }
        runner_kick(r);
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        ProbeContext *c = userdata;
        uint64_t t = c->ops->timeout_usec;
        char *summary;

        if (c->reported || c->cancelled)
                return 0;
        c->cancelled = true;
        context_ref(c);
        if (c->ops->cancel)
                c->ops->cancel(c);
        if (t % USEC_PER_SEC == 0)
                summary = strdup_printf("timed out after %llu s",
                                        (unsigned long long)(t / USEC_PER_SEC));
        else if (t < USEC_PER_SEC)
                summary = strdup_printf("timed out after %llu ms",
                                        (unsigned long long)(t / USEC_PER_MSEC));
        else
                summary = strdup_printf("timed out after %.1f s", (double)t / USEC_PER_SEC);
        context_finish(c, VERDICT_FAILED, summary, true);
        context_unref(c);
        return 0;
}

static uint64_t probe_timeout(ProbeRunner *r, const ProbeOps *ops)
{
        if (config_daemon_probe_timeout(r->config) > 0)
                return config_daemon_probe_timeout(r->config);
        return ops->timeout_usec;
}

static void slot_start(ProbeRunner *r, size_t i)
{
        Slot *s = &r->slots[i];
        _cleanup_free_ char *reason = NULL;
        ProbeContext *c;
        uint64_t timeout;
        int k;

        s->scheduled = false;
        k = probe_skip_reason(s->ops, r->board, r->config, r->only, &reason);
        if (k < 0) {
                slot_report_static(r, i, VERDICT_FAILED, "out of memory");
                return;
        }
        if (k > 0) {
                slot_report_static(r, i, VERDICT_SKIPPED, reason);
                return;
        }

        c = calloc(1, sizeof(*c));
        if (!c) {
                slot_report_static(r, i, VERDICT_FAILED, "out of memory");
                return;
        }
        c->n_ref = 1;
        c->runner = r;
        c->index = i;
        c->ops = s->ops;
        c->board = r->board;
        c->config = config_ref(r->config);
        c->details = json_object_new_object();
        c->started_realtime = now_usec(CLOCK_REALTIME);
        /* The loop's own clock, which relative timers are measured from too, so a probe that
         * waits for a timer of N ms never reports a duration shorter than N ms. */
        if (sd_event_now(r->event, CLOCK_MONOTONIC, &c->started_monotonic) < 0)
                c->started_monotonic = now_usec(CLOCK_MONOTONIC);
        s->ctx = c;

        timeout = probe_timeout(r, s->ops);
        if (timeout > 0) {
                c->ops = s->ops;
                k = sd_event_add_time_relative(r->event, &c->timeout_source, CLOCK_MONOTONIC,
                                               timeout, USEC_PER_MSEC, on_timeout, c);
                if (k < 0) {
                        probe_fail(c, k, "Cannot arm the probe's timeout: %m");
                        return;
                }
        }
        if (r->cb.started)
                r->cb.started(r, s->ops->name, r->userdata);

        context_ref(c);
        k = s->ops->run(c);
        if (k < 0 && !c->reported && !c->cancelled)
                probe_fail(c, k, "%m");
        context_unref(c);
}

static ssize_t slot_index(ProbeRunner *r, const char *name)
{
        for (size_t i = 0; i < r->n_slots; i++)
                if (streq(r->slots[i].ops->name, name))
                        return (ssize_t)i;
        return -1;
}

static bool slot_ready(ProbeRunner *r, size_t i)
{
        const char *const *after = r->slots[i].ops->after;

        for (; after && *after; after++) {
                ssize_t j = slot_index(r, *after);
                if (j >= 0 && (r->slots[j].scheduled || r->slots[j].ctx))
                        return false;
        }
        return true;
}

static int on_schedule(sd_event_source *s, void *userdata)
{
        ProbeRunner *r = userdata;
        bool started, any_running = false, any_waiting = false;

        do {
                started = false;
                for (size_t i = 0; i < r->n_slots; i++)
                        if (r->slots[i].scheduled && !r->slots[i].ctx && slot_ready(r, i)) {
                                slot_start(r, i);
                                started = true;
                        }
        } while (started);

        for (size_t i = 0; i < r->n_slots; i++) {
                any_running |= r->slots[i].ctx != NULL;
                any_waiting |= r->slots[i].scheduled;
        }
        if (any_waiting && !any_running) {
                /* Nothing runs and nothing can start: the after= lists form a cycle. */
                for (size_t i = 0; i < r->n_slots; i++)
                        if (r->slots[i].scheduled) {
                                r->slots[i].scheduled = false;
                                slot_report_static(r, i, VERDICT_FAILED,
                                                   "not run: its after= ordering forms a cycle");
                        }
        }
        if (!any_running && r->round_active) {
                r->round_active = false;
                if (r->cb.idle)
                        r->cb.idle(r, r->userdata);
        }
        return 0;
}

int probe_runner_new(sd_event *event, const ProbeOps *const *table, const char *sysroot,
                     ProbeRunner **ret)
{
        _cleanup_(probe_runner_freep) ProbeRunner *r = NULL;
        size_t n = 0;
        int k;

        while (table[n])
                n++;
        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->event = sd_event_ref(event);
        r->sysroot = strdup(sysroot ? sysroot : "/");
        r->slots = calloc(n ? n : 1, sizeof(Slot));
        if (!r->sysroot || !r->slots)
                return -ENOMEM;
        r->n_slots = n;
        for (size_t i = 0; i < n; i++) {
                r->slots[i].runner = r;
                r->slots[i].ops = table[i];
        }
        k = sd_event_add_defer(event, &r->defer, on_schedule, r);
        if (k < 0)
                return k;
        sd_event_source_set_enabled(r->defer, SD_EVENT_OFF);
        *ret = TAKE_PTR(r);
        return 0;
}

static void work_release(Work *w)
{
        ProbeRunner *r = w->runner;

        for (Work **p = &r->works; *p; p = &(*p)->next)
                if (*p == w) {
                        *p = w->next;
                        break;
                }
        r->n_workers--;
        sd_event_source_disable_unref(w->source);
        close(w->pipe[0]);
        close(w->pipe[1]);
        context_unref(w->ctx);
        free(w);
}

ProbeRunner *probe_runner_free(ProbeRunner *r)
{
        if (!r)
                return NULL;
        probe_runner_cancel_all(r);
        /* Blocking work cannot be interrupted; wait for it so nothing touches freed memory. */
        while (r->works) {
                Work *w = r->works;
                pthread_join(w->thread, NULL);
                work_release(w);
        }
        for (size_t i = 0; i < r->n_slots; i++) {
                Slot *s = &r->slots[i];
                probe_result_free(s->result);
                context_unref(s->ctx);
                /* What a probe holds (line requests, a tty, netlink) is released last. */
                if (s->state && s->free_state)
                        s->free_state(s->state);
        }
        free(r->slots);
        sd_event_source_disable_unref(r->defer);
        sd_event_unref(r->event);
        free(r->sysroot);
        strv_free(r->only);
        config_unref(r->config);
        free(r);
        return NULL;
}

void probe_runner_set_callbacks(ProbeRunner *r, const ProbeRunnerCallbacks *cb, void *userdata)
{
        r->cb = *cb;
        r->userdata = userdata;
}

void probe_runner_set_inputs(ProbeRunner *r, const Board *board, const Config *config)
{
        r->board = board;
        config_unref(r->config);
        r->config = config_ref(config);
}

int probe_runner_start(ProbeRunner *r, char *const *only)
{
        char **copy = NULL;

        STRV_FOREACH (n, only)
                if (slot_index(r, *n) < 0)
                        return -ENOENT;
        if (only) {
                copy = strv_copy(only);
                if (!copy)
                        return -ENOMEM;
        }
        strv_free(r->only);
        r->only = copy;
        for (size_t i = 0; i < r->n_slots; i++) {
                Slot *s = &r->slots[i];
                if (!s->ctx)
                        s->scheduled = true;
        }
        r->round_active = true;
        runner_kick(r);
        return 0;
}

int probe_runner_rerun(ProbeRunner *r, const char *name)
{
        ssize_t i = slot_index(r, name);

        if (i < 0)
                return -ENOENT;
        if (r->slots[i].ctx || r->slots[i].scheduled)
                return -EBUSY;
        r->slots[i].scheduled = true;
        r->round_active = true;
        runner_kick(r);
        return 0;
}

void probe_runner_cancel_all(ProbeRunner *r)
{
        for (size_t i = 0; i < r->n_slots; i++) {
                Slot *s = &r->slots[i];
                ProbeContext *c = s->ctx;

                s->scheduled = false;
                if (!c)
                        continue;
                c->cancelled = true;
                sd_event_source_set_enabled(c->timeout_source, SD_EVENT_OFF);
                if (c->ops->cancel)
                        c->ops->cancel(c);
                s->ctx = NULL;
                context_unref(c);
        }
}

bool probe_runner_is_idle(ProbeRunner *r)
{
        for (size_t i = 0; i < r->n_slots; i++)
                if (r->slots[i].ctx || r->slots[i].scheduled)
                        return false;
        return true;
}

size_t probe_runner_count(ProbeRunner *r)
{
        return r->n_slots;
}

const char *probe_runner_name(ProbeRunner *r, size_t i)
{
        return i < r->n_slots ? r->slots[i].ops->name : NULL;
}

const ProbeResult *probe_runner_result(ProbeRunner *r, size_t i)
{
        return i < r->n_slots ? r->slots[i].result : NULL;
}

bool probe_runner_running(ProbeRunner *r, size_t i)
{
        return i < r->n_slots && (r->slots[i].ctx || r->slots[i].scheduled);
}

bool probe_runner_all_good(ProbeRunner *r)
{
        for (size_t i = 0; i < r->n_slots; i++)
                if (r->slots[i].result && !verdict_is_good(r->slots[i].result->verdict))
                        return false;
        return true;
}

unsigned __probe_runner_workers(ProbeRunner *r)
{
        return r->n_workers;
}

/* --- The handle, for what outlives one run --- */

ProbeHandle *probe_context_handle(ProbeContext *ctx)
{
        return (ProbeHandle *)&ctx->runner->slots[ctx->index];
}

void *probe_handle_get_state(ProbeHandle *h)
{
        return h->slot.state;
}

void probe_handle_set_state(ProbeHandle *h, void *state, void (*free_state)(void *state))
{
        h->slot.state = state;
        h->slot.free_state = free_state;
}

sd_event *probe_handle_event(ProbeHandle *h)
{
        return h->slot.runner->event;
}

const char *probe_handle_sysroot(ProbeHandle *h)
{
        return h->slot.runner->sysroot;
}

int probe_handle_request_run(ProbeHandle *h)
{
        Slot *s = &h->slot;
        ProbeRunner *r = s->runner;

        if (s->ctx) {
                s->rerun_pending = true; /* once more after this run reports */
                return 0;
        }
        if (s->scheduled)
                return 0;
        s->scheduled = true;
        r->round_active = true;
        runner_kick(r);
        return 0;
}

/* --- The context, as a probe sees it --- */

const Board *probe_context_board(ProbeContext *ctx)
{
        return ctx->board;
}

const Config *probe_context_config(ProbeContext *ctx)
{
        return ctx->config;
}

sd_event *probe_context_event(ProbeContext *ctx)
{
        return ctx->runner->event;
}

const char *probe_context_name(ProbeContext *ctx)
{
        return ctx->ops->name;
}

bool probe_context_cancelled(ProbeContext *ctx)
{
        return ctx->cancelled;
}

char *probe_context_path(ProbeContext *ctx, ProbePath which, const char *relative)
{
        static const char *const base[_PROBE_PATH_MAX] = {
                [PROBE_PATH_PROC] = "proc", [PROBE_PATH_SYS] = "sys",
                [PROBE_PATH_DEV] = "dev",   [PROBE_PATH_ETC] = "etc",
                [PROBE_PATH_RUN] = "run",   [PROBE_PATH_VAR_LIB] = "var/lib/hwctl",
        };
        _cleanup_free_ char *rel = NULL;

        if (which < 0 || which >= _PROBE_PATH_MAX)
                return NULL;
        rel = strdup_printf("%s/%s", base[which], relative ? relative : "");
        if (!rel)
                return NULL;
        if (!relative || !*relative)
                rel[strlen(rel) - 1] = 0;
        return path_join_root(ctx->runner->sysroot, rel);
}

void probe_context_set_userdata(ProbeContext *ctx, void *userdata)
{
        ctx->userdata = userdata;
}

void *probe_context_get_userdata(ProbeContext *ctx)
{
        return ctx->userdata;
}

json_object *probe_context_details(ProbeContext *ctx)
{
        if (!ctx->details)
                ctx->details = json_object_new_object();
        return ctx->details;
}

void probe_set_remedy(ProbeContext *ctx, const char *fmt, ...)
{
        va_list ap;
        char *s;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        free(ctx->remedy);
        ctx->remedy = s;
}

int probe_extend_timeout(ProbeContext *ctx, uint64_t usec)
{
        ProbeRunner *r = ctx->runner;
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        int k;

        if (ctx->reported || ctx->cancelled)
                return -ESTALE;
        if (ctx->timeout_source) {
                k = sd_event_source_set_time(ctx->timeout_source, now + usec);
                if (k < 0)
                        return k;
        }
        if (r->cb.extend)
                r->cb.extend(r, ctx->ops->name, usec, r->userdata);
        return 0;
}

void probe_progress(ProbeContext *ctx, const char *fmt, ...)
{
        ProbeRunner *r = ctx->runner;
        va_list ap;
        char *s;

        if (ctx->reported || ctx->cancelled || !r->cb.progress)
                return;
        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        if (s)
                r->cb.progress(r, ctx->ops->name, s, r->userdata);
        free(s);
}

/* Accepts the one report of a run; anything else is a contract breach or a late report. */
static bool context_accepts_report(ProbeContext *ctx, const char *summary)
{
        ProbeRunner *r = ctx->runner;

        if (ctx->cancelled)
                return false; /* the timeout or shutdown already decided */
        if (ctx->reported) {
                if (r->cb.contract) {
                        _cleanup_free_ char *t = strdup_printf(
                                "probe reported twice; ignoring the second report (\"%s\")",
                                strna(summary));
                        r->cb.contract(r, ctx->ops->name, t ? t : "probe reported twice",
                                       r->userdata);
                }
                return false;
        }
        ctx->reported = true;
        return true;
}

int probe_done(ProbeContext *ctx, Verdict v, const char *fmt, ...)
{
        va_list ap;
        char *s;

        va_start(ap, fmt);
        s = strdup_vprintf_errno(0, fmt, ap);
        va_end(ap);
        if (!context_accepts_report(ctx, s)) {
                free(s);
                return 0;
        }
        if (v < 0 || v >= _VERDICT_MAX)
                v = VERDICT_FAILED;
        context_finish(ctx, v, s, false);
        return 0;
}

int probe_fail(ProbeContext *ctx, int error, const char *fmt, ...)
{
        va_list ap;
        char *s;

        va_start(ap, fmt);
        s = strdup_vprintf_errno(error, fmt, ap);
        va_end(ap);
        if (!context_accepts_report(ctx, s)) {
                free(s);
                return 0;
        }
        if (error != 0)
                json_object_object_add(probe_context_details(ctx), "errno",
                                       json_object_new_int(error < 0 ? -error : error));
        context_finish(ctx, VERDICT_FAILED, s, false);
        return 0;
}

/* --- Blocking work off the loop --- */

static void *work_thread(void *userdata)
{
        Work *w = userdata;
        char c = 1;

        w->result = w->work(w->userdata);
        while (write(w->pipe[1], &c, 1) < 0 && errno == EINTR)
                ;
        return NULL;
}

static int on_work_done(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Work *w = userdata;
        char c;

        (void)!read(fd, &c, 1);
        pthread_join(w->thread, NULL);
        /* Called even after a timeout so the probe can free what the work used; reports
         * from a cancelled context are dropped. */
        w->done(w->ctx, w->result, w->userdata);
        work_release(w);
        return 0;
}

int probe_run_blocking(ProbeContext *ctx, ProbeWorkFunc work, ProbeWorkDone done, void *userdata)
{
        ProbeRunner *r = ctx->runner;
        Work *w;
        int k;

        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        if (pipe2(w->pipe, O_CLOEXEC) < 0) {
                free(w);
                return -errno;
        }
        w->runner = r;
        w->ctx = context_ref(ctx);
        w->work = work;
        w->done = done;
        w->userdata = userdata;
        w->next = r->works;
        r->works = w;
        r->n_workers++;
        k = sd_event_add_io(r->event, &w->source, w->pipe[0], EPOLLIN, on_work_done, w);
        if (k < 0) {
                work_release(w);
                return k;
        }
        k = pthread_create(&w->thread, NULL, work_thread, w);
        if (k != 0) {
                work_release(w);
                return -k;
        }
        return 0;
}
