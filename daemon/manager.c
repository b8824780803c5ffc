/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hwctld's manager: loads config, detects the board, runs probes, keeps the snapshot current. */
#include <stdio.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "manager.h"
#include "messages.h"
#include "status.h"

int manager_new(Manager **ret)
{
        Manager *m = calloc(1, sizeof(*m));
        int r;

        if (!m)
                return -ENOMEM;
        r = sd_event_default(&m->event);
        if (r < 0) {
                free(m);
                return r;
        }
        m->started_usec = now_usec(CLOCK_REALTIME);
        *ret = m;
        return 0;
}

Manager *manager_free(Manager *m)
{
        if (!m)
                return NULL;
        manager_bus_disconnect(m);
        sd_event_source_disable_unref(m->snapshot_defer);
        probe_runner_free(m->runner);
        config_unref(m->config);
        board_free(m->board);
        daemon_state_done(&m->state);
        sd_event_unref(m->event);
        free(m->sysroot);
        free(m->config_path);
        strv_free(m->only);
        free(m);
        return NULL;
}

static void log_config_problems(const Config *c)
{
        for (size_t i = 0; i < config_n_problems(c); i++) {
                const ConfigProblem *p = config_problem(c, i);
                _cleanup_free_ char *f_file = strdup_printf("CONFIG_FILE=%s", p->file);
                _cleanup_free_ char *f_line = strdup_printf("CONFIG_LINE=%u", p->line);
                char *extra[] = {f_file, f_line, NULL};

                if (p->line > 0)
                        log_event(p->severity == CONFIG_ERROR ? LOG_ERR : LOG_WARNING,
                                  HWCTL_MESSAGE_CONFIG_PROBLEM, NULL, NULL, 0, extra, "%s:%u: %s",
                                  p->file, p->line, p->message);
                else
                        log_event(p->severity == CONFIG_ERROR ? LOG_ERR : LOG_WARNING,
                                  HWCTL_MESSAGE_CONFIG_PROBLEM, NULL, NULL, 0, extra, "%s: %s",
                                  p->file, p->message);
        }
}

static int manager_load_config(Manager *m, Config **ret)
{
        Config *c = NULL;
        int r;

        r = config_load(probe_table, m->sysroot, m->config_path, &c);
        if (r < 0)
                return log_error_errno(r, "Failed to load the configuration: %m");
        log_config_problems(c);
        *ret = c;
        return 0;
}

static char *board_line(const Board *b)
{
        return strdup_printf("%s (%s, %s)%s%s", b->model ? b->model : "unknown model",
                             board_id_to_string(b->id), b->soc ? b->soc : "unknown SoC",
                             b->serial ? ", serial " : "", b->serial ? b->serial : "");
}

static int manager_detect_board(Manager *m)
{
        _cleanup_free_ char *error = NULL, *line = NULL;
        int r;

        r = board_detect_from_live(m->sysroot, &m->board, &error);
        if (r < 0) {
                log_event(LOG_ERR, HWCTL_MESSAGE_BOARD, NULL, NULL, r, NULL,
                          "Cannot read the device tree, continuing as a generic board: %s",
                          error ? error : strerror(-r));
                /* The constructor, not calloc: an unknown fact must stay unknown, or a userspace
                 * Bluetooth attach with Device= would take RTS/CTS as absent. */
                m->board = board_new();
                if (!m->board)
                        return -ENOMEM;
                (void)strv_extend(&m->board->findings, error ? error : "device tree unreadable");
        }
        log_set_board(board_id_to_string(m->board->id));
        line = board_line(m->board);
        log_event(LOG_INFO, HWCTL_MESSAGE_BOARD, NULL, NULL, 0, NULL, "Board: %s", strna(line));
        STRV_FOREACH (f, m->board->findings)
                log_event(LOG_NOTICE, HWCTL_MESSAGE_BOARD, NULL, NULL, 0, NULL, "Board finding: %s",
                          *f);
        return 0;
}

static void manager_save_state(Manager *m)
{
        int r = daemon_state_save(m->sysroot, &m->state);

        if (r < 0)
                log_error_errno(r, "Cannot write %s: %m", STATE_FILE_PATH);
}

