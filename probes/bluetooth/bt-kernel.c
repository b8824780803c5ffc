/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bluetooth probe's kernel path: the hciN hci_uart_bcm makes under the board's UART, brought
 * up and read back, or diagnosed from the kernel log and the live pins; drivers rebound after
 * failures that may pass. */
#include <poll.h>
#include <stdio.h>

#include "bluetooth.h"
#include "bt-diagnose.h"
#include "bt-kmsg.h"
#include "bt-pinctrl.h"

/* The management channel refuses a new index until the kernel has finished the setup that read
 * the default address: ask MGMT_ADDRESS_TRIES times, MGMT_ADDRESS_PAUSE_MSEC apart (three
 * seconds). After the address is set the kernel runs setup again; bring the controller up every
 * UP_AFTER_ADDRESS_PAUSE_MSEC until BT_KERNEL_SETUP_USEC. */
#define MGMT_ADDRESS_TRIES          10u
#define MGMT_ADDRESS_PAUSE_MSEC     300
#define UP_AFTER_ADDRESS_PAUSE_MSEC 200
/* How long an ENODEV from the first HCIDEVUP, hciN still registered, counts as the kernel's
 * power-on still running: inside the time the probe's timeout leaves for the setup. */
#define UP_ENODEV_USEC (15 * USEC_PER_SEC)

/* Reads the kernel log and the live pins and asks bt-diagnose.c; the details get the cause, the
 * evidence and the relevant kernel lines. failure: hciN did not come up (else: it is up, did it
 * come up with less?). */
static int kernel_diagnose(BtJob *j, bool failure, json_object *d, BtDiagnosis *ret)
{
        _cleanup_(bt_kmsg_freep) BtKmsg *k = NULL;
        _cleanup_free_ char *pinctrl = strdup_printf("%s/kernel/debug/pinctrl", j->sys);
        _cleanup_free_ char *pinmux_pins = NULL, *pins = NULL, *live_evidence = NULL;
        BtFindings f = {};
        BtDiagnoseInput in = {.board = j->board, .live_rtscts = TRISTATE_UNKNOWN};
        json_object *log;
        int r;

        if (!pinctrl)
                return -ENOMEM;
        r = bt_kmsg_read(j->kmsg, NULL, &k);
        if (r >= 0)
                r = bt_findings_from_kmsg(k, failure ? -1 : j->hci_index, &f);
        if (r >= 0)
                in.findings = &f;
        else
                details_add_str(d, "kernel_log_error", strerror(-r));
        if (bt_pinctrl_read(pinctrl, &pinmux_pins, &pins) >= 0 &&
            bt_live_rtscts(j->board, pinmux_pins, pins, &in.live_rtscts, &live_evidence) >= 0)
                in.live_evidence = live_evidence;

        r = failure ? bt_diagnose_failure(&in, ret) : bt_diagnose_degraded(&in, ret);
        if (r >= 0) {
                details_add_str(d, "cause", bt_cause_to_string(ret->cause));
                if (ret->cause_text)
                        details_add_str(d, "cause_text", ret->cause_text);
                if (ret->evidence)
                        json_object_object_add(d, "evidence", json_object_get(ret->evidence));
                if (ret->also) {
                        json_object *a = json_object_new_array();
                        STRV_FOREACH (p, ret->also)
                                json_object_array_add(a, json_object_new_string(*p));
                        json_object_object_add(d, "also", a);
                }
        }
        if (k) {
                /* The newest lines are the ones that matter: the last 40. */
                size_t from = k->n_records > 40 ? k->n_records - 40 : 0;

                log = json_object_new_array();
                for (size_t i = from; i < k->n_records; i++)
                        json_object_array_add(log, json_object_new_string(k->records[i].text));
                json_object_object_add(d, "kernel_log", log);
        }
        if (f.patch)
                details_add_str(d, "firmware", f.patch);
        bt_findings_done(&f);
        return r;
}

/* Causes that may pass on another try: a controller that did not answer, or not at speed. */
static bool cause_is_transient(BtCause c)
{
        return c == BT_CAUSE_BAUD_TIMEOUT || c == BT_CAUSE_NO_RESPONSE || c == BT_CAUSE_FRAMING ||
               c == BT_CAUSE_UNKNOWN;
}

