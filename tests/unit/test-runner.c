/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The probe runner keeps the probe contract: order, timeouts, exactly-once, work off the loop. */
#include <poll.h>
#include <time.h>

#include "runner.h"
#include "test-util.h"

/* What the fake probes and the callbacks saw, in order. */
static char events[4096];
static int contract_breaches, idle_calls, cancel_calls;

static void note(const char *fmt, const char *name)
{
        size_t n = strlen(events);
        snprintf(events + n, sizeof(events) - n, fmt, name);
}

static void cb_started(ProbeRunner *r, const char *probe, void *u)
{
        note("start:%s ", probe);
}
static void cb_reported(ProbeRunner *r, const char *probe, const ProbeResult *res, bool t, void *u)
{
        note("done:%s ", probe);
}
static void cb_contract(ProbeRunner *r, const char *probe, const char *text, void *u)
{
        contract_breaches++;
}
static void cb_idle(ProbeRunner *r, void *u)
{
        idle_calls++;
}

/* Runs the loop until the runner's round is over (the idle callback fired once more). */
static int run_round(sd_event *e)
{
        int target = idle_calls + 1, r;

        while (idle_calls < target) {
                r = sd_event_run(e, 10 * USEC_PER_SEC);
                if (r <= 0)
                        return r < 0 ? r : -ETIMEDOUT;
        }
        return 0;
}

static const ProbeRunnerCallbacks callbacks = {
        .started = cb_started,
        .reported = cb_reported,
        .contract = cb_contract,
        .idle = cb_idle,
};

/* --- fake probes --- */

static int later_fire(sd_event_source *s, uint64_t usec, void *ctx)
{
        probe_done(ctx, VERDICT_CHANGED, "made it right");
        sd_event_source_disable_unref(s);
        return 0;
}

static int run_later(ProbeContext *ctx)
{
        return sd_event_add_time_relative(probe_context_event(ctx), NULL, CLOCK_MONOTONIC,
                                          20 * USEC_PER_MSEC, 1, later_fire, ctx);
}

static int run_ok(ProbeContext *ctx)
{
        return probe_done(ctx, VERDICT_OK, "fine");
}

static int run_twice(ProbeContext *ctx)
{
        probe_done(ctx, VERDICT_OK, "first");
        return probe_done(ctx, VERDICT_FAILED, "second");
}

static int run_never(ProbeContext *ctx)
{
        return 0;
}

static void cancel_count(ProbeContext *ctx)
{
        cancel_calls++;
}

static int run_error(ProbeContext *ctx)
{
        return -ENODEV;
}

static int run_fail_errno(ProbeContext *ctx)
{
        return probe_fail(ctx, -EACCES, "Cannot open %s: %m", "/dev/thing");
}

static bool applies_never(const Board *b, const Config *c, const char **reason)
{
        *reason = "no such hardware on this board";
        return false;
}

static const ProbeOps p_a = {.name = "a", .run = run_later, .timeout_usec = 5 * USEC_PER_SEC};
static const ProbeOps p_b = {.name = "b",
                             .after = (const char *const[]){"a", NULL},
                             .run = run_ok,
                             .timeout_usec = 5 * USEC_PER_SEC};
static const ProbeOps p_c = {.name = "c",
                             .after = (const char *const[]){"b", NULL},
                             .run = run_ok,
                             .timeout_usec = 5 * USEC_PER_SEC};

static ProbeRunner *runner_for(sd_event *e, const ProbeOps *const *table)
{
        ProbeRunner *r = NULL;

        events[0] = 0;
        contract_breaches = idle_calls = cancel_calls = 0;
        ASSERT_INT_EQ(probe_runner_new(e, table, "/nonexistent-root", &r), 0);
        probe_runner_set_callbacks(r, &callbacks, e);
        return r;
}

static const ProbeResult *result_of(ProbeRunner *r, const char *name)
{
        for (size_t i = 0; i < probe_runner_count(r); i++)
                if (streq(probe_runner_name(r, i), name))
                        return probe_runner_result(r, i);
        return NULL;
}

