/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Broadcom bring-up against the emulated controller: each fault gives its cause and remedy in
 * time, step-down lands on the right speed, BD_ADDR rules hold, a bad patch is never sent. */
#include <stdio.h>

#include "bt-hci.h"
#include "bt-rig.h"
#include "bt-tty.h"
#include "test-util.h"

#define T_MS 200

static char *const fw_dirs[] = {"/lib/firmware", NULL};

/* A run with a small valid patch in a temporary sysroot, so the patch path is exercised fast. */
static void run_small(RigRun *run, size_t records)
{
        _cleanup_free_ char *root = rig_sysroot(run->chip, records);
        _cleanup_free_ char *hcd = strdup_printf("%s/lib/firmware/brcm/%s.hcd", root, run->chip);

        run->p.sysroot = root;
        run->p.firmware_dirs = fw_dirs;
        run->emu_hcd = records ? hcd : NULL;
        rig_run(run);
        run->p.sysroot = NULL;
        run->emu_hcd = NULL;
        rig_rm_rf(root);
}

static void test_rules(void)
{
        static const uint8_t aa[6] = {0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa};
        static const uint8_t c0[6] = {0x43, 0x45, 0xc0, 0x00, 0x1f, 0xac};
        static const uint8_t real[6] = {0xb8, 0x27, 0xeb, 0x12, 0x34, 0x56};
        uint8_t a[6], b[6];

        ASSERT_TRUE(bcm_bdaddr_is_default(aa));
        ASSERT_TRUE(bcm_bdaddr_is_default(c0));
        ASSERT_FALSE(bcm_bdaddr_is_default(real));
        ASSERT_INT_EQ(bcm_bdaddr_from_serial("10000000a1b2c3d4", a), 0);
        ASSERT_TRUE(memcmp(a, (uint8_t[]){0xb8, 0x27, 0xeb, 0xb2 ^ 0xaa, 0xc3 ^ 0xaa, 0xd4 ^ 0xaa},
                           6) == 0);
        ASSERT_INT_EQ(bcm_bdaddr_from_serial("khadas-vim1s-0042", a), 0);
        ASSERT_INT_EQ(bcm_bdaddr_from_serial("khadas-vim1s-0042", b), 0);
        ASSERT_TRUE(memcmp(a, b, 6) == 0); /* stable */
        ASSERT_INT_EQ(a[0] & 0x03, 0x02);  /* unicast, locally administered */
        ASSERT_FALSE(bcm_bdaddr_is_default(a));
        ASSERT_INT_EQ(bcm_bdaddr_from_serial("", a), -EINVAL);

        ASSERT_STR_EQ(bcm_chip_from_subversion(0x2209), "BCM43430A1");
        ASSERT_STR_EQ(bcm_chip_from_subversion(0x410c), "BCM43430B0");
        ASSERT_STR_EQ(bcm_chip_from_subversion(0x6119), "BCM4345C0");
        ASSERT_STR_EQ(bcm_chip_from_subversion(0x6606), "BCM4345C5");
        ASSERT_NULL(bcm_chip_from_subversion(0x1234));
}

static void test_good_run_sets_address(void)
{
        RigRun run = {.chip = "BCM4345C0",
                      .p = {.target_baud = 3000000,
                            .flow_control = true,
                            .serial = "10000000a1b2c3d4",
                            .expected_chip = "BCM4345C0"}};

        run_small(&run, 20);
        ASSERT_INT_EQ(run.r, 0);
        ASSERT_FALSE(run.rep.degraded);
        ASSERT_STR_EQ(run.rep.chip, "BCM4345C0");
        ASSERT_INT_EQ(run.rep.subversion, 0x6119);
        ASSERT_INT_EQ(run.rep.baud, 3000000);
        ASSERT_INT_EQ(run.st.baud, 3000000);
        ASSERT_TRUE(run.st.patch_ok);
        ASSERT_INT_EQ(run.rep.firmware_records, 21);
        ASSERT_TRUE(run.rep.build != run.rep.rom_build);
        ASSERT_TRUE(run.rep.bdaddr_assigned);
        ASSERT_TRUE(memcmp(run.st.bdaddr, run.rep.bdaddr, 6) == 0);
        ASSERT_INT_EQ(run.st.bdaddr[0], 0xb8);
        ASSERT_NULL(run.rep.cause);
        bcm_report_done(&run.rep);
}

