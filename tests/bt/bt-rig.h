/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test rig: a pty pair with the emulated controller on the master, and temporary firmware trees. */
#pragma once

#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "bcm-emu.h"
#include "bt-bcm.h"
#include "util.h"

/* A valid patch of n Write RAM records of 200 bytes, then Launch RAM. */
static inline int rig_write_hcd(const char *path, size_t n)
{
        size_t size = (n + 1) * (3 + 200);
        uint8_t *d = calloc(1, size), *p = d;
        int r;

        if (!d)
                return -ENOMEM;
        for (size_t i = 0; i <= n; i++) {
                uint16_t op = i < n ? 0xfc4c : 0xfc4e;

                p[0] = op & 0xff;
                p[1] = op >> 8;
                p[2] = 200;
                for (int k = 0; k < 200; k++)
                        p[3 + k] = (uint8_t)(i * 7 + k);
                p += 203;
        }
        r = write_file_atomic(path, d, size, 0644);
        free(d);
        return r;
}

/* A temporary sysroot; its /lib/firmware/brcm/<chip>.hcd is a small valid patch when n > 0. */
static inline char *rig_sysroot(const char *chip, size_t n)
{
        char tmpl[] = "/tmp/hwctl-bt-XXXXXX";
        char *root, *hcd;

        if (!mkdtemp(tmpl))
                return NULL;
        root = strdup(tmpl);
        if (n > 0 && chip) {
                hcd = strdup_printf("%s/lib/firmware/brcm/%s.hcd", root, chip);
                if (!hcd || rig_write_hcd(hcd, n) < 0)
                        abort();
                free(hcd);
        }
        return root;
}

static inline void rig_rm_rf(const char *root)
{
        char *cmd = strdup_printf("rm -rf '%s'", root);

        if (cmd && system(cmd) != 0)
                fprintf(stderr, "cannot remove %s\n", root);
        free(cmd);
}

typedef struct RigRun {
        const char *chip;
        unsigned faults;
        uint64_t late_usec;
        const char *emu_hcd; /* the patch the emulator expects; NULL: any */
        BcmSetupParams p;
        /* out */
        int r;
        BcmReport rep;
        BcmEmuStats st;
        uint64_t usec;
} RigRun;

/* Runs bcm_setup() on the slave of a fresh pty with the emulator on the master. */
static inline void rig_run(RigRun *run)
{
        BcmEmuConfig c = {.chip = run->chip,
                          .hcd_path = run->emu_hcd,
                          .faults = run->faults,
                          .late_usec = run->late_usec};
        BcmEmu *emu = NULL;
        int master, slave;
        uint64_t t;

        if (openpty(&master, &slave, NULL, NULL, NULL) < 0)
                abort();
        if (bcm_emu_start(master, &c, &emu) < 0)
                abort();
        if (!run->p.device)
                run->p.device = "/dev/ttyAMA0";
        if (!run->p.timeout_usec)
                run->p.timeout_usec = 200 * USEC_PER_MSEC;
        t = now_usec(CLOCK_MONOTONIC);
        run->r = bcm_setup(slave, &run->p, &run->rep);
        run->usec = now_usec(CLOCK_MONOTONIC) - t;
        bcm_emu_stop(emu, &run->st);
        close(slave);
        close(master);
        fprintf(stderr, "  %s faults=0x%x: r=%d baud=%u flow=%d %.2f s; cause: %s; remedy: %s\n",
                run->chip, run->faults, run->r, run->rep.baud, run->rep.flow_control,
                run->usec / 1e6, strna(run->rep.cause), strna(run->rep.remedy));
}
