/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bluetooth probe: a Broadcom UART controller up at the best speed its wiring allows, with
 * its patch and a stable address, or a diagnosis that names the cause.
 *
 * This file holds the ProbeOps, the choice of path, the dispatch and the plan; the paths are
 * bt-userspace.c and bt-kernel.c. Userspace: hwctld brings the chip up itself on the tty
 * (bcm_setup() on a worker thread), hands the tty to the kernel's N_HCI line discipline, brings
 * hciN up and reads it back; the tty stays open in the handle's state for as long as hwctld runs
 * (closing it would take hciN away). Kernel: the device tree has a Bluetooth node under the UART
 * and the kernel's hci_uart_bcm does the bring-up; hwctld waits for the hciN under that UART,
 * brings it up (which runs the driver's setup if nothing has), reads it back, and when it does not
 * come, or comes with less, reads the kernel log, the board facts and the live pin functions and
 * says why (bt-diagnose.c). A controller that fails for a reason that may pass (a timeout) gets its
 * driver unbound and bound again, a bounded number of times with a growing pause.
 *
 * Verdicts: ok (up as wanted), degraded (up with less: a lower speed, no patch, no flow
 * control), failed (not up; the remedy says what to do), skipped (Attach=off, or no Bluetooth
 * UART on this board). */
#include <stdio.h>
#include <unistd.h>

#include "bluetooth.h"
#include "bt-firmware.h"
#include "bt-userspace.h"

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

/* --- What the board and the configuration ask for --- */

static BtPath choose_path(const Board *b, const BluetoothSettings *s)
{
        if (s->attach == BLUETOOTH_ATTACH_KERNEL)
                return BT_PATH_KERNEL;
        if (s->attach == BLUETOOTH_ATTACH_USERSPACE)
                return BT_PATH_USERSPACE;
        return b->bluetooth.kernel_attach ? BT_PATH_KERNEL : BT_PATH_USERSPACE;
}

static bool bt_applies(const Board *b, const Config *c, const char **ret_reason)
{
        const BluetoothSettings *s = bt_settings_of(c);

        if (s->attach == BLUETOOTH_ATTACH_OFF) {
                *ret_reason = "Attach=off: the controller is left alone";
                return false;
        }
        if (s->device || s->attach == BLUETOOTH_ATTACH_USERSPACE)
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

void bt_add_subversion(json_object *o, uint16_t subversion)
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
        bt_add_subversion(d, info->lmp_subversion);
        details_add_int(d, "manufacturer", info->manufacturer);
}

/* HCIDEVUP, lifting a soft rfkill block first when that is what stands in the way. The
 * userspace path read the chip's version itself, a moment ago. */
int bt_bring_up(BtJob *j, BtHciInfo *info)
{
        bool version = j->path == BT_PATH_KERNEL;
        int r = bt_hci_bring_up(j->hci_index, version, info), u;

        if (r != -ERFKILL)
                return r;
        u = bt_rfkill_unblock_hci(j->sys, j->rfkill, j->hci_index);
        j->rfkill_r = u;
        if (u <= 0)
                return r;
        return bt_hci_bring_up(j->hci_index, version, info);
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
        const BluetoothSettings *s = bt_settings_of(c);
        ProbeHandle *h = probe_context_handle(ctx);
        BtState *st = probe_handle_get_state(h);
        _cleanup_(bt_job_freep) BtJob *j = NULL;
        _cleanup_free_ char *config = NULL;
        json_object *section;

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
        j->path = choose_path(b, s);
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

        j->serial = address_seed(ctx, b);
        j->address_set = s->address_set;
        memcpy(j->address, s->address, 6);
        return j->path == BT_PATH_KERNEL ? bt_kernel_start(ctx, &j) : bt_userspace_start(ctx, &j);
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
        const BluetoothSettings *s = bt_settings_of(c);
        char *text;
        bool flow;
        uint32_t baud;

        if (!sys)
                return -ENOMEM;
        if (!bt_applies(b, c, &reason)) {
                text = strdup_printf("nothing: %s", reason);
                goto out;
        }
        if (choose_path(b, s) == BT_PATH_KERNEL) {
                _cleanup_free_ char *span = format_duration(s->kernel_timeout_usec);

                details_add_str(details, "path", "kernel");
                details_add_str(details, "uart", b->bluetooth.uart_path);
                text = strdup_printf("wait up to %s for the kernel's driver to bring up the %s on "
                                     "%s, then read it back; diagnose it if it does not come",
                                     strna(span), b->bluetooth.chip ?: "controller",
                                     strna(b->bluetooth.uart_path));
                goto out;
        }
        device = bt_userspace_device(b, s, sys);
        if (!device) {
                text = strdup(
                        "nothing: the board names no Bluetooth tty; set Device= in [Bluetooth]");
                goto out;
        }
        flow = bt_userspace_flow_control(b, s);
        baud = bt_userspace_baud(b, s, flow);
        if (b->bluetooth.chip && bt_firmware_find(sysroot, s->firmware_dirs, b->bluetooth.chip,
                                                  b->compatible, &fw, &tried) < 0)
                return -ENOMEM;
        details_add_str(details, "path", "userspace");
        details_add_str(details, "device", device);
        details_add_int(details, "baud", baud);
        json_object_object_add(details, "flow_control", json_object_new_boolean(flow));
        details_add_str(details, "expected_chip", b->bluetooth.chip);
        details_add_str(details, "firmware", fw);
        text = strdup_printf(
                "bring up the %s on %s at %u baud %s, patch %s, then attach it as hciN",
                b->bluetooth.chip ?: "controller", device, baud,
                flow ? "with RTS/CTS" : "without flow control",
                fw                  ? fw
                : b->bluetooth.chip ? "not found"
                                    : "chosen by the chip");
out:
        if (!text)
                return -ENOMEM;
        *ret_summary = text;
        return 0;
}

const ProbeOps probe_bluetooth = {
        .name = "bluetooth",
        .config = &bluetooth_config_section,
        .applies = bt_applies,
        .run = bt_run,
        .cancel = bt_cancel,
        .plan = bt_plan,
        .timeout_usec = 30 * USEC_PER_SEC,
};