static void test_no_serial_keeps_default_address(void)
{
        RigRun run = {.chip = "BCM43430A1", .p = {.target_baud = 0}};

        run_small(&run, 2);
        ASSERT_INT_EQ(run.r, 0);
        ASSERT_FALSE(run.rep.bdaddr_assigned);
        ASSERT_INT_EQ(run.st.bdaddr[0], 0xaa);
        ASSERT_INT_EQ(run.rep.baud, 115200);
        bcm_report_done(&run.rep);
}

static void test_silent(void)
{
        RigRun run = {.chip = "BCM4345C0",
                      .faults = BCM_EMU_SILENT,
                      .p = {.target_baud = 3000000, .flow_control = true}};

        run_small(&run, 2);
        ASSERT_INT_EQ(run.r, -ETIMEDOUT);
        ASSERT_STR_CONTAINS(run.rep.cause, "no answer from the controller on /dev/ttyAMA0 at "
                                           "115200, with or without RTS/CTS: it is powered off "
                                           "(BT enable GPIO / rfkill) or on another UART");
        ASSERT_STR_CONTAINS(run.rep.remedy, "enable GPIO");
        ASSERT_TRUE(run.usec < 15 * T_MS * USEC_PER_MSEC);
        ASSERT_INT_EQ(run.st.downloads, 0);
        bcm_report_done(&run.rep);
}

static void test_ignores_baud(void)
{
        RigRun run = {.chip = "BCM4345C0",
                      .faults = BCM_EMU_IGNORE_BAUD,
                      .p = {.target_baud = 3000000, .flow_control = true}};

        run_small(&run, 4);
        ASSERT_INT_EQ(run.r, 0);
        ASSERT_TRUE(run.rep.degraded);
        ASSERT_INT_EQ(run.rep.baud, 115200);
        ASSERT_INT_EQ(run.st.baud, 115200);
        ASSERT_TRUE(run.st.patch_ok); /* at 115200, after the step-down */
        ASSERT_STR_CONTAINS(run.rep.cause, "Update UART Baud Rate (0xfc18) for 3000000");
        ASSERT_STR_CONTAINS(run.rep.cause, "failed to write update baudrate (-110)");
        ASSERT_STR_CONTAINS(run.rep.cause, "RTS/CTS is missing");
        ASSERT_STR_CONTAINS(run.rep.remedy, "CTS/RTS pins");
        ASSERT_TRUE(run.usec < 20 * T_MS * USEC_PER_MSEC);
        bcm_report_done(&run.rep);
}

static void test_no_cts(void)
{
        RigRun run = {.chip = "BCM4345C0",
                      .faults = BCM_EMU_NO_CTS,
                      .p = {.target_baud = 3000000, .flow_control = true}};

        run_small(&run, 4);
        ASSERT_INT_EQ(run.r, 0);
        ASSERT_TRUE(run.rep.degraded);
        ASSERT_FALSE(run.rep.flow_control);
        ASSERT_INT_EQ(run.rep.baud, 921600);
        ASSERT_INT_EQ(run.st.baud, 921600);
        ASSERT_TRUE(run.st.patch_ok);
        ASSERT_STR_CONTAINS(run.rep.cause, "answers only with RTS/CTS off");
        ASSERT_STR_CONTAINS(run.rep.remedy, "CTS/RTS pins");
        bcm_report_done(&run.rep);
}

static void test_only_115200(void)
{
        RigRun run = {.chip = "BCM43430A1",
                      .faults = BCM_EMU_ONLY_115200,
                      .p = {.target_baud = 921600, .flow_control = false}};

        run_small(&run, 2);
        ASSERT_INT_EQ(run.r, 0);
        ASSERT_TRUE(run.rep.degraded);
        ASSERT_INT_EQ(run.rep.baud, 115200);
        ASSERT_STR_CONTAINS(run.rep.cause, "acknowledged 921600 baud but did not answer");
        ASSERT_TRUE(run.st.garbage_received > 0);
        bcm_report_done(&run.rep);
}