/* First boot is the absence of state; a damaged file is kept aside and replaced, never trusted. */
static int manager_load_state(Manager *m)
{
        _cleanup_free_ char *error = NULL;
        int r;

        r = daemon_state_load(m->sysroot, &m->state, &error);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                if (r == -ENOENT) {
                        m->first_boot = true;
                        log_info("First start on this medium: no %s yet", STATE_FILE_PATH);
                } else {
                        log_warning("Cannot use the saved state (%s); keeping it as %s.broken "
                                    "and starting afresh",
                                    error ? error : strerror(-r), STATE_FILE_PATH);
                        (void)daemon_state_set_aside(m->sysroot);
                }
                m->state = (DaemonState){
                        .first_start_usec = now_usec(CLOCK_REALTIME),
                        .verdicts = json_object_new_object(),
                };
        } else if (m->state.board && !streq(m->state.board, board_id_to_string(m->board->id)))
                log_warning("This medium last started on a %s board; now it is %s", m->state.board,
                            board_id_to_string(m->board->id));
        /* Saturate: the state file keeps a signed 64-bit count, and one that wrapped would be
         * refused and set aside, losing the first-boot time with it. */
        if (m->state.starts < INT64_MAX)
                m->state.starts++;
        free(m->state.board);
        m->state.board = strdup(board_id_to_string(m->board->id));
        /* Saved at the end of the first round, with its verdicts: a start that dies in the
         * middle of first-boot work is not counted, so the next one is a first boot again. */
        return 0;
}

static json_object *daemon_info(Manager *m)
{
        json_object *o = json_object_new_object();

        json_object_object_add(o, "pid", json_object_new_int((int)getpid()));
        json_object_object_add(o, "version", json_object_new_string(HWCTL_VERSION));
        json_object_object_add(o, "mode", json_object_new_string(m->once ? "once" : "daemon"));
        json_object_object_add(o, "bus", json_object_new_boolean(m->bus != NULL));
        json_object_object_add(o, "started_usec", json_object_new_int64((int64_t)m->started_usec));
        json_object_object_add(o, "sysroot", json_object_new_string(m->sysroot));
        json_object_object_add(o, "first_boot", json_object_new_boolean(m->first_boot));
        json_object_object_add(o, "starts", json_object_new_int64((int64_t)m->state.starts));
        json_object_object_add(o, "first_start_usec",
                               json_object_new_int64((int64_t)m->state.first_start_usec));
        json_object_object_add(o, "config_files", NULL);
        if (m->config) {
                json_object *files = json_object_new_array();
                STRV_FOREACH (f, config_files(m->config))
                        json_object_array_add(files, json_object_new_string(*f));
                json_object_object_add(o, "config_files", files);
                json_object_object_add(o, "config_problems",
                                       json_object_new_int((int)config_n_problems(m->config)));
        }
        return o;
}

json_object *manager_describe(Manager *m)
{
        size_t n = m->runner ? probe_runner_count(m->runner) : 0;
        StatusProbe probes[n ? n : 1];
        json_object *info, *doc;

        for (size_t i = 0; i < n; i++)
                probes[i] = (StatusProbe){
                        .name = probe_runner_name(m->runner, i),
                        .result = probe_runner_result(m->runner, i),
                        .running = probe_runner_running(m->runner, i),
                };
        info = daemon_info(m);
        doc = status_document_build(m->board, probes, n, info);
        json_object_put(info);
        return doc;
}

void manager_write_snapshot(Manager *m)
{
        json_object *doc;
        int r;

        if (m->snapshot_defer)
                (void)sd_event_source_set_enabled(m->snapshot_defer, SD_EVENT_OFF);
        doc = manager_describe(m);
        r = doc ? status_snapshot_write(m->sysroot, doc) : -ENOMEM;
        if (r < 0)
                log_event(LOG_ERR, HWCTL_MESSAGE_SNAPSHOT_FAILED, NULL, NULL, r, NULL,
                          "Cannot write the status snapshot %s: %m", STATUS_SNAPSHOT_PATH);
        json_object_put(doc);
}

static int on_snapshot_defer(sd_event_source *s, void *userdata)
{
        manager_write_snapshot(userdata);
        return 0;
}

void manager_write_snapshot_soon(Manager *m)
{
        if (!m->snapshot_defer &&
            sd_event_add_defer(m->event, &m->snapshot_defer, on_snapshot_defer, m) < 0) {
                manager_write_snapshot(m);
                return;
        }
        (void)sd_event_source_set_enabled(m->snapshot_defer, SD_EVENT_ONESHOT);
}

