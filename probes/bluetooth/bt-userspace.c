/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bluetooth probe's userspace path: the chip power-cycled, brought up by bcm_setup() on a
 * worker thread, handed to the kernel's N_HCI line discipline, and hciN brought up and read back.
 * The tty then stays open in the handle's state for as long as hwctld runs (closing it would take
 * hciN away). */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bt-userspace.h"
#include "uart-speed.h"

void bt_state_free(void *p)
{
        BtState *s = p;

        if (!s)
                return;
        sd_event_source_disable_unref(s->rerun);
        sd_device_monitor_unref(s->watch);
        /* Back to N_TTY, as hciattach does: the kernel removes hciN now, even when another
         * process still holds the tty open (only the last close would otherwise). */
        if (s->fd >= 0) {
                int n_tty = 0;
                (void)ioctl(s->fd, TIOCSETD, &n_tty);
                close(s->fd);
        }
        free(s->config);
        free(s->sys);
        free(s->summary);
        free(s->remedy);
        json_object_put(s->details);
        free(s);
}

bool bt_userspace_flow_control(const Board *b, const BluetoothSettings *s)
{
        const BoardBluetooth *bt = &b->bluetooth;

        if (s->flow_control != BLUETOOTH_FLOW_CONTROL_AUTO)
                return s->flow_control == BLUETOOTH_FLOW_CONTROL_YES;
        if (bt->uart_kind == UART_KIND_MINI || bt->pins_rtscts == TRISTATE_NO)
                return false;
        /* The board table's speed says whether the board wires RTS/CTS to the controller. */
        if (bt->expected_baud > 0)
                return uart_speed_needs_flow_control(bt->expected_baud);
        return bt->pins_rtscts == TRISTATE_YES;
}

uint32_t bt_userspace_baud(const Board *b, const BluetoothSettings *s, bool flow)
{
        const BoardBluetooth *bt = &b->bluetooth;

        if (s->baud > 0)
                return s->baud;
        if (bt->expected_baud > 0)
                return bt->expected_baud;
        return uart_speed_for_wiring(bt->uart_kind, flow, 0);
}

char *bt_userspace_device(const Board *b, const BluetoothSettings *s, const char *sys)
{
        const BoardBluetooth *bt = &b->bluetooth;
        _cleanup_free_ char *name = NULL;

        if (s->device)
                return strdup(s->device);
        if (!bt->uart_path)
                return NULL;
        if (sys && bt_sysfs_tty_for_uart(sys, bt->uart_path, &name) >= 0)
                return strdup_printf("/dev/%s", name);
        switch (bt->uart_kind) {
        case UART_KIND_PL011:
                return strdup("/dev/ttyAMA0");
        case UART_KIND_MINI:
                return strdup("/dev/ttyS0");
        case UART_KIND_MESON:
                /* The Khadas vendor kernel names the Bluetooth UART (uart_A) ttyS1. */
                return strdup(b->flavour == TREE_FLAVOUR_KHADAS_VENDOR ? "/dev/ttyS1"
                                                                       : "/dev/ttyAML1");
        default:
                return NULL;
        }
}

/* A path as seen on the system, without the sysroot the probe runs under. */
static const char *on_system(const char *path, const char *sysroot)
{
        const char *rest = sysroot && !streq(sysroot, "/") ? startswith(path, sysroot) : NULL;
        return rest && *rest == '/' ? rest : path;
}