static void test_after_orders_probes(void)
{
        /* Registered in reverse: the after= lists, not the table order, decide. */
        const ProbeOps *table[] = {&p_c, &p_b, &p_a, NULL};
        sd_event *e = NULL;
        ProbeRunner *r;

        sd_event_new(&e);
        r = runner_for(e, table);
        ASSERT_INT_EQ(probe_runner_start(r, NULL), 0);
        ASSERT_INT_EQ(run_round(e), 0);
        ASSERT_STR_EQ(events, "start:a done:a start:b done:b start:c done:c ");
        ASSERT_INT_EQ(result_of(r, "a")->verdict, VERDICT_CHANGED);
        ASSERT_STR_EQ(result_of(r, "a")->summary, "made it right");
        ASSERT_TRUE(result_of(r, "a")->duration_usec >= 20 * USEC_PER_MSEC);
        ASSERT_INT_EQ(idle_calls, 1);
        ASSERT_TRUE(probe_runner_all_good(r));
        probe_runner_free(r);
        sd_event_unref(e);
}

static void test_timeout_fails_and_cancels(void)
{
        static const ProbeOps p = {.name = "slow",
                                   .run = run_never,
                                   .cancel = cancel_count,
                                   .timeout_usec = 100 * USEC_PER_MSEC};
        const ProbeOps *table[] = {&p, NULL};
        sd_event *e = NULL;
        ProbeRunner *r;

        sd_event_new(&e);
        r = runner_for(e, table);
        probe_runner_start(r, NULL);
        ASSERT_INT_EQ(run_round(e), 0);
        ASSERT_INT_EQ(result_of(r, "slow")->verdict, VERDICT_FAILED);
        ASSERT_STR_EQ(result_of(r, "slow")->summary, "timed out after 100 ms");
        ASSERT_INT_EQ(cancel_calls, 1);
        ASSERT_FALSE(probe_runner_all_good(r));
        probe_runner_free(r);
        sd_event_unref(e);
}

static void test_second_report_is_ignored(void)
{
        static const ProbeOps p = {.name = "twice", .run = run_twice, .timeout_usec = USEC_PER_SEC};
        const ProbeOps *table[] = {&p, NULL};
        sd_event *e = NULL;
        ProbeRunner *r;

        sd_event_new(&e);
        r = runner_for(e, table);
        probe_runner_start(r, NULL);
        ASSERT_INT_EQ(run_round(e), 0);
        ASSERT_INT_EQ(result_of(r, "twice")->verdict, VERDICT_OK);
        ASSERT_STR_EQ(result_of(r, "twice")->summary, "first");
        ASSERT_INT_EQ(contract_breaches, 1);
        ASSERT_STR_EQ(events, "start:twice done:twice ");
        probe_runner_free(r);
        sd_event_unref(e);
}

static void test_errors_become_failed(void)
{
        static const ProbeOps p1 = {.name = "err", .run = run_error, .timeout_usec = USEC_PER_SEC};
        static const ProbeOps p2 = {
                .name = "errno", .run = run_fail_errno, .timeout_usec = USEC_PER_SEC};
        const ProbeOps *table[] = {&p1, &p2, NULL};
        json_object *v;
        sd_event *e = NULL;
        ProbeRunner *r;

        sd_event_new(&e);
        r = runner_for(e, table);
        probe_runner_start(r, NULL);
        ASSERT_INT_EQ(run_round(e), 0);
        ASSERT_INT_EQ(result_of(r, "err")->verdict, VERDICT_FAILED);
        ASSERT_STR_EQ(result_of(r, "err")->summary, strerror(ENODEV));
        ASSERT_STR_EQ(result_of(r, "errno")->summary, "Cannot open /dev/thing: Permission denied");
        ASSERT_TRUE(json_object_object_get_ex(result_of(r, "errno")->details, "errno", &v));
        ASSERT_INT_EQ(json_object_get_int(v), EACCES);
        probe_runner_free(r);
        sd_event_unref(e);
}

