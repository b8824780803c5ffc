/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Schedules probes on the event loop: ordering, timeouts, rounds and re-runs, the results. */
#include <stdio.h>
#include <time.h>

#include "runner-private.h"

void runner_kick(ProbeRunner *r)
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

void slot_report_static(ProbeRunner *r, size_t i, Verdict v, const char *summary)
{
        ProbeResult *res = result_new(v, strdup(summary), NULL, NULL, now_usec(CLOCK_REALTIME), 0);
        if (res)
                slot_store(r, i, res, false);
}

/* Ends a run: the slot forgets the context, the result is stored and announced. */
void context_finish(ProbeContext *c, Verdict v, char *summary, bool timed_out)
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

void probe_runner_dispatch(ProbeRunner *r)
{
        (void)on_schedule(r->defer, r);
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
                sd_event_source_disable_unref(s->rerun_timer);
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

void probe_runner_set_once(ProbeRunner *r, bool once)
{
        r->once = once;
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