static int on_rerun(sd_event_source *src, uint64_t usec, void *userdata)
{
        BtState *w = userdata;

        (void)src;
        (void)usec;
        (void)probe_handle_request_run(w->handle);
        return 0;
}

static int on_bluetooth_device(sd_device_monitor *m, sd_device *dev, void *userdata)
{
        BtState *w = userdata;
        sd_device_action_t action;
        const char *sysname = NULL;
        int r;

        (void)m;
        if (sd_device_get_action(dev, &action) < 0 || action != SD_DEVICE_ADD ||
            sd_device_get_sysname(dev, &sysname) < 0 || !startswith(sysname, "hci"))
                return 0;
        /* The controller's own setup follows its registration: look a moment later. */
        if (w->rerun)
                r = sd_event_source_set_time_relative(w->rerun, BT_RERUN_DELAY_USEC);
        else
                r = sd_event_add_time_relative(probe_handle_event(w->handle), &w->rerun,
                                               CLOCK_MONOTONIC, BT_RERUN_DELAY_USEC,
                                               BT_TIMER_ACCURACY, on_rerun, w);
        if (r >= 0)
                (void)sd_event_source_set_enabled(w->rerun, SD_EVENT_ONESHOT);
        return 0;
}

/* No controller came: keep watching for one (hci_uart loaded late, a driver bound after udev
 * settled), so it is brought up whenever it appears. Not for --once, which exits now. */
static bool kernel_watch_for_controller(ProbeContext *ctx)
{
        ProbeHandle *h = probe_context_handle(ctx);
        BtState *w;
        int r;

        if (probe_handle_once(h))
                return false;
        w = calloc(1, sizeof(*w));
        if (!w)
                return false;
        w->fd = -EBADF;
        w->hci_index = -1;
        w->handle = h;
        static const char *const subsystems[] = {"bluetooth", NULL};
        r = probe_handle_watch_devices(h, subsystems, on_bluetooth_device, w, &w->watch);
        if (r < 0) {
                details_add_str(probe_context_details(ctx), "watch_error", strerror(-r));
                bt_state_free(w);
                return false;
        }
        details_add_bool(probe_context_details(ctx), "watching", true);
        probe_handle_set_state(h, w, bt_state_free);
        return true;
}

static void kernel_fail_diagnosed(ProbeContext *ctx, BtJob *j, const char *what)
{
        BtDiagnosis dg = {};
        int r;

        r = kernel_diagnose(j, true, probe_context_details(ctx), &dg);
        if (r < 0) {
                probe_fail(ctx, r, "%s, and no diagnosis was possible: %m", what);
                return;
        }
        if (dg.remedy)
                probe_set_remedy(ctx, "%s", dg.remedy);
        probe_done(ctx, VERDICT_FAILED, "%s: %s", what,
                   dg.cause_text ?: "the kernel log names no cause");
        bt_diagnosis_done(&dg);
}

static int kernel_up_work(void *userdata)
{
        BtJob *j = userdata;
        uint8_t want[6];
        uint64_t deadline;

        /* ENODEV while hciN is still there: the kernel's own power-on of a controller that has
         * just registered is running (the board image's second boot met it once, HCIDEVUP
         * answering before btbcm had sent a command); it ends within the setup's time. */
        deadline = now_usec(CLOCK_MONOTONIC) + UP_ENODEV_USEC;
        for (;;) {
                j->up_r = bt_bring_up(j, &j->info);
                if (j->up_r != -ENODEV || !bt_sysfs_hci_exists(j->sys, j->hci_index) ||
                    now_usec(CLOCK_MONOTONIC) >= deadline)
                        break;
                j->up_retries++;
                (void)poll(NULL, 0, UP_AFTER_ADDRESS_PAUSE_MSEC);
        }
        if (j->up_r != -EOPNOTSUPP)
                return j->up_r;
        /* Unconfigured: btbcm found a default address ("Using default device address") and the
         * kernel will not bring the controller up without a real one. Give it the configured
         * or the board's stable address; the kernel then runs the setup again with it. */
        j->unconfigured = true;
        if (j->address_set)
                memcpy(want, j->address, 6);
        else if (!j->serial || bcm_bdaddr_from_serial(j->serial, want) < 0)
                return j->up_r;
        /* The kernel may still be finishing the setup that found the default address: the
         * management channel refuses the index until then. */
        j->mgmt_tried = true;
        for (unsigned i = 0; i < MGMT_ADDRESS_TRIES; i++) {
                j->mgmt_r = bt_mgmt_set_public_address(j->hci_index, want, &j->mgmt_status);
                if (j->mgmt_r >= 0)
                        break;
                (void)poll(NULL, 0, MGMT_ADDRESS_PAUSE_MSEC);
        }
        if (j->mgmt_r < 0)
                return j->up_r;
        memcpy(j->assigned, want, 6);
        deadline = now_usec(CLOCK_MONOTONIC) + BT_KERNEL_SETUP_USEC;
        do {
                j->up_r = bt_bring_up(j, &j->info);
                if (j->up_r != -EOPNOTSUPP && j->up_r != -ENODEV && j->up_r != -EBUSY)
                        break;
                (void)poll(NULL, 0, UP_AFTER_ADDRESS_PAUSE_MSEC);
        } while (now_usec(CLOCK_MONOTONIC) < deadline);
        return j->up_r;
}