static int verdict_priority(Verdict v)
{
        switch (v) {
        case VERDICT_FAILED:
                return LOG_ERR;
        case VERDICT_DEGRADED:
                return LOG_WARNING;
        case VERDICT_CHANGED:
                return LOG_NOTICE;
        default:
                return LOG_INFO;
        }
}

static void on_probe_started(ProbeRunner *r, const char *probe, void *userdata)
{
        log_event(LOG_DEBUG, HWCTL_MESSAGE_PROBE_STARTED, probe, NULL, 0, NULL, "Probe started");
        sd_notifyf(0, "STATUS=Running probe %s", probe);
}

static void on_probe_reported(ProbeRunner *r, const char *probe, const ProbeResult *res,
                              bool timed_out, void *userdata)
{
        Manager *m = userdata;
        _cleanup_free_ char *f_remedy =
                res->remedy ? strdup_printf("HWCTL_REMEDY=%s", res->remedy) : NULL;
        _cleanup_free_ char *f_duration =
                strdup_printf("HWCTL_DURATION_USEC=%llu", (unsigned long long)res->duration_usec);
        _cleanup_free_ char *f_details =
                strdup_printf("HWCTL_DETAILS=%s",
                              json_object_to_json_string_ext(res->details, JSON_C_TO_STRING_PLAIN));
        char *extra[] = {f_duration, f_details, f_remedy, NULL};
        json_object *err;
        int error = 0;

        if (json_object_object_get_ex(res->details, "errno", &err))
                error = json_object_get_int(err);
        log_event(verdict_priority(res->verdict),
                  timed_out ? HWCTL_MESSAGE_PROBE_TIMEOUT : HWCTL_MESSAGE_PROBE_RESULT, probe,
                  verdict_to_string(res->verdict), error, extra, "%s%s%s", res->summary,
                  res->remedy ? "; remedy: " : "", strempty(res->remedy));
        manager_write_snapshot_soon(m);
}

static void on_probe_progress(ProbeRunner *r, const char *probe, const char *text, void *userdata)
{
        log_event(LOG_INFO, HWCTL_MESSAGE_PROBE_PROGRESS, probe, NULL, 0, NULL, "%s", text);
        sd_notifyf(0, "STATUS=%s: %s", probe, text);
}

static void on_probe_extend(ProbeRunner *r, const char *probe, uint64_t usec, void *userdata)
{
        sd_notifyf(0, "EXTEND_TIMEOUT_USEC=%llu", (unsigned long long)usec);
}

static void on_probe_contract(ProbeRunner *r, const char *probe, const char *text, void *userdata)
{
        log_event(LOG_WARNING, HWCTL_MESSAGE_PROBE_BUG, probe, NULL, 0, NULL, "%s", text);
}

static void on_runner_idle(ProbeRunner *r, void *userdata)
{
        Manager *m = userdata;
        size_t bad = 0, n = probe_runner_count(r);

        for (size_t i = 0; i < n; i++) {
                const ProbeResult *res = probe_runner_result(r, i);
                if (res && !verdict_is_good(res->verdict))
                        bad++;
        }
        manager_write_snapshot(m);
        /* The state file is written once a round, not per report: SD cards wear. */
        for (size_t i = 0; i < n; i++) {
                const ProbeResult *res = probe_runner_result(r, i);
                if (res && m->state.verdicts)
                        json_object_object_add(
                                m->state.verdicts, probe_runner_name(r, i),
                                json_object_new_string(verdict_to_string(res->verdict)));
        }
        manager_save_state(m);
        if (bad == 0)
                sd_notifyf(0, "STATUS=All %zu probes done, nothing needs attention", n);
        else
                sd_notifyf(0, "STATUS=%zu of %zu probes need attention (hwctl status)", bad, n);
        if (m->once)
                sd_event_exit(m->event, probe_runner_all_good(r) ? 0 : 1);
}

static int manager_start_round(Manager *m)
{
        return probe_runner_start(m->runner, m->only);
}