static void add_report(json_object *d, const BcmReport *rep, const char *sysroot)
{
        json_object *steps = json_object_new_array();

        details_add_str(d, "chip", rep->chip[0] ? rep->chip : NULL);
        if (rep->subversion)
                bt_add_subversion(d, rep->subversion);
        /* The controller's bytes, whatever they are: printable text, and hex when it had to
         * change them. */
        if (rep->name[0])
                details_add_text(d, "name", rep->name, strnlen(rep->name, sizeof(rep->name)));
        if (rep->firmware_path) {
                json_object *fw = json_object_new_object();
                details_add_str(fw, "path", on_system(rep->firmware_path, sysroot));
                details_add_int(fw, "size", (int64_t)rep->firmware_size);
                details_add_int(fw, "records", (int64_t)rep->firmware_records);
                json_object_object_add(d, "firmware", fw);
        } else
                json_object_object_add(d, "firmware", NULL);
        if (rep->firmware_tried) {
                json_object *t = json_object_new_array();
                STRV_FOREACH (p, rep->firmware_tried)
                        json_object_array_add(t, json_object_new_string(*p));
                json_object_object_add(d, "firmware_tried", t);
        }
        details_add_int(d, "baud", rep->baud);
        details_add_int(d, "baud_wanted", rep->baud_wanted);
        json_object_object_add(d, "flow_control", json_object_new_boolean(rep->flow_control));
        if (rep->subversion)
                bt_add_bdaddr(d, "address", rep->bdaddr);
        json_object_object_add(d, "address_assigned",
                               json_object_new_boolean(rep->bdaddr_assigned));
        if (rep->subversion && bcm_bdaddr_is_default(rep->bdaddr))
                /* No Address=, no board serial and no machine-id to derive one from. */
                json_object_object_add(d, "address_is_default", json_object_new_boolean(true));
        for (size_t i = 0; i < rep->n_steps; i++) {
                const BcmStep *st = &rep->steps[i];
                json_object *s = json_object_new_object();

                details_add_str(s, "step", st->name);
                details_add_int(s, "baud", st->baud);
                json_object_object_add(s, "ms", json_object_new_double((double)st->usec / 1000.0));
                if (st->error)
                        details_add_str(s, "error", strerror(-st->error));
                json_object_array_add(steps, s);
        }
        json_object_object_add(d, "steps", steps);
        json_object_object_add(d, "setup_ms",
                               json_object_new_double((double)rep->total_usec / 1000.0));
}

#define BT_POWER_OFF_USEC (50 * USEC_PER_MSEC)
#define BT_POWER_ON_USEC  (150 * USEC_PER_MSEC) /* BT_REG_ON high to the chip's ROM answering */
/* hciN exists once the protocol is set, but HCIDEVUP says ENODEV until the kernel has finished
 * registering it: try UP_AFTER_ATTACH_TRIES times, UP_AFTER_ATTACH_PAUSE_MSEC apart (one second).
 */
#define UP_AFTER_ATTACH_TRIES      50u
#define UP_AFTER_ATTACH_PAUSE_MSEC 20

/* A chip left in any state by an earlier boot or a crashed run starts clean: off and on through
 * the rfkill switch that powers it (the vendor kernels' Bluetooth power drivers register one),
 * when the system has one. */
static void power_cycle(BtJob *j)
{
        uint32_t idx;
        int r;

        r = bt_rfkill_find_power_switch(j->sys, &idx, &j->power_switch);
        if (r == -ENOENT)
                return;
        j->power_r = r;
        if (r < 0)
                return;
        r = bt_rfkill_set(j->rfkill, idx, true);
        if (r >= 0) {
                (void)poll(NULL, 0, (int)(BT_POWER_OFF_USEC / USEC_PER_MSEC));
                r = bt_rfkill_set(j->rfkill, idx, false);
        }
        if (r >= 0)
                (void)poll(NULL, 0, (int)(BT_POWER_ON_USEC / USEC_PER_MSEC));
        j->power_r = r;
}

static void add_power_cycle(json_object *d, const BtJob *j)
{
        json_object *o;

        if (!j->power_switch && j->power_r == 0)
                return;
        o = json_object_new_object();
        details_add_str(o, "via", "rfkill");
        details_add_str(o, "switch", j->power_switch);
        if (j->power_r == -EPERM)
                details_add_str(o, "error", "hard-blocked");
        else if (j->power_r < 0)
                details_add_str(o, "error", strerror(-j->power_r));
        json_object_object_add(d, "power_cycle", o);
}