static bool kernel_try_rebind(ProbeContext *ctx, BtJob *j);
static int bt_kernel_arm(ProbeContext *ctx, BtJob *j);

static void kernel_up_done(ProbeContext *ctx, int result, void *userdata)
{
        BtJob *j = userdata;
        json_object *d;
        BtDiagnosis dg = {};
        _cleanup_free_ char *summary = NULL;
        const char *chip;
        int r;

        if (probe_context_cancelled(ctx)) {
                bt_job_free(j);
                return;
        }
        d = probe_context_details(ctx);
        bt_add_hci_info(d, &j->info);
        if (j->up_retries)
                details_add_int(d, "up_retries_enodev", j->up_retries);
        if (!j->info.name[0]) {
                char name[16];
                snprintf(name, sizeof(name), "hci%d", j->hci_index);
                details_add_str(d, "hci", name);
        }
        details_add_str(d, "driver", j->driver);
        bt_add_rfkill(d, j);
        if (j->unconfigured) {
                json_object_object_add(d, "unconfigured", json_object_new_boolean(true));
                if (j->mgmt_tried && j->mgmt_r == 0) {
                        bt_add_bdaddr(d, "address", j->assigned);
                        json_object_object_add(d, "address_assigned",
                                               json_object_new_boolean(true));
                } else if (j->mgmt_tried) {
                        details_add_str(d, "address_error", strerror(-j->mgmt_r));
                        details_add_int(d, "address_mgmt_status", j->mgmt_status);
                }
        }
        if (j->up_r == -EOPNOTSUPP && j->unconfigured) {
                probe_set_remedy(ctx,
                                 "set Address= in [Bluetooth] of hwctl.conf, or "
                                 "local-bd-address on %s in the device tree",
                                 j->board->bluetooth.node_path ?: "the Bluetooth node");
                probe_done(ctx, VERDICT_DEGRADED,
                           "hci%d on %s is registered but unconfigured: the controller has only "
                           "its default address and %s",
                           j->hci_index, j->uart_path,
                           j->mgmt_tried ? "setting one did not configure it"
                                         : "no Address=, board serial or machine-id gives one");
                bt_job_free(j);
                return;
        }
        if (j->up_r < 0) {
                if (kernel_try_rebind(ctx, j))
                        return;
                _cleanup_free_ char *what = strdup_printf(
                        "hci%d is registered on %s but the kernel could not bring it up (%s)",
                        j->hci_index, j->uart_path, strerror(-j->up_r));
                kernel_fail_diagnosed(ctx, j, what ?: "the controller did not come up");
                bt_job_free(j);
                return;
        }
        /* Up: the kernel log still says whether with less than wanted. */
        r = kernel_diagnose(j, false, d, &dg);
        chip = j->info.have_version ? bcm_chip_from_subversion(j->info.lmp_subversion) : NULL;
        summary = strdup_printf("hci%d %s on %s (kernel driver%s%s)", j->hci_index,
                                chip ?: "controller", j->uart_path, j->driver ? " " : "",
                                strempty(j->driver));
        if (r >= 0 && dg.cause != BT_CAUSE_NONE) {
                if (dg.remedy)
                        probe_set_remedy(ctx, "%s", dg.remedy);
                probe_done(ctx, VERDICT_DEGRADED, "%s; %s", strna(summary), strna(dg.cause_text));
        } else
                probe_done(ctx, VERDICT_OK, "%s", strna(summary));
        bt_diagnosis_done(&dg);
        bt_job_free(j);
}

