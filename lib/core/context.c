/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a running probe sees: its context (inputs, paths, details, exactly-once reports) and its
 * handle (what outlives one run). */
#include <stdarg.h>
#include <stdio.h>

#include "runner-private.h"

ProbeContext *context_ref(ProbeContext *c)
{
        c->n_ref++;
        return c;
}

ProbeContext *context_unref(ProbeContext *c)
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

bool probe_handle_once(ProbeHandle *h)
{
        return h->slot.runner->once;
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

static int on_rerun_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
        (void)src;
        (void)usec;
        return probe_handle_request_run(userdata);
}

int probe_handle_request_run_after(ProbeHandle *h, uint64_t delay_usec)
{
        Slot *s = &h->slot;
        int r;

        if (s->rerun_timer)
                r = sd_event_source_set_time_relative(s->rerun_timer, delay_usec);
        else
                r = sd_event_add_time_relative(s->runner->event, &s->rerun_timer, CLOCK_MONOTONIC,
                                               delay_usec, 10 * USEC_PER_MSEC, on_rerun_timer, h);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(s->rerun_timer, SD_EVENT_ONESHOT);
}

int probe_handle_watch_devices(ProbeHandle *h, const char *const *subsystems,
                               sd_device_monitor_handler_t handler, void *userdata,
                               sd_device_monitor **ret)
{
        sd_device_monitor *m = NULL;
        int r;

        r = sd_device_monitor_new(&m);
        for (size_t i = 0; r >= 0 && subsystems[i]; i++)
                r = sd_device_monitor_filter_add_match_subsystem_devtype(m, subsystems[i], NULL);
        if (r >= 0)
                r = sd_device_monitor_attach_event(m, h->slot.runner->event);
        if (r >= 0)
                r = sd_device_monitor_start(m, handler, userdata);
        if (r < 0) {
                sd_device_monitor_unref(m);
                return r;
        }
        *ret = m;
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