static void test_skips_say_why(void)
{
        static const ProbeOps p1 = {.name = "na", .applies = applies_never, .run = run_ok};
        static const ProbeOps p2 = {.name = "bluetooth", .run = run_ok};
        static const ProbeOps p3 = {.name = "other", .run = run_ok};
        const ProbeOps *table[] = {&p1, &p2, &p3, NULL};
        Config *c = NULL;
        sd_event *e = NULL;
        ProbeRunner *r;
        char *only[] = {"na", "bluetooth", NULL};

        sd_event_new(&e);
        ASSERT_INT_EQ(config_new_default(probe_table, &c), 0);
        ASSERT_INT_EQ(config_set(c, "Bluetooth", "Enable", "no", NULL), 0);
        r = runner_for(e, table);
        probe_runner_set_inputs(r, NULL, c);
        ASSERT_INT_EQ(probe_runner_start(r, only), 0);
        ASSERT_INT_EQ(run_round(e), 0);
        ASSERT_INT_EQ(result_of(r, "na")->verdict, VERDICT_SKIPPED);
        ASSERT_STR_EQ(result_of(r, "na")->summary, "no such hardware on this board");
        ASSERT_STR_EQ(result_of(r, "bluetooth")->summary,
                      "disabled by configuration ([Bluetooth] Enable=no)");
        ASSERT_STR_EQ(result_of(r, "other")->summary, "not selected (--only)");
        ASSERT_TRUE(probe_runner_all_good(r));
        /* A name that no probe has is refused before anything starts. */
        char *bad[] = {"nope", NULL};
        ASSERT_INT_EQ(probe_runner_start(r, bad), -ENOENT);

        /* Without --only, [Daemon] Probes= selects, and says so. */
        ASSERT_INT_EQ(config_set(c, "Daemon", "Probes", "bluetooth", NULL), 0);
        ASSERT_INT_EQ(config_set(c, "Bluetooth", "Enable", "", NULL), 0);
        probe_runner_set_inputs(r, NULL, c);
        ASSERT_INT_EQ(probe_runner_start(r, NULL), 0);
        ASSERT_INT_EQ(run_round(e), 0);
        ASSERT_STR_EQ(result_of(r, "na")->summary, "not selected ([Daemon] Probes=)");
        ASSERT_STR_EQ(result_of(r, "other")->summary, "not selected ([Daemon] Probes=)");
        ASSERT_INT_EQ(result_of(r, "bluetooth")->verdict, VERDICT_OK);

        /* The same decision, asked directly as `hwctl plan` asks it. */
        char *why = NULL;
        ASSERT_INT_EQ(probe_skip_reason(&p3, NULL, c, NULL, &why), 1);
        ASSERT_STR_EQ(why, "not selected ([Daemon] Probes=)");
        free(why);
        ASSERT_INT_EQ(probe_skip_reason(&p2, NULL, c, NULL, &why), 0);
        ASSERT_NULL(why);
        probe_runner_free(r);
        config_unref(c);
        sd_event_unref(e);
}

/* A run keeps the config it started under: a reload that drops the daemon's reference mid-run
 * must not free it under the probe (ASan sees the use after free if it does). */
static unsigned seen_volume;
static int later_read_config(sd_event_source *s, uint64_t usec, void *userdata)
{
        ProbeContext *ctx = userdata;
        json_object *audio = config_section_to_json(probe_context_config(ctx), "Audio"), *v;

        if (audio && json_object_object_get_ex(audio, "Volume", &v))
                seen_volume = (unsigned)json_object_get_int(v);
        json_object_put(audio);
        probe_done(ctx, VERDICT_OK, "read its config after a reload");
        sd_event_source_disable_unref(s);
        return 0;
}

static int run_reads_config_later(ProbeContext *ctx)
{
        return sd_event_add_time_relative(probe_context_event(ctx), NULL, CLOCK_MONOTONIC,
                                          20 * USEC_PER_MSEC, 1, later_read_config, ctx);
}

static void test_config_outlives_reload(void)
{
        static const ProbeOps p = {.name = "audio", .run = run_reads_config_later};
        const ProbeOps *table[] = {&p, NULL};
        Config *old = NULL, *new = NULL;
        sd_event *e = NULL;
        ProbeRunner *r;

        sd_event_new(&e);
        ASSERT_INT_EQ(config_new_default(probe_table, &old), 0);
        ASSERT_INT_EQ(config_set(old, "Audio", "Volume", "33", NULL), 0);
        ASSERT_INT_EQ(config_new_default(probe_table, &new), 0);
        r = runner_for(e, table);
        probe_runner_set_inputs(r, NULL, old);
        ASSERT_INT_EQ(probe_runner_start(r, NULL), 0);
        ASSERT_TRUE(sd_event_run(e, 0) > 0); /* the probe starts under the old config */
        ASSERT_TRUE(probe_runner_running(r, 0));
        /* The daemon's reload: the new config in, its own reference to the old one dropped. */
        probe_runner_set_inputs(r, NULL, new);
        config_unref(old);
        ASSERT_INT_EQ(run_round(e), 0);
        ASSERT_INT_EQ(seen_volume, 33);
        ASSERT_STR_EQ(result_of(r, "audio")->summary, "read its config after a reload");
        probe_runner_free(r);
        config_unref(new);
        sd_event_unref(e);
}

