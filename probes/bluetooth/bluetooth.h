/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bluetooth probe's own pieces, shared by its dispatch (bluetooth.c), its userspace path
 * (bt-userspace.c) and its kernel path (bt-kernel.c). */
#pragma once

#include <systemd/sd-device.h>

#include "bt-bcm.h"
#include "details.h"
#include "bt-settings.h"
#include "bt-sysfs.h"
#include "probe.h"

#define BT_POLL_USEC      (100 * USEC_PER_MSEC)
#define BT_TIMER_ACCURACY (1 * USEC_PER_MSEC)
#define BT_REBIND_MAX     2
/* A controller that appears after the kernel path reported: looked at this long after. */
#define BT_RERUN_DELAY_USEC (500 * USEC_PER_MSEC)
/* Waits of KernelTimeoutSec= added while udev still has events queued. */
#define BT_UDEV_WAITS_MAX    6
#define BT_REBIND_PAUSE_USEC (1 * USEC_PER_SEC) /* doubles each time */
/* HCIDEVUP runs the driver's whole setup; its commands time out after some seconds each. */
#define BT_KERNEL_SETUP_USEC (60 * USEC_PER_SEC)
#define BT_USERSPACE_USEC    (90 * USEC_PER_SEC)

typedef enum BtPath {
        BT_PATH_USERSPACE,
        BT_PATH_KERNEL,
} BtPath;

/* What outlives a run: the tty handed to the kernel, and what the run that attached it found;
 * or, after the kernel path found no controller, the watch for one (fd < 0 then). */
typedef struct BtState {
        sd_device_monitor *watch; /* "bluetooth" devices: an hciN that comes later re-runs */
        sd_event_source *rerun;
        ProbeHandle *handle;
        char *config; /* the [Bluetooth] section it was attached with, as JSON */
        int fd;
        int hci_index;
        char *sys;
        Verdict verdict;
        char *summary;
        char *remedy;
        json_object *details;
} BtState;

typedef struct BtJob {
        BtPath path;
        BtState *state;
        /* inputs, copied: the configuration may be reloaded while the worker runs */
        char *device;      /* as a person knows it: /dev/ttyAMA0 */
        char *device_path; /* the same under the sysroot */
        char *sysroot, *sys, *kmsg, *rfkill;
        char *config;       /* the [Bluetooth] section as JSON, for the state */
        int rfkill_r;       /* bt_rfkill_unblock_hci(), when HCIDEVUP met a block */
        char *power_switch; /* the rfkill switch that power-cycled the chip, NULL when none */
        int power_r;
        char **firmware_dirs, **compatibles;
        char *serial, *expected_chip;
        uint8_t address[6];
        bool address_set;
        uint32_t target;
        bool flow_control;
        uint64_t kernel_timeout;
        const Board *board; /* the run's board, only used on the loop */
        /* userspace results */
        int fd;
        BcmReport rep;
        int setup_r, attach_r, up_r;
        int hci_index;
        BtHciInfo info;
        /* kernel path */
        char *uart_path;
        sd_event_source *timer;
        uint64_t deadline;
        unsigned rebinds;
        unsigned udev_waits;
        char *serdev_dir, *driver;
        uint64_t started;
        bool unconfigured; /* the kernel found only a default address */
        bool mgmt_tried;
        unsigned up_retries; /* HCIDEVUP answered ENODEV while hciN was there */
        int mgmt_r;          /* setting one over the management channel */
        uint8_t mgmt_status;
        uint8_t assigned[6];
} BtJob;

BtJob *bt_job_free(BtJob *j);
void bt_state_free(void *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(BtJob *, bt_job_free)

/* Details */
void bt_add_bdaddr(json_object *o, const char *k, const uint8_t a[6]);
void bt_add_hci_info(json_object *d, const BtHciInfo *info);
void bt_add_rfkill(json_object *d, const BtJob *j);
void bt_add_subversion(json_object *o, uint16_t subversion);
const char *bt_base_name(const char *p);

/* HCIDEVUP, lifting a soft rfkill block first when that is what stands in the way. */
int bt_bring_up(BtJob *j, BtHciInfo *info);

/* The kernel path: waits for the hciN under the UART from the event loop (the job belongs to
 * the context's userdata meanwhile), brings it up, diagnoses it, reports. On success the job
 * belongs to the path (*j is NULL); otherwise returns what probe_done()/probe_fail() return. */
int bt_kernel_start(ProbeContext *ctx, BtJob **j);
void bt_kernel_cancel(ProbeContext *ctx);
