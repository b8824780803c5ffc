/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bluetooth probe: a Broadcom UART controller up at the best speed its wiring allows, with
 * its patch and a stable address, or a diagnosis that names the cause.
 *
 * Two paths. Userspace: hwctld brings the chip up itself on the tty (bcm_setup() on a worker
 * thread), hands the tty to the kernel's N_HCI line discipline, brings hciN up and reads it back;
 * the tty stays open in the handle's state for as long as hwctld runs (closing it would take
 * hciN away). Kernel: the device tree has a Bluetooth node under the UART and the kernel's
 * hci_uart_bcm does the bring-up; hwctld waits for the hciN under that UART, brings it up (which
 * runs the driver's setup if nothing has), reads it back, and when it does not come, or comes
 * with less, reads the kernel log, the board facts and the live pin functions and says why
 * (bt-diagnose.c). A controller that fails for a reason that may pass (a timeout) gets its driver
 * unbound and bound again, a bounded number of times with a growing pause.
 *
 * Verdicts: ok (up as wanted), degraded (up with less: a lower speed, no patch, no flow
 * control), failed (not up; the remedy says what to do), skipped (Attach=off, or no Bluetooth
 * UART on this board). */
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bluetooth.h"
#include "bt-firmware.h"

static void bt_state_free(void *p)
{
        BtState *s = p;

        if (!s)
                return;
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

BtJob *bt_job_free(BtJob *j)
{
        if (!j)
                return NULL;
        sd_event_source_disable_unref(j->timer);
        if (j->fd >= 0)
                close(j->fd);
        bcm_report_done(&j->rep);
        free(j->device);
        free(j->device_path);
        free(j->sysroot);
        free(j->sys);
        free(j->kmsg);
        free(j->rfkill);
        free(j->config);
        free(j->power_switch);
        strv_free(j->firmware_dirs);
        strv_free(j->compatibles);
        free(j->serial);
        free(j->expected_chip);
        free(j->uart_path);
        free(j->serdev_dir);
        free(j->driver);
        free(j);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(BtJob *, bt_job_free)

/* --- What the board and the configuration ask for --- */

static BtPath choose_path(const Board *b, const Config *c)
{
        if (bt_settings_of(c)->attach == BLUETOOTH_ATTACH_KERNEL)
                return BT_PATH_KERNEL;
        if (bt_settings_of(c)->attach == BLUETOOTH_ATTACH_USERSPACE)
                return BT_PATH_USERSPACE;
        return b->bluetooth.kernel_attach ? BT_PATH_KERNEL : BT_PATH_USERSPACE;
}

static bool want_flow_control(const Board *b, const Config *c)
{
        const BoardBluetooth *bt = &b->bluetooth;

        if (bt_settings_of(c)->flow_control != BLUETOOTH_FLOW_CONTROL_AUTO)
                return bt_settings_of(c)->flow_control == BLUETOOTH_FLOW_CONTROL_YES;
        if (bt->uart_kind == UART_KIND_MINI || bt->pins_rtscts == TRISTATE_NO)
                return false;
        /* The board table's speed says whether the board wires RTS/CTS to the controller. */
        if (bt->expected_baud > 0)
                return bt->expected_baud > 921600;
        return bt->pins_rtscts == TRISTATE_YES;
}

static uint32_t want_baud(const Board *b, const Config *c, bool flow)
{
        const BoardBluetooth *bt = &b->bluetooth;

        if (bt_settings_of(c)->baud > 0)
                return bt_settings_of(c)->baud;
        if (bt->expected_baud > 0)
                return bt->expected_baud;
        if (bt->uart_kind == UART_KIND_MINI)
                return 460800;
        return flow ? 3000000 : 921600;
}

/* The tty for the userspace path: Device=, else the one the kernel made from the board's UART
 * node, else the name the UART's kind has on these boards. NULL when nothing names one. */
static char *userspace_device(const Board *b, const Config *c, const char *sys)
{
        const BoardBluetooth *bt = &b->bluetooth;
        _cleanup_free_ char *name = NULL;

        if (bt_settings_of(c)->device)
                return strdup(bt_settings_of(c)->device);
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

static bool bt_applies(const Board *b, const Config *c, const char **ret_reason)
{
        if (bt_settings_of(c)->attach == BLUETOOTH_ATTACH_OFF) {
                *ret_reason = "Attach=off: the controller is left alone";
                return false;
        }
        if (bt_settings_of(c)->device || bt_settings_of(c)->attach == BLUETOOTH_ATTACH_USERSPACE)
                return true;
        if (!b->bluetooth.uart_path && !b->bluetooth.kernel_attach) {
                *ret_reason = "this board has no Bluetooth UART in its device tree";
                return false;
        }
        return true;
}

/* --- Details --- */

void bt_add_bdaddr(json_object *o, const char *k, const uint8_t a[6])
{
        char buf[18];

        bt_format_bdaddr(a, buf);
        details_add_str(o, k, buf);
}

static void add_subversion(json_object *o, uint16_t subversion)
{
        char buf[8];

        snprintf(buf, sizeof(buf), "0x%04x", subversion);
        details_add_str(o, "subversion", buf);
}

const char *bt_base_name(const char *p)
{
        const char *s = p ? strrchr(p, '/') : NULL;
        return s ? s + 1 : p;
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
                add_subversion(d, rep->subversion);
        if (rep->name[0])
                details_add_str(d, "name", rep->name);
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

void bt_add_hci_info(json_object *d, const BtHciInfo *info)
{
        const char *chip;

        details_add_str(d, "hci", info->name[0] ? info->name : NULL);
        json_object_object_add(d, "up", json_object_new_boolean(info->up));
        bt_add_bdaddr(d, "address", info->bdaddr);
        if (!info->have_version)
                return;
        chip = bcm_chip_from_subversion(info->lmp_subversion);
        if (chip)
                details_add_str(d, "chip", chip);
        add_subversion(d, info->lmp_subversion);
        details_add_int(d, "manufacturer", info->manufacturer);
}

/* HCIDEVUP, lifting a soft rfkill block first when that is what stands in the way. */
int bt_bring_up(BtJob *j, BtHciInfo *info)
{
        int r = bt_hci_bring_up(j->hci_index, info), u;

        if (r != -ERFKILL)
                return r;
        u = bt_rfkill_unblock_hci(j->sys, j->rfkill, j->hci_index);
        j->rfkill_r = u;
        if (u <= 0)
                return r;
        return bt_hci_bring_up(j->hci_index, info);
}

void bt_add_rfkill(json_object *d, const BtJob *j)
{
        if (j->rfkill_r == 1)
                json_object_object_add(d, "rfkill_unblocked", json_object_new_boolean(true));
        else if (j->rfkill_r == -EPERM)
                details_add_str(d, "rfkill", "hard-blocked");
        else if (j->rfkill_r < 0)
                details_add_str(d, "rfkill_error", strerror(-j->rfkill_r));
}

/* --- Userspace path --- */

#define BT_POWER_OFF_USEC (50 * USEC_PER_MSEC)
#define BT_POWER_ON_USEC  (150 * USEC_PER_MSEC) /* BT_REG_ON high to the chip's ROM answering */

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
        for (unsigned i = 0; i < 50; i++) {
                j->up_r = bt_bring_up(j, &j->info);
                if (j->up_r != -ENODEV)
                        break;
                (void)poll(NULL, 0, 20);
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

/* --- The probe --- */

static char *read_machine_id(ProbeContext *ctx)
{
        _cleanup_free_ char *p = probe_context_path(ctx, PROBE_PATH_ETC, "machine-id");
        char *id = NULL;

        if (!p || read_one_line_file(p, &id) < 0 || isempty(id)) {
                free(id);
                return NULL;
        }
        return id;
}

/* What a stable address is derived from (bcm_bdaddr_from_serial()): a Raspberry Pi's serial as
 * is, which gives the Pi OS address (B8:27:EB + the serial's low bits); any other serial, or the
 * machine-id, with a prefix that keeps it from passing for a Pi serial, which gives a hashed,
 * locally administered address. NULL when there is nothing. */
static char *address_seed(ProbeContext *ctx, const Board *b)
{
        _cleanup_free_ char *id = NULL;

        if (b->serial)
                return b->family == BOARD_FAMILY_RPI ? strdup(b->serial)
                                                     : strdup_printf("serial:%s", b->serial);
        id = read_machine_id(ctx);
        return id ? strdup_printf("machine-id:%s", id) : NULL;
}

static int bt_run(ProbeContext *ctx)
{
        const Board *b = probe_context_board(ctx);
        const Config *c = probe_context_config(ctx);
        ProbeHandle *h = probe_context_handle(ctx);
        BtState *st = probe_handle_get_state(h);
        _cleanup_(bt_job_freep) BtJob *j = NULL;
        _cleanup_free_ char *config = NULL;
        json_object *section;
        int r;

        section = config_section_to_json(c, "Bluetooth");
        config = section ? strdup(json_object_to_json_string_ext(section, JSON_C_TO_STRING_PLAIN))
                         : NULL;
        json_object_put(section);
        if (!config)
                return -ENOMEM;
        /* A controller attached by an earlier run stays up while its tty is held, unless the
         * configuration it was attached with changed (SIGHUP). */
        if (st && st->fd >= 0 && bt_sysfs_hci_exists(st->sys, st->hci_index) &&
            streq_ptr(st->config, config)) {
                json_object_object_foreach (st->details, k, v)
                        json_object_object_add(probe_context_details(ctx), k, json_object_get(v));
                if (st->remedy)
                        probe_set_remedy(ctx, "%s", st->remedy);
                return probe_done(ctx, st->verdict, "%s", strna(st->summary));
        }
        /* Gone (or a new configuration): let go of the old tty before opening it again. */
        probe_handle_set_state(h, NULL, NULL);

        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        j->fd = -EBADF;
        j->hci_index = -1;
        j->config = TAKE_PTR(config);
        j->board = b;
        j->started = now_usec(CLOCK_MONOTONIC);
        j->path = choose_path(b, c);
        j->sys = probe_context_path(ctx, PROBE_PATH_SYS, NULL);
        j->kmsg = probe_context_path(ctx, PROBE_PATH_DEV, "kmsg");
        j->rfkill = probe_context_path(ctx, PROBE_PATH_DEV, "rfkill");
        j->sysroot = strdup(probe_handle_sysroot(h));
        if (!j->sys || !j->kmsg || !j->rfkill || !j->sysroot)
                return -ENOMEM;
        /* The paths are "<root>/sys/": drop the slash so joined names read well. */
        if (strlen(j->sys) > 1 && j->sys[strlen(j->sys) - 1] == '/')
                j->sys[strlen(j->sys) - 1] = 0;
        if (strlen(j->kmsg) > 1 && j->kmsg[strlen(j->kmsg) - 1] == '/')
                j->kmsg[strlen(j->kmsg) - 1] = 0;

        /* A fixture system root without the kernel's trees has nothing to watch or open. */
        if (!streq(j->sysroot, "/")) {
                _cleanup_free_ char *need = j->path == BT_PATH_KERNEL
                                                    ? strdup_printf("%s/devices", j->sys)
                                                    : probe_context_path(ctx, PROBE_PATH_DEV, NULL);
                if (!need)
                        return -ENOMEM;
                if (access(need, F_OK) < 0)
                        return probe_done(ctx, VERDICT_SKIPPED,
                                          "no %s under %s: the %s path has nothing to work on",
                                          j->path == BT_PATH_KERNEL ? "sysfs" : "/dev", j->sysroot,
                                          j->path == BT_PATH_KERNEL ? "kernel" : "userspace");
        }

        if (j->path == BT_PATH_KERNEL) {
                json_object *d = probe_context_details(ctx);

                if (!b->bluetooth.uart_path)
                        return probe_done(ctx, VERDICT_FAILED,
                                          "Attach=kernel, but the device tree names no "
                                          "Bluetooth UART");
                j->uart_path = strdup(b->bluetooth.uart_path);
                if (!j->uart_path)
                        return -ENOMEM;
                j->kernel_timeout = bt_settings_of(c)->kernel_timeout_usec;
                j->serial = address_seed(ctx, b);
                j->address_set = bt_settings_of(c)->address_set;
                memcpy(j->address, bt_settings_of(c)->address, 6);
                details_add_str(d, "path", "kernel");
                details_add_str(d, "uart", b->bluetooth.uart_path);
                details_add_str(d, "node", b->bluetooth.node_path);
                details_add_str(d, "expected_chip", b->bluetooth.chip);
                r = probe_extend_timeout(ctx, j->kernel_timeout * (BT_REBIND_MAX + 1) +
                                                      BT_KERNEL_SETUP_USEC * (BT_REBIND_MAX + 1));
                if (r < 0)
                        return r;
                {
                        _cleanup_free_ char *span = format_duration(j->kernel_timeout);
                        probe_progress(ctx,
                                       "waiting up to %s for the kernel's Bluetooth driver on %s",
                                       strna(span), j->uart_path);
                }
                r = bt_kernel_arm(ctx, j);
                if (r < 0)
                        return probe_fail(ctx, r, "cannot arm the wait for the controller: %m");
                TAKE_PTR(j);
                return 0;
        }

        j->device = userspace_device(b, c, j->sys);
        if (!j->device)
                return probe_done(ctx, VERDICT_SKIPPED,
                                  "no tty to bring Bluetooth up on: the board names none; set "
                                  "Device= in [Bluetooth]");
        j->device_path = probe_context_path(ctx, PROBE_PATH_DEV,
                                            startswith(j->device, "/dev/") ?: j->device);
        j->flow_control = want_flow_control(b, c);
        j->target = want_baud(b, c, j->flow_control);
        j->firmware_dirs = strv_copy(bt_settings_of(c)->firmware_dirs);
        j->compatibles = b->compatible ? strv_copy(b->compatible) : NULL;
        j->serial = address_seed(ctx, b);
        j->expected_chip = b->bluetooth.chip ? strdup(b->bluetooth.chip) : NULL;
        j->address_set = bt_settings_of(c)->address_set;
        memcpy(j->address, bt_settings_of(c)->address, 6);
        if (!j->device_path || (bt_settings_of(c)->firmware_dirs && !j->firmware_dirs) ||
            (b->compatible && !j->compatibles))
                return -ENOMEM;
        r = probe_extend_timeout(ctx, BT_USERSPACE_USEC);
        if (r < 0)
                return r;
        probe_progress(ctx, "bringing up the Bluetooth controller on %s (%u baud, %s)", j->device,
                       j->target, j->flow_control ? "RTS/CTS" : "no flow control");
        r = probe_run_blocking(ctx, userspace_work, userspace_done, j);
        if (r < 0)
                return probe_fail(ctx, r, "cannot start the bring-up: %m");
        TAKE_PTR(j);
        return 0;
}

static void bt_cancel(ProbeContext *ctx)
{
        /* The userspace worker cannot be interrupted; its done callback frees the job. The kernel
         * path's wait is a timer on the loop. */
        bt_kernel_cancel(ctx);
}

static int bt_plan(const Board *b, const Config *c, const char *sysroot, char **ret_summary,
                   json_object *details)
{
        const char *reason = NULL;
        _cleanup_free_ char *sys = path_join_root(sysroot, "/sys"), *device = NULL, *fw = NULL;
        _cleanup_strv_free_ char **tried = NULL;
        char *s;
        bool flow;
        uint32_t baud;

        if (!sys)
                return -ENOMEM;
        if (!bt_applies(b, c, &reason)) {
                s = strdup_printf("nothing: %s", reason);
                goto out;
        }
        if (choose_path(b, c) == BT_PATH_KERNEL) {
                _cleanup_free_ char *span = format_duration(bt_settings_of(c)->kernel_timeout_usec);

                details_add_str(details, "path", "kernel");
                details_add_str(details, "uart", b->bluetooth.uart_path);
                s = strdup_printf("wait up to %s for the kernel's driver to bring up the %s on "
                                  "%s, then read it back; diagnose it if it does not come",
                                  strna(span), b->bluetooth.chip ?: "controller",
                                  strna(b->bluetooth.uart_path));
                goto out;
        }
        device = userspace_device(b, c, sys);
        if (!device) {
                s = strdup("nothing: the board names no Bluetooth tty; set Device= in [Bluetooth]");
                goto out;
        }
        flow = want_flow_control(b, c);
        baud = want_baud(b, c, flow);
        if (b->bluetooth.chip &&
            bt_firmware_find(sysroot, bt_settings_of(c)->firmware_dirs, b->bluetooth.chip,
                             b->compatible, &fw, &tried) < 0)
                return -ENOMEM;
        details_add_str(details, "path", "userspace");
        details_add_str(details, "device", device);
        details_add_int(details, "baud", baud);
        json_object_object_add(details, "flow_control", json_object_new_boolean(flow));
        details_add_str(details, "expected_chip", b->bluetooth.chip);
        details_add_str(details, "firmware", fw);
        s = strdup_printf("bring up the %s on %s at %u baud %s, patch %s, then attach it as hciN",
                          b->bluetooth.chip ?: "controller", device, baud,
                          flow ? "with RTS/CTS" : "without flow control",
                          fw                  ? fw
                          : b->bluetooth.chip ? "not found"
                                              : "chosen by the chip");
out:
        if (!s)
                return -ENOMEM;
        *ret_summary = s;
        return 0;
}

const ProbeOps probe_bluetooth = {
        .name = "bluetooth",
        .config = &bluetooth_config_section,
        .after = (const char *const[]){"gpio", NULL},
        .applies = bt_applies,
        .run = bt_run,
        .cancel = bt_cancel,
        .plan = bt_plan,
        .timeout_usec = 30 * USEC_PER_SEC,
};