static void test_cycle_is_reported(void)
{
        static const char *const after_y[] = {"y", NULL}, *const after_x[] = {"x", NULL};
        static const ProbeOps x = {.name = "x", .after = after_y, .run = run_ok};
        static const ProbeOps y = {.name = "y", .after = after_x, .run = run_ok};
        const ProbeOps *table[] = {&x, &y, NULL};
        sd_event *e = NULL;
        ProbeRunner *r;

        sd_event_new(&e);
        r = runner_for(e, table);
        probe_runner_start(r, NULL);
        ASSERT_INT_EQ(run_round(e), 0);
        ASSERT_INT_EQ(result_of(r, "x")->verdict, VERDICT_FAILED);
        ASSERT_STR_CONTAINS(result_of(r, "y")->summary, "cycle");
        probe_runner_free(r);
        sd_event_unref(e);
}

/* --- blocking work --- */

/* The worker blocks on this pipe until the event loop (or the test) writes to it, so what the
 * tests prove does not depend on how fast this machine is. */
static int gate[2] = {-1, -1};
static int ticks_during_work;

static int gated_work(void *userdata)
{
        struct pollfd p = {.fd = gate[0], .events = POLLIN};
        char c;

        if (poll(&p, 1, 10000) != 1)
                return -ETIMEDOUT; /* the loop never ran while we waited */
        return read(gate[0], &c, 1) == 1 ? 42 : -EIO;
}

static void gated_done(ProbeContext *ctx, int result, void *userdata)
{
        probe_done(ctx, result == 42 ? VERDICT_CHANGED : VERDICT_FAILED, "work returned %d",
                   result);
}

static int run_blocking(ProbeContext *ctx)
{
        return probe_run_blocking(ctx, gated_work, gated_done, NULL);
}

/* Three ticks of the loop while the worker is blocked, then let it go. */
static int tick(sd_event_source *s, uint64_t usec, void *userdata)
{
        if (++ticks_during_work == 3) {
                (void)!write(gate[1], "x", 1);
                return sd_event_source_set_enabled(s, SD_EVENT_OFF);
        }
        return sd_event_source_set_time_relative(s, USEC_PER_MSEC);
}

static void test_blocking_work_keeps_loop_live(void)
{
        static const ProbeOps p = {
                .name = "resize", .run = run_blocking, .timeout_usec = 60 * USEC_PER_SEC};
        const ProbeOps *table[] = {&p, NULL};
        sd_event_source *t = NULL;
        sd_event *e = NULL;
        ProbeRunner *r;

        ticks_during_work = 0;
        ASSERT_INT_EQ(pipe(gate), 0);
        sd_event_new(&e);
        sd_event_add_time_relative(e, &t, CLOCK_MONOTONIC, USEC_PER_MSEC, 1, tick, NULL);
        sd_event_source_set_enabled(t, SD_EVENT_ON);
        r = runner_for(e, table);
        probe_runner_start(r, NULL);
        ASSERT_INT_EQ(run_round(e), 0);
        /* The worker only returns 42 if the loop ticked while it was blocked. */
        ASSERT_STR_EQ(result_of(r, "resize")->summary, "work returned 42");
        ASSERT_INT_EQ(ticks_during_work, 3);
        ASSERT_INT_EQ(__probe_runner_workers(r), 0);
        sd_event_source_disable_unref(t);
        probe_runner_free(r);
        sd_event_unref(e);
        close(gate[0]);
        close(gate[1]);
}

static void timeout_cancel_noop(ProbeContext *ctx)
{
        cancel_calls++;
}

