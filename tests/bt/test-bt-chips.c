/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The full userspace bring-up of each Raspberry Pi / VIM1S chip with its real bluez-firmware patch,
 * paced like the wire: one at 115200 without flow control, the others at speed with it. */
#include <stdio.h>

#include "bt-rig.h"
#include "test-util.h"

static char *const fw_dirs[] = {"/lib/firmware", "/usr/lib/firmware", NULL};

static void bring_up(const char *chip, uint16_t subversion, const char *compat, uint32_t baud,
                     bool flow, size_t records)
{
        char *const compatibles[] = {(char *)compat, NULL};
        _cleanup_free_ char *hcd = strdup_printf("/lib/firmware/brcm/%s.hcd", chip);
        RigRun run = {.chip = chip,
                      .emu_hcd = hcd,
                      .p = {.firmware_dirs = fw_dirs,
                            .compatibles = compatibles,
                            .target_baud = baud,
                            .flow_control = flow,
                            .serial = "10000000a1b2c3d4",
                            .expected_chip = chip,
                            .timeout_usec = USEC_PER_SEC}};

        rig_run(&run);
        ASSERT_INT_EQ(run.r, 0);
        ASSERT_FALSE(run.rep.degraded);
        ASSERT_STR_EQ(run.rep.chip, chip);
        ASSERT_INT_EQ(run.rep.subversion, subversion);
        ASSERT_STR_EQ(run.rep.firmware_path, hcd);
        ASSERT_INT_EQ(run.rep.firmware_records, records);
        ASSERT_TRUE(run.st.patch_ok);
        ASSERT_FALSE(run.st.patch_mismatch);
        ASSERT_INT_EQ(run.st.records_ok, records);
        ASSERT_TRUE(run.rep.build != run.rep.rom_build);
        ASSERT_INT_EQ(run.rep.baud, baud);
        ASSERT_INT_EQ(run.st.baud, baud);
        ASSERT_INT_EQ(run.rep.flow_control, flow);
        ASSERT_TRUE(run.rep.bdaddr_assigned);
        ASSERT_TRUE(memcmp(run.rep.bdaddr, run.st.bdaddr, 6) == 0);
        /* Every step has a duration, and the patch step is there. */
        ASSERT_TRUE(run.rep.n_steps > 8);
        for (size_t i = 0; i < run.rep.n_steps; i++)
                if (streq(run.rep.steps[i].name, "patch"))
                        fprintf(stderr, "  %s: patch %zu B at %u baud in %.2f s\n", chip,
                                run.rep.firmware_size, run.rep.steps[i].baud,
                                run.rep.steps[i].usec / 1e6);
        bcm_report_done(&run.rep);
}

int main(void)
{
        if (access("/lib/firmware/brcm/BCM4345C0.hcd", R_OK) < 0)
                TEST_SKIP("/lib/firmware/brcm has no patches: install bluez-firmware "
                          "(scripts/setup does, from non-free-firmware)");
        /* Pi 3B / Zero W: PL011 with RTS/CTS. */
        bring_up("BCM43430A1", 0x2209, "raspberrypi,3-model-b", 3000000, true, 121);
        /* Zero 2 W. */
        bring_up("BCM43430B0", 0x410c, "raspberrypi,model-zero-2-w", 3000000, true, 174);
        /* Pi 4 without RTS/CTS: the 64 KB patch at 115200 (~5.5 s on the wire), then 921600. */
        bring_up("BCM4345C0", 0x6119, "raspberrypi,4-model-b", 921600, false, 323);
        /* VIM1S AP6256. */
        bring_up("BCM4345C5", 0x6606, "khadas,vim1s", 2000000, true, 212);
        return test_exit();
}
