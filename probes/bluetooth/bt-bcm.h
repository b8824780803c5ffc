/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Userspace bring-up of a Broadcom UART Bluetooth controller: identify, patch, address, speed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bt-hcd.h"
#include "bt-hci.h"
#include "uart-speed.h"

#define BCM_OP_RESET              0x0c03
#define BCM_OP_READ_LOCAL_NAME    0x0c14
#define BCM_OP_READ_LOCAL_VERSION 0x1001
#define BCM_OP_READ_BD_ADDR       0x1009
#define BCM_OP_WRITE_BD_ADDR      0xfc01
#define BCM_OP_UPDATE_BAUD_RATE   0xfc18
#define BCM_OP_DOWNLOAD_MINIDRV   0xfc2e

#define BCM_STEPS_MAX 48

/* The chip name the kernel's btbcm gives an LMP subversion on a UART; NULL when unknown. */
const char *bcm_chip_from_subversion(uint16_t subversion);
/* Whether a controller's address is a Broadcom default (not programmed for this board). bdaddr is
 * in the order people write it, most significant byte first. */
bool bcm_bdaddr_is_default(const uint8_t bdaddr[6]);
/* A stable address for the board: on a Raspberry Pi serial, B8:27:EB plus the serial's low 24
 * bits xor 0xAAAAAA (the Pi OS convention); else a hash of the serial, locally administered. */
int bcm_bdaddr_from_serial(const char *serial, uint8_t ret[6]);

typedef struct BcmStep {
        char name[40];
        uint32_t baud;
        uint64_t usec;
        int error; /* 0 or -errno */
} BcmStep;

/* What happened, for the probe's details; filled as the bring-up goes. */
typedef struct BcmReport {
        char chip[24]; /* "BCM4345C0"; "BCM" + subversion when not in the table */
        uint16_t subversion;
        uint16_t rom_build; /* hci revision before the patch */
        uint16_t build;     /* after the patch */
        uint16_t manufacturer;
        char name[249];
        char *firmware_path;
        size_t firmware_size;
        size_t firmware_records;
        char **firmware_tried;
        uint32_t baud; /* speed both sides ended at */
        uint32_t baud_wanted;
        bool flow_control;
        uint8_t bdaddr[6];    /* most significant first */
        bool bdaddr_assigned; /* hwctl set it because the controller had a default one */
        uint64_t late_usec;   /* when answers came, but after the deadline: how late */
        uint64_t total_usec;
        BcmStep steps[BCM_STEPS_MAX];
        size_t n_steps;
        bool degraded; /* works, with less: lower speed, no patch, no flow control */
        int error;     /* on failure, or the reason for degraded */
        char *cause;   /* a sentence: what is wrong */
        char *remedy;  /* a sentence: what a person can do */
} BcmReport;

void bcm_report_done(BcmReport *r);

typedef struct BcmSetupParams {
        const char *device;   /* as a person knows it, e.g. /dev/ttyAMA0 */
        uint32_t target_baud; /* operating speed wanted; 0 or 115200: stay at 115200 */
        bool flow_control;    /* RTS/CTS expected on the wiring */
        const char *sysroot;  /* firmware lookup */
        char *const *firmware_dirs;
        char *const *compatibles;
        const char *serial;        /* for a stable BD_ADDR; NULL leaves a default one */
        const uint8_t *address;    /* a fixed BD_ADDR (most significant first), or NULL */
        const char *expected_chip; /* from the board table; a difference is a finding */
        uint64_t timeout_usec;     /* per command; 0 means 1 s */
} BcmSetupParams;

/* Runs the whole bring-up on a tty fd. Returns 0 when the controller is up (report->degraded
 * tells whether with less than wanted), else -errno with report->cause and report->remedy. */
int bcm_setup(int fd, const BcmSetupParams *p, BcmReport *report);

/* --- Steps, for bcm_setup() and tests --- */
int bcm_cmd(BtHci *h, BcmReport *rep, const char *step, uint16_t opcode, const void *params,
            size_t len, uint64_t timeout_usec, void *ret_params, size_t ret_size);
/* Sends every record of a validated patch; the caller waits for the launch afterwards. */
int bcm_download_patch(BtHci *h, BcmReport *rep, const BtHcd *hcd, uint64_t timeout_usec);

/* The last step: hands the tty to the kernel (N_HCI line discipline, H4) and returns the hciN
 * index the kernel made; the ioctl's -errno (EINVAL: no N_HCI in this kernel) otherwise. */
int bcm_attach_line_discipline(int fd, int *ret_index);