/* Whether udev has events queued (it keeps <run>/udev/queue while it does). */
static bool udev_busy(ProbeContext *ctx)
{
        _cleanup_free_ char *q = probe_context_path(ctx, PROBE_PATH_RUN, "udev/queue");

        return q && access(q, F_OK) == 0;
}

static int kernel_on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        ProbeContext *ctx = userdata;
        BtJob *j = probe_context_get_userdata(ctx);
        int r;

        if (probe_context_cancelled(ctx))
                return 0;
        r = bt_sysfs_hci_for_uart(j->sys, j->uart_path, &j->hci_index);
        if (r >= 0) {
                free(j->serdev_dir);
                free(j->driver);
                j->serdev_dir = j->driver = NULL;
                (void)bt_sysfs_serdev_for_uart(j->sys, j->uart_path, &j->serdev_dir, &j->driver);
                j->timer = sd_event_source_disable_unref(j->timer);
                probe_context_set_userdata(ctx, NULL);
                probe_progress(ctx, "hci%d appeared on %s; bringing it up", j->hci_index,
                               j->uart_path);
                r = probe_run_blocking(ctx, kernel_up_work, kernel_up_done, j);
                if (r < 0) {
                        bt_job_free(j);
                        probe_fail(ctx, r, "cannot start bringing the controller up: %m");
                }
                return 0;
        }
        /* Being ordered after udev's coldplug does not mean its queue is done: while udev still
         * works through events (hci_uart may load any moment), keep waiting and say so. */
        if (now_usec(CLOCK_MONOTONIC) >= j->deadline && j->udev_waits < BT_UDEV_WAITS_MAX &&
            udev_busy(ctx)) {
                j->udev_waits++;
                j->deadline = now_usec(CLOCK_MONOTONIC) + j->kernel_timeout;
                (void)probe_extend_timeout(ctx, j->kernel_timeout + BT_KERNEL_SETUP_USEC);
                probe_progress(ctx,
                               "waiting: udev is still processing events, and no Bluetooth "
                               "controller is on %s yet",
                               j->uart_path);
        }
        if (now_usec(CLOCK_MONOTONIC) < j->deadline)
                return sd_event_source_set_time_relative(s, BT_POLL_USEC) < 0
                               ? 0
                               : sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        j->timer = sd_event_source_disable_unref(j->timer);
        probe_context_set_userdata(ctx, NULL);
        if (kernel_try_rebind(ctx, j))
                return 0;
        {
                _cleanup_free_ char *span = format_duration(j->kernel_timeout);
                /* Before the report: after it the context is the runner's again. */
                bool watching = kernel_watch_for_controller(ctx);
                _cleanup_free_ char *what = strdup_printf(
                        "no Bluetooth controller appeared on %s within %s%s", j->uart_path,
                        strna(span),
                        watching ? " (watching: one that comes later is brought up)" : "");
                kernel_fail_diagnosed(ctx, j, what ?: "no Bluetooth controller appeared");
        }
        bt_job_free(j);
        return 0;
}

static int bt_kernel_arm(ProbeContext *ctx, BtJob *j)
{
        int r;

        j->deadline = now_usec(CLOCK_MONOTONIC) + j->kernel_timeout;
        r = sd_event_add_time_relative(probe_context_event(ctx), &j->timer, CLOCK_MONOTONIC, 0,
                                       BT_TIMER_ACCURACY, kernel_on_timer, ctx);
        if (r < 0)
                return r;
        probe_context_set_userdata(ctx, j);
        return 0;
}