static int userspace_work(void *userdata)
{
        BtJob *j = userdata;
        BcmSetupParams p = {
                .device = j->device,
                .target_baud = j->target,
                .flow_control = j->flow_control,
                .sysroot = j->sysroot,
                .firmware_dirs = j->firmware_dirs,
                .compatibles = j->compatibles,
                .serial = j->serial,
                .address = j->address_set ? j->address : NULL,
                .expected_chip = j->expected_chip,
        };

        power_cycle(j);
        j->fd = open(j->device_path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        if (j->fd < 0) {
                j->setup_r = -errno;
                return j->setup_r;
        }
        j->setup_r = bcm_setup(j->fd, &p, &j->rep);
        if (j->setup_r < 0)
                return j->setup_r;
        j->attach_r = bcm_attach_line_discipline(j->fd, &j->hci_index);
        if (j->attach_r < 0)
                return j->attach_r;
        /* hciN exists once the protocol is set, but the kernel may still be finishing its
         * registration: HCIDEVUP then says ENODEV for a moment. */
        for (unsigned i = 0; i < UP_AFTER_ATTACH_TRIES; i++) {
                j->up_r = bt_bring_up(j, &j->info);
                if (j->up_r != -ENODEV)
                        break;
                (void)poll(NULL, 0, UP_AFTER_ATTACH_PAUSE_MSEC);
        }
        return j->up_r;
}

static void summary_tail(char **s, const BcmReport *rep)
{
        char *t = strdup_printf("%s at %u baud, %s, fw %s", strempty(*s), rep->baud,
                                rep->flow_control ? "flow control" : "no flow control",
                                rep->firmware_path ? bt_base_name(rep->firmware_path) : "none");
        free(*s);
        *s = t;
}

static void userspace_done(ProbeContext *ctx, int result, void *userdata)
{
        _cleanup_(bt_job_freep) BtJob *j = userdata;
        json_object *d;
        _cleanup_free_ char *summary = NULL;
        BtState *st;

        if (probe_context_cancelled(ctx))
                return;
        d = probe_context_details(ctx);
        details_add_str(d, "path", "userspace");
        details_add_str(d, "device", j->device);
        add_power_cycle(d, j);
        add_report(d, &j->rep, j->sysroot);
        if (j->rep.cause)
                details_add_str(d, "cause", j->rep.cause);

        if (j->fd < 0) {
                probe_set_remedy(ctx,
                                 "check that %s is the Bluetooth UART (Device= in [Bluetooth] of "
                                 "hwctl.conf) and that no other program holds it",
                                 j->device);
                probe_fail(ctx, j->setup_r, "cannot open %s: %m", j->device);
                return;
        }
        if (j->setup_r < 0) {
                if (j->rep.remedy)
                        probe_set_remedy(ctx, "%s", j->rep.remedy);
                probe_done(ctx, VERDICT_FAILED, "%s",
                           j->rep.cause ?: "the controller did not come up");
                return;
        }
        if (j->attach_r < 0) {
                if (j->attach_r == -EINVAL)
                        probe_set_remedy(ctx, "load the hci_uart module (the kernel needs "
                                              "CONFIG_BT_HCIUART and CONFIG_BT_HCIUART_H4)");
                summary = strdup_printf("%s is ready on %s, but the kernel did not take the tty "
                                        "(N_HCI line discipline: %s)",
                                        j->rep.chip, j->device, strerror(-j->attach_r));
                probe_done(ctx, VERDICT_FAILED, "%s", strna(summary));
                return;
        }
        details_add_int(d, "hci_index", j->hci_index);
        if (!j->info.have_version && j->rep.subversion) {
                /* As the chip answered the bring-up's last Read Local Version. */
                j->info.manufacturer = j->rep.manufacturer;
                j->info.lmp_subversion = j->rep.subversion;
                j->info.have_version = true;
        }
        bt_add_hci_info(d, &j->info);
        /* The chip from our own identification is the better name (the table covers the ROM
         * builds the kernel does not). */
        details_add_str(d, "chip", j->rep.chip);
        if (!j->info.name[0]) {
                char name[16];
                snprintf(name, sizeof(name), "hci%d", j->hci_index);
                details_add_str(d, "hci", name);
        }

        /* From here the tty belongs to the handle: hciN lives as long as it is open. */
        st = calloc(1, sizeof(*st));
        if (!st) {
                probe_fail(ctx, -ENOMEM, "out of memory");
                return;
        }
        st->fd = TAKE_FD(j->fd);
        st->hci_index = j->hci_index;
        st->sys = strdup(j->sys);
        st->config = TAKE_PTR(j->config);
        probe_handle_set_state(probe_context_handle(ctx), st, bt_state_free);

        bt_add_rfkill(d, j);
        if (j->up_r == -ERFKILL) {
                probe_set_remedy(ctx, "%s",
                                 j->rfkill_r == -EPERM
                                         ? "a hardware switch (rfkill hard block) "
                                           "keeps Bluetooth off: release it"
                                         : "unblock Bluetooth: rfkill unblock bluetooth");
                probe_done(ctx, VERDICT_FAILED, "hci%d is blocked by rfkill", j->hci_index);
                return;
        }
        if (j->up_r < 0) {
                probe_set_remedy(ctx,
                                 "see the kernel log (journalctl -k) for hci%d; "
                                 "power-cycle the board if the controller stopped answering",
                                 j->hci_index);
                probe_done(ctx, VERDICT_FAILED,
                           "hci%d registered, but the kernel could not bring "
                           "it up: %s",
                           j->hci_index, strerror(-j->up_r));
                return;
        }
        summary = strdup_printf("hci%d %s on %s", j->hci_index, j->rep.chip, j->device);
        summary_tail(&summary, &j->rep);
        if (j->rep.degraded) {
                if (j->rep.remedy)
                        probe_set_remedy(ctx, "%s", j->rep.remedy);
                probe_done(ctx, VERDICT_DEGRADED, "%s; %s", strna(summary), strna(j->rep.cause));
        } else
                probe_done(ctx, VERDICT_OK, "%s", strna(summary));
        st->verdict = j->rep.degraded ? VERDICT_DEGRADED : VERDICT_OK;
        st->summary = TAKE_PTR(summary);
        st->remedy = j->rep.remedy ? strdup(j->rep.remedy) : NULL;
        st->details = json_object_get(d);
}

int bt_userspace_start(ProbeContext *ctx, BtJob **j)
{
        const Board *b = probe_context_board(ctx);
        const BluetoothSettings *s = bt_settings_of(probe_context_config(ctx));
        BtJob *job = *j;
        int r;

        job->device = bt_userspace_device(b, s, job->sys);
        if (!job->device)
                return probe_done(ctx, VERDICT_SKIPPED,
                                  "no tty to bring Bluetooth up on: the board names none; set "
                                  "Device= in [Bluetooth]");
        job->device_path = probe_context_path(ctx, PROBE_PATH_DEV,
                                              startswith(job->device, "/dev/") ?: job->device);
        job->flow_control = bt_userspace_flow_control(b, s);
        job->target = bt_userspace_baud(b, s, job->flow_control);
        job->firmware_dirs = strv_copy(s->firmware_dirs);
        job->compatibles = b->compatible ? strv_copy(b->compatible) : NULL;
        job->expected_chip = b->bluetooth.chip ? strdup(b->bluetooth.chip) : NULL;
        if (!job->device_path || (s->firmware_dirs && !job->firmware_dirs) ||
            (b->compatible && !job->compatibles))
                return -ENOMEM;
        r = probe_extend_timeout(ctx, BT_USERSPACE_USEC);
        if (r < 0)
                return r;
        probe_progress(ctx, "bringing up the Bluetooth controller on %s (%u baud, %s)", job->device,
                       job->target, job->flow_control ? "RTS/CTS" : "no flow control");
        r = probe_run_blocking(ctx, userspace_work, userspace_done, job);
        if (r < 0)
                return probe_fail(ctx, r, "cannot start the bring-up: %m");
        *j = NULL;
        return 0;
}