static void test_timeout_during_blocking_work(void)
{
        static const ProbeOps p = {.name = "stuck",
                                   .run = run_blocking,
                                   .cancel = timeout_cancel_noop,
                                   .timeout_usec = 50 * USEC_PER_MSEC};
        const ProbeOps *table[] = {&p, NULL};
        sd_event *e = NULL;
        ProbeRunner *r;

        ASSERT_INT_EQ(pipe(gate), 0);
        sd_event_new(&e);
        r = runner_for(e, table);
        probe_runner_start(r, NULL);
        ASSERT_INT_EQ(run_round(e), 0);
        ASSERT_STR_EQ(result_of(r, "stuck")->summary, "timed out after 50 ms");
        ASSERT_INT_EQ(cancel_calls, 1);
        /* The worker is still blocked: the timeout did not wait for it. */
        ASSERT_INT_EQ(__probe_runner_workers(r), 1);
        /* Let it finish; its late report must not replace the timeout. */
        (void)!write(gate[1], "x", 1);
        while (__probe_runner_workers(r) > 0)
                ASSERT_TRUE(sd_event_run(e, 10 * USEC_PER_SEC) > 0);
        ASSERT_STR_EQ(result_of(r, "stuck")->summary, "timed out after 50 ms");
        ASSERT_INT_EQ(contract_breaches, 0);
        probe_runner_free(r);
        sd_event_unref(e);
        close(gate[0]);
        close(gate[1]);
}

static void test_rerun(void)
{
        const ProbeOps *table[] = {&p_a, NULL};
        sd_event *e = NULL;
        ProbeRunner *r;

        sd_event_new(&e);
        r = runner_for(e, table);
        probe_runner_start(r, NULL);
        ASSERT_INT_EQ(probe_runner_rerun(r, "a"), -EBUSY);
        ASSERT_INT_EQ(probe_runner_rerun(r, "zzz"), -ENOENT);
        ASSERT_INT_EQ(run_round(e), 0);
        ASSERT_INT_EQ(probe_runner_rerun(r, "a"), 0);
        ASSERT_TRUE(probe_runner_running(r, 0));
        ASSERT_INT_EQ(run_round(e), 0);
        ASSERT_STR_EQ(events, "start:a done:a start:a done:a ");
        ASSERT_INT_EQ(idle_calls, 2);
        probe_runner_free(r);
        sd_event_unref(e);
}

static int run_paths(ProbeContext *ctx)
{
        _cleanup_free_ char *a = probe_context_path(ctx, PROBE_PATH_SYS, "class/tty");
        _cleanup_free_ char *b = probe_context_path(ctx, PROBE_PATH_VAR_LIB, NULL);
        _cleanup_free_ char *c = probe_context_path(ctx, PROBE_PATH_DEV, "ttyAMA0");
        return probe_done(ctx, VERDICT_OK, "%s %s %s", a, b, c);
}

static void test_probe_paths_follow_sysroot(void)
{
        static const ProbeOps p = {.name = "paths", .run = run_paths};
        const ProbeOps *table[] = {&p, NULL};
        sd_event *e = NULL;
        ProbeRunner *r;

        sd_event_new(&e);
        r = runner_for(e, table);
        probe_runner_start(r, NULL);
        ASSERT_INT_EQ(run_round(e), 0);
        ASSERT_STR_EQ(result_of(r, "paths")->summary,
                      "/nonexistent-root/sys/class/tty /nonexistent-root/var/lib/hwctl "
                      "/nonexistent-root/dev/ttyAMA0");
        probe_runner_free(r);
        sd_event_unref(e);
}

/* --- handles: state that outlives a run, runs on request, longer timeouts --- */

static int states_freed, runs_of_watcher, extends_seen;

static void free_counted(void *state)
{
        states_freed++;
        free(state);
}

static int run_watcher(ProbeContext *ctx)
{
        ProbeHandle *h = probe_context_handle(ctx);

        runs_of_watcher++;
        if (!probe_handle_get_state(h))
                probe_handle_set_state(h, strdup("netlink subscription"), free_counted);
        if (runs_of_watcher == 1)
                /* An event arrives while this run is still going: one more run, not lost. */
                probe_handle_request_run(h);
        return probe_done(ctx, VERDICT_OK, "run %d", runs_of_watcher);
}

static void cb_extend(ProbeRunner *r, const char *probe, uint64_t usec, void *u)
{
        extends_seen++;
}

static void test_handle_state_and_requested_runs(void)
{
        static const ProbeOps p = {
                .name = "watch", .run = run_watcher, .timeout_usec = USEC_PER_SEC};
        const ProbeOps *table[] = {&p, NULL};
        sd_event *e = NULL;
        ProbeRunner *r;

        states_freed = runs_of_watcher = 0;
        sd_event_new(&e);
        r = runner_for(e, table);
        probe_runner_start(r, NULL);
        ASSERT_INT_EQ(run_round(e), 0);
        ASSERT_INT_EQ(runs_of_watcher, 2);
        ASSERT_STR_EQ(result_of(r, "watch")->summary, "run 2");
        ASSERT_INT_EQ(states_freed, 0);
        probe_runner_free(r);
        ASSERT_INT_EQ(states_freed, 1); /* held until the runner goes, then released once */
        sd_event_unref(e);
}