static void test_overrun(void)
{
        RigRun run = {.chip = "BCM4345C5",
                      .faults = BCM_EMU_OVERRUN,
                      .p = {.target_baud = 2000000, .flow_control = true}};

        /* Flow control believed but not working: the patch at speed loses bytes. */
        run_small(&run, 30);
        ASSERT_INT_EQ(run.r, -ETIMEDOUT);
        ASSERT_TRUE(run.st.dropped > 0);
        ASSERT_FALSE(run.st.patch_ok);
        ASSERT_STR_CONTAINS(run.rep.cause, "patch download stopped at record");
        ASSERT_STR_CONTAINS(run.rep.cause, "receive overrun");
        ASSERT_STR_CONTAINS(run.rep.remedy, "FlowControl=no");
        bcm_report_done(&run.rep);

        /* Without flow control the patch goes at 115200 and the same chip comes up. */
        run = (RigRun){.chip = "BCM4345C5",
                       .faults = BCM_EMU_OVERRUN,
                       .p = {.target_baud = 2000000, .flow_control = false}};
        run_small(&run, 30);
        ASSERT_INT_EQ(run.r, 0);
        ASSERT_TRUE(run.st.patch_ok);
        ASSERT_INT_EQ(run.st.dropped, 0);
        ASSERT_INT_EQ(run.rep.baud, 921600);
        bcm_report_done(&run.rep);
}

static void test_bad_answers(void)
{
        RigRun run = {.chip = "BCM4345C0", .faults = BCM_EMU_TRUNCATED};

        run_small(&run, 2);
        ASSERT_INT_EQ(run.r, -EBADMSG);
        ASSERT_STR_CONTAINS(run.rep.cause, "Read Local Version answer is unusable");
        ASSERT_STR_CONTAINS(run.rep.cause, "cut short");
        ASSERT_TRUE(run.usec < 5 * T_MS * USEC_PER_MSEC);
        bcm_report_done(&run.rep);

        run = (RigRun){.chip = "BCM4345C0", .faults = BCM_EMU_OVERSIZED};
        run_small(&run, 2);
        ASSERT_INT_EQ(run.r, -EBADMSG);
        ASSERT_STR_CONTAINS(run.rep.cause, "where at most 8 belong");
        bcm_report_done(&run.rep);
}

static void test_late(void)
{
        RigRun run = {
                .chip = "BCM4345C0", .faults = BCM_EMU_LATE, .late_usec = 2 * T_MS * USEC_PER_MSEC};

        run_small(&run, 2);
        ASSERT_INT_EQ(run.r, -ETIMEDOUT);
        ASSERT_STR_CONTAINS(run.rep.cause, "answers, but");
        ASSERT_TRUE(run.rep.late_usec >= 2 * T_MS * USEC_PER_MSEC);
        ASSERT_TRUE(run.usec < 10 * T_MS * USEC_PER_MSEC);
        bcm_report_done(&run.rep);
}

static void test_board_speeds(void)
{
        /* Mini-UART (Pi 3 with miniuart-bt): 460800 without flow control. */
        RigRun run = {.chip = "BCM43430A1", .p = {.target_baud = 460800}};

        run_small(&run, 2);
        ASSERT_INT_EQ(run.r, 0);
        ASSERT_INT_EQ(run.rep.baud, 460800);
        ASSERT_FALSE(run.rep.degraded);
        bcm_report_done(&run.rep);

        /* VIM1S AP6256: 2000000 with flow control. */
        run = (RigRun){.chip = "BCM4345C5", .p = {.target_baud = 2000000, .flow_control = true}};
        run_small(&run, 2);
        ASSERT_INT_EQ(run.r, 0);
        ASSERT_INT_EQ(run.rep.baud, 2000000);
        ASSERT_INT_EQ(run.st.baud, 2000000);
        bcm_report_done(&run.rep);
}