static int kernel_on_rebind(sd_event_source *s, uint64_t usec, void *userdata)
{
        ProbeContext *ctx = userdata;
        BtJob *j = probe_context_get_userdata(ctx);
        int r;

        j->timer = sd_event_source_disable_unref(j->timer);
        r = bt_sysfs_rebind(j->sys, j->serdev_dir, j->driver);
        if (r >= 0)
                r = bt_kernel_arm(ctx, j);
        if (r < 0) {
                _cleanup_free_ char *what = strdup_printf(
                        "the controller on %s did not come up, and rebinding %s failed (%s)",
                        j->uart_path, j->driver, strerror(-r));
                probe_context_set_userdata(ctx, NULL);
                kernel_fail_diagnosed(ctx, j, what ?: "rebinding failed");
                bt_job_free(j);
        }
        return 0;
}

/* For failures that may pass (timeouts, a controller that did not answer), the driver is
 * unbound and bound again after a pause that doubles each time. Returns true when a new attempt
 * is under way (the job then belongs to it). */
static bool kernel_try_rebind(ProbeContext *ctx, BtJob *j)
{
        uint64_t pause;

        if (j->rebinds >= BT_REBIND_MAX)
                return false;
        if (!j->serdev_dir || !j->driver) {
                free(j->serdev_dir);
                free(j->driver);
                j->serdev_dir = j->driver = NULL;
                if (bt_sysfs_serdev_for_uart(j->sys, j->uart_path, &j->serdev_dir, &j->driver) <
                            0 ||
                    !j->driver)
                        return false;
        }
        {
                BtDiagnosis dg = {};
                json_object *scratch = json_object_new_object();
                bool transient =
                        kernel_diagnose(j, true, scratch, &dg) >= 0 && cause_is_transient(dg.cause);

                json_object_put(scratch);
                bt_diagnosis_done(&dg);
                if (!transient)
                        return false;
        }
        pause = BT_REBIND_PAUSE_USEC << j->rebinds;
        j->rebinds++;
        details_add_int(probe_context_details(ctx), "rebinds", j->rebinds);
        probe_progress(ctx,
                       "rebinding %s to %s in %" PRIu64 " ms (attempt %u of %u) after a "
                       "failure that may pass",
                       bt_base_name(j->serdev_dir), j->driver, pause / USEC_PER_MSEC, j->rebinds,
                       BT_REBIND_MAX);
        if (sd_event_add_time_relative(probe_context_event(ctx), &j->timer, CLOCK_MONOTONIC, pause,
                                       BT_TIMER_ACCURACY, kernel_on_rebind, ctx) < 0)
                return false;
        probe_context_set_userdata(ctx, j);
        return true;
}

void bt_kernel_cancel(ProbeContext *ctx)
{
        BtJob *j = probe_context_get_userdata(ctx);

        probe_context_set_userdata(ctx, NULL);
        bt_job_free(j);
}

int bt_kernel_start(ProbeContext *ctx, BtJob **j)
{
        const Board *b = probe_context_board(ctx);
        const BluetoothSettings *s = bt_settings_of(probe_context_config(ctx));
        json_object *d = probe_context_details(ctx);
        _cleanup_free_ char *span = NULL;
        BtJob *job = *j;
        int r;

        if (!b->bluetooth.uart_path)
                return probe_done(ctx, VERDICT_FAILED,
                                  "Attach=kernel, but the device tree names no Bluetooth UART");
        job->uart_path = strdup(b->bluetooth.uart_path);
        if (!job->uart_path)
                return -ENOMEM;
        job->kernel_timeout = s->kernel_timeout_usec;
        details_add_str(d, "path", "kernel");
        details_add_str(d, "uart", b->bluetooth.uart_path);
        details_add_str(d, "node", b->bluetooth.node_path);
        details_add_str(d, "expected_chip", b->bluetooth.chip);
        r = probe_extend_timeout(ctx, job->kernel_timeout * (BT_REBIND_MAX + 1) +
                                              BT_KERNEL_SETUP_USEC * (BT_REBIND_MAX + 1));
        if (r < 0)
                return r;
        span = format_duration(job->kernel_timeout);
        probe_progress(ctx, "waiting up to %s for the kernel's Bluetooth driver on %s", strna(span),
                       job->uart_path);
        r = bt_kernel_arm(ctx, job);
        if (r < 0)
                return probe_fail(ctx, r, "cannot arm the wait for the controller: %m");
        *j = NULL;
        return 0;
}