/* A burst of events asking for a later run: one run, after the last of them. */
static int runs_of_burst;

static int run_burst(ProbeContext *ctx)
{
        ProbeHandle *h = probe_context_handle(ctx);

        runs_of_burst++;
        if (runs_of_burst == 1)
                for (int i = 0; i < 3; i++)
                        ASSERT_INT_EQ(probe_handle_request_run_after(h, 100 * USEC_PER_MSEC), 0);
        return probe_done(ctx, VERDICT_OK, "run %d", runs_of_burst);
}

static void test_requested_run_after_a_delay(void)
{
        static const ProbeOps p = {.name = "burst", .run = run_burst, .timeout_usec = USEC_PER_SEC};
        const ProbeOps *table[] = {&p, NULL};
        sd_event *e = NULL;
        ProbeRunner *r;
        uint64_t t0;

        runs_of_burst = 0;
        sd_event_new(&e);
        r = runner_for(e, table);
        probe_runner_start(r, NULL);
        ASSERT_INT_EQ(run_round(e), 0);
        ASSERT_INT_EQ(runs_of_burst, 1); /* the delayed run is not part of the round */
        t0 = now_usec(CLOCK_MONOTONIC);
        ASSERT_INT_EQ(run_round(e), 0);
        ASSERT_INT_EQ(runs_of_burst, 2);
        ASSERT_TRUE(now_usec(CLOCK_MONOTONIC) - t0 >= 90 * USEC_PER_MSEC);
        t0 = now_usec(CLOCK_MONOTONIC); /* and no third */
        while (now_usec(CLOCK_MONOTONIC) - t0 < 300 * USEC_PER_MSEC)
                ASSERT_TRUE(sd_event_run(e, 50 * USEC_PER_MSEC) >= 0);
        ASSERT_INT_EQ(runs_of_burst, 2);
        probe_runner_free(r);
        sd_event_unref(e);
}

static int extend_fire(sd_event_source *s, uint64_t usec, void *ctx)
{
        probe_done(ctx, VERDICT_CHANGED, "grew");
        sd_event_source_disable_unref(s);
        return 0;
}

static int run_long(ProbeContext *ctx)
{
        ASSERT_INT_EQ(probe_extend_timeout(ctx, 10 * USEC_PER_SEC), 0);
        return sd_event_add_time_relative(probe_context_event(ctx), NULL, CLOCK_MONOTONIC,
                                          200 * USEC_PER_MSEC, 1, extend_fire, ctx);
}

static void test_extend_timeout(void)
{
        static const ProbeOps p = {
                .name = "long", .run = run_long, .timeout_usec = 20 * USEC_PER_MSEC};
        const ProbeOps *table[] = {&p, NULL};
        ProbeRunnerCallbacks cb = callbacks;
        sd_event *e = NULL;
        ProbeRunner *r;

        extends_seen = 0;
        cb.extend = cb_extend;
        sd_event_new(&e);
        r = runner_for(e, table);
        probe_runner_set_callbacks(r, &cb, e);
        probe_runner_start(r, NULL);
        ASSERT_INT_EQ(run_round(e), 0);
        /* Without the extension the 20 ms timeout would have failed it. */
        ASSERT_STR_EQ(result_of(r, "long")->summary, "grew");
        ASSERT_INT_EQ(extends_seen, 1);
        probe_runner_free(r);
        sd_event_unref(e);
}

int main(void)
{
        TEST_RUN(test_after_orders_probes);
        TEST_RUN(test_timeout_fails_and_cancels);
        TEST_RUN(test_second_report_is_ignored);
        TEST_RUN(test_errors_become_failed);
        TEST_RUN(test_skips_say_why);
        TEST_RUN(test_config_outlives_reload);
        TEST_RUN(test_cycle_is_reported);
        TEST_RUN(test_blocking_work_keeps_loop_live);
        TEST_RUN(test_timeout_during_blocking_work);
        TEST_RUN(test_rerun);
        TEST_RUN(test_probe_paths_follow_sysroot);
        TEST_RUN(test_handle_state_and_requested_runs);
        TEST_RUN(test_requested_run_after_a_delay);
        TEST_RUN(test_extend_timeout);
        return test_exit();
}