static void test_missing_and_corrupt_patch(void)
{
        static const uint8_t corrupt[] = {0x4c, 0xfc, 0x10, 0x00};
        RigRun run = {.chip = "BCM43430B0", .p = {.target_baud = 0}};
        _cleanup_free_ char *root = NULL, *hcd = NULL;

        /* No patch: it runs on ROM, degraded, and says what was tried and where to get it. */
        run_small(&run, 0);
        ASSERT_INT_EQ(run.r, 0);
        ASSERT_TRUE(run.rep.degraded);
        ASSERT_STR_CONTAINS(run.rep.cause, "/lib/firmware/brcm/BCM43430B0.hcd");
        ASSERT_STR_CONTAINS(run.rep.remedy, "bluez-firmware");
        ASSERT_INT_EQ(run.st.downloads, 0);
        bcm_report_done(&run.rep);

        /* A corrupt patch: refused, and not a byte of it sent. */
        root = rig_sysroot(NULL, 0);
        hcd = strdup_printf("%s/lib/firmware/brcm/BCM43430B0.hcd", root);
        ASSERT_INT_EQ(write_file_atomic(hcd, corrupt, sizeof(corrupt), 0644), 0);
        run = (RigRun){.chip = "BCM43430B0",
                       .p = {.sysroot = root, .firmware_dirs = fw_dirs, .target_baud = 921600}};
        rig_run(&run);
        ASSERT_INT_EQ(run.r, -EBADMSG);
        ASSERT_STR_CONTAINS(run.rep.cause, "says 16 parameter bytes but only 1 remain");
        ASSERT_STR_CONTAINS(run.rep.cause, "nothing of it was sent");
        ASSERT_INT_EQ(run.st.downloads, 0);
        ASSERT_INT_EQ(run.st.bytes_received, 2 * 4); /* Reset, Read Version: the name comes last */
        bcm_report_done(&run.rep);
        rig_rm_rf(root);
}

/* The emulator answers no sooner than a real line and chip could: the command's bytes, the chip's
 * latency and the answer's bytes at 10 bits each; and it counts the host's turns. A lower bound
 * only: a loaded machine makes it later, never earlier. */
static void test_emulator_paces_like_a_wire(void)
{
        BcmEmuConfig c = {.chip = "BCM4345C0", .latency_usec = 300};
        uint64_t floor_usec = (4 + 7) * 10 * USEC_PER_SEC / 115200 + 300, t, worst = UINT64_MAX;
        BcmEmuStats st;
        BcmEmu *emu = NULL;
        BtHci *hci = NULL;
        int master, slave;

        ASSERT_INT_EQ(openpty(&master, &slave, NULL, NULL, NULL), 0);
        ASSERT_INT_EQ(bt_tty_configure(slave, 115200, false), 0);
        ASSERT_INT_EQ(bcm_emu_start(master, &c, &emu), 0);
        ASSERT_INT_EQ(bt_hci_new(slave, &hci), 0);
        for (int i = 0; i < 10; i++) {
                t = now_usec(CLOCK_MONOTONIC);
                ASSERT_INT_EQ(bt_hci_command(hci, BCM_OP_RESET, NULL, 0, USEC_PER_SEC, NULL, 0), 0);
                t = now_usec(CLOCK_MONOTONIC) - t;
                worst = t < worst ? t : worst;
        }
        bcm_emu_stop(emu, &st);
        fprintf(stderr, "  fastest Reset at 115200: %llu us (floor %llu us); %u host turns\n",
                (unsigned long long)worst, (unsigned long long)floor_usec, st.host_turns);
        ASSERT_TRUE(worst >= floor_usec);
        ASSERT_INT_EQ(st.commands, 10);
        ASSERT_INT_EQ(st.host_turns, 9); /* the first command has no answer before it */
        bt_hci_free(hci);
        close(slave);
        close(master);
}

int main(void)
{
        TEST_RUN(test_rules);
        TEST_RUN(test_good_run_sets_address);
        TEST_RUN(test_no_serial_keeps_default_address);
        TEST_RUN(test_silent);
        TEST_RUN(test_ignores_baud);
        TEST_RUN(test_no_cts);
        TEST_RUN(test_only_115200);
        TEST_RUN(test_overrun);
        TEST_RUN(test_bad_answers);
        TEST_RUN(test_late);
        TEST_RUN(test_board_speeds);
        TEST_RUN(test_missing_and_corrupt_patch);
        TEST_RUN(test_emulator_paces_like_a_wire);
        return test_exit();
}