int manager_startup(Manager *m)
{
        static const ProbeRunnerCallbacks callbacks = {
                .started = on_probe_started,
                .reported = on_probe_reported,
                .progress = on_probe_progress,
                .extend = on_probe_extend,
                .contract = on_probe_contract,
                .idle = on_runner_idle,
        };
        int r;

        log_event(LOG_INFO, HWCTL_MESSAGE_STARTED, NULL, NULL, 0, NULL,
                  "hwctld %s starting (%s, sysroot %s)", HWCTL_VERSION, m->once ? "once" : "daemon",
                  m->sysroot);

        r = manager_load_config(m, &m->config);
        if (r < 0)
                return r;
        r = manager_detect_board(m);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the board: %m");
        r = manager_load_state(m);
        if (r < 0)
                return log_error_errno(r, "Failed to load the saved state: %m");

        r = probe_runner_new(m->event, probe_table, m->sysroot, &m->runner);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the probe runner: %m");
        probe_runner_set_callbacks(m->runner, &callbacks, m);
        probe_runner_set_once(m->runner, m->once);
        probe_runner_set_inputs(m->runner, m->board, m->config);

        r = manager_start_round(m);
        if (r < 0)
                return log_error_errno(r, "Failed to start the probes: %m");
        /* A probe's run() only starts its work (the long parts go to threads and the loop), so
         * the probes start before the bus and the first snapshot: a Bluetooth bring-up then
         * talks to its chip while these are done. */
        probe_runner_dispatch(m->runner);

        if (!m->once)
                (void)manager_bus_connect(m); /* without a bus, the snapshot serves */
        manager_write_snapshot(m);

        if (!m->once) {
                m->ready = true;
                /* Every probe may have reported already (all skipped): its STATUS= stands. */
                sd_notify(0, probe_runner_is_idle(m->runner) ? "READY=1"
                                                             : "READY=1\nSTATUS=Running probes");
                log_event(LOG_INFO, HWCTL_MESSAGE_READY, NULL, NULL, 0, NULL,
                          "Ready; status served %s",
                          m->bus ? "on the bus and in the snapshot"
                                 : "in the snapshot (no system bus yet)");
        }
        return 0;
}

/* Runs that started under the old config hold their own reference to it: dropping ours frees
 * it once the last of them has reported. */
static void manager_swap_config(Manager *m, Config *c)
{
        config_unref(m->config);
        m->config = c;
        probe_runner_set_inputs(m->runner, m->board, m->config);
}

int manager_reload(Manager *m)
{
        _cleanup_(config_unrefp) Config *c = NULL;
        json_object *old_daemon, *new_daemon;
        bool all;
        int r, n = 0;

        log_event(LOG_INFO, HWCTL_MESSAGE_RELOAD, NULL, NULL, 0, NULL,
                  "Reloading the configuration");
        r = manager_load_config(m, &c);
        if (r < 0)
                return r;

        old_daemon = config_section_to_json(m->config, "Daemon");
        new_daemon = config_section_to_json(c, "Daemon");
        all = !json_object_equal(old_daemon, new_daemon);
        json_object_put(old_daemon);
        json_object_put(new_daemon);

        size_t n_probes = probe_runner_count(m->runner);
        bool changed[n_probes ? n_probes : 1];
        for (size_t i = 0; i < n_probes; i++) {
                const char *section =
                        config_section_name(m->config, probe_find(probe_runner_name(m->runner, i)));
                json_object *a = section ? config_section_to_json(m->config, section) : NULL;
                json_object *b = section ? config_section_to_json(c, section) : NULL;

                changed[i] = !json_object_equal(a, b);
                json_object_put(a);
                json_object_put(b);
        }

        /* Swap in the new config before any probe starts under it. */
        manager_swap_config(m, TAKE_PTR(c));

        if (all) {
                /* [Daemon] decides which probes run at all: start a whole new round. */
                r = manager_start_round(m);
                if (r < 0)
                        return r;
                log_info("Configuration reloaded; [Daemon] changed, re-running every probe");
                manager_write_snapshot(m);
                return (int)n_probes;
        }
        for (size_t i = 0; i < n_probes; i++) {
                const char *probe = probe_runner_name(m->runner, i);
                if (!changed[i])
                        continue;
                n++;
                r = manager_rerun(m, probe);
                if (r == -EBUSY)
                        log_warning("Probe %s is still running; it keeps its old settings", probe);
        }
        if (n == 0)
                log_info("Configuration reloaded; no probe's settings changed");
        else
                log_info("Configuration reloaded; re-running %d probe(s) whose settings changed",
                         n);
        manager_write_snapshot(m);
        return n;
}

int manager_rerun(Manager *m, const char *probe)
{
        int r = probe_runner_rerun(m->runner, probe);

        if (r >= 0) {
                log_event(LOG_INFO, HWCTL_MESSAGE_RERUN, probe, NULL, 0, NULL, "Re-running");
                manager_write_snapshot(m);
        }
        return r;
}
