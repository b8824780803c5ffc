/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kernel-path Bluetooth diagnosis: kernel logs of 6.1 and 6.12, live pins, board facts. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "board.h"
#include "bt-diagnose.h"
#include "bt-kmsg.h"
#include "bt-pinctrl.h"
#include "test-util.h"
#include "util.h"

#define FIX(name) HWCTL_FIXTURE_DIR "/bt/" name

/* --- Helpers --- */

static char *fixture_text(const char *path)
{
        char *s = NULL;

        ASSERT_INT_EQ(read_full_file(path, 1 << 20, &s, NULL), 0);
        return s;
}

static BtKmsg *kmsg_file(const char *path)
{
        BtKmsg *k = NULL;

        ASSERT_INT_EQ(bt_kmsg_read(path, NULL, &k), 0);
        return k;
}

static BtKmsg *kmsg_text(const char *text)
{
        BtKmsg *k = NULL;

        ASSERT_INT_EQ(bt_kmsg_parse(text, strlen(text), NULL, &k), 0);
        return k;
}

static void findings_of(BtKmsg *k, BtFindings *f)
{
        ASSERT_NOT_NULL(k);
        if (k)
                ASSERT_INT_EQ(bt_findings_from_kmsg(k, -1, f), 0);
        bt_kmsg_free(k);
}

static bool evidence_has(const BtDiagnosis *d, const char *needle)
{
        for (size_t i = 0; d->evidence && i < json_object_array_length(d->evidence); i++)
                if (strstr(json_object_get_string(json_object_array_get_idx(d->evidence, i)),
                           needle))
                        return true;
        return false;
}

static bool also_has(const BtDiagnosis *d, const char *needle)
{
        STRV_FOREACH (s, d->also)
                if (strstr(*s, needle))
                        return true;
        return false;
}

static void dump(const char *what, const BtDiagnosis *d)
{
        if (!getenv("HWCTL_TEST_VERBOSE"))
                return;
        fprintf(stderr, "--- %s: %s\n  cause: %s\n  remedy: %s\n  evidence: %s\n", what,
                bt_cause_to_string(d->cause), strna(d->cause_text), strna(d->remedy),
                d->evidence ? json_object_to_json_string(d->evidence) : "null");
        STRV_FOREACH (s, d->also)
                fprintf(stderr, "  also: %s\n", *s);
}

/* Boards as lib/board/board*.c builds them from the trees (see test-board-*.c); plain data, so a
 * test can state exactly the facts a case turns on. */
static Board rpi4(Tristate pins, TreeFlavour flavour, uint32_t max_speed)
{
        Board b = {
                .id = BOARD_RPI_4_B,
                .family = BOARD_FAMILY_RPI,
                .flavour = flavour,
                .model = (char *)"Raspberry Pi 4 Model B Rev 1.4",
                .soc = (char *)"bcm2711",
                .bluetooth =
                        {
                                .present = true,
                                .uart_path = (char *)"/soc/serial@7e201000",
                                .uart_label = (char *)"uart0",
                                .uart_kind = UART_KIND_PL011,
                                .kernel_attach = true,
                                .node_path = (char *)"/soc/serial@7e201000/bluetooth",
                                .compatible = (char *)"brcm,bcm43438-bt",
                                .max_speed = max_speed,
                                .uart_has_rtscts = true,
                                .pins_rtscts = pins,
                                .pins_evidence =
                                        pins == TRISTATE_NO
                                                ? (char *)"pinctrl-0 of uart0 "
                                                          "(/soc/serial@7e201000): uart0-gpio32 "
                                                          "muxes GPIO32 ALT3 = TXD0, GPIO33 ALT3 "
                                                          "= RXD0. No group muxes both CTS and "
                                                          "RTS."
                                                : (char *)"pinctrl-0 of uart0: uart0_pins muxes "
                                                          "GPIO32 ALT3 = TXD0, GPIO33 ALT3 = "
                                                          "RXD0; bt_pins muxes nothing (its "
                                                          "brcm,pins is a placeholder).",
                                .shutdown_gpio = {.controller_path = (char *)"/soc/firmware/gpio"},
                                .chip = (char *)"BCM4345C0",
                                .expected_baud = 3000000,
                        },
        };
        return b;
}

static Board rpi3b(uint32_t max_speed)
{
        Board b = rpi4(TRISTATE_NO, TREE_FLAVOUR_MAINLINE, max_speed);

        b.id = BOARD_RPI_3_B;
        b.model = (char *)"Raspberry Pi 3 Model B Rev 1.2";
        b.soc = (char *)"bcm2837";
        b.bluetooth.chip = (char *)"BCM43430A1";
        b.bluetooth.uart_has_rtscts = false;
        b.bluetooth.expected_baud = 921600;
        return b;
}

static int diagnose(const Board *b, const BtFindings *f, const char *pinmux, const char *pins,
                    bool failure, BtDiagnosis *d)
{
        _cleanup_free_ char *ev = NULL;
        Tristate live = TRISTATE_UNKNOWN;
        BtDiagnoseInput in = {.board = b, .findings = f};

        ASSERT_INT_EQ(bt_live_rtscts(b, pinmux, pins, &live, &ev), 0);
        in.live_rtscts = live;
        in.live_evidence = ev;
        return failure ? bt_diagnose_failure(&in, d) : bt_diagnose_degraded(&in, d);
}

/* --- Reading the kernel log --- */

static void test_kmsg_keeps_bluetooth_records_only(void)
{
        char *const match[] = {(char *)"fe201000.serial", NULL};
        BtKmsg *k = NULL;

        ASSERT_INT_EQ(bt_kmsg_read(FIX("rpi4-6.1-flowcontrol.kmsg"), match, &k), 0);
        ASSERT_NOT_NULL(k);
        if (!k)
                return;
        /* The PL011 line (by match), serdev's tty port, 6 Bluetooth core lines, the 5 failures;
         * not the banner, PF_BLUETOOTH, USB or IPv6; dictionary lines are no records. */
        ASSERT_INT_EQ(k->n_records, 13);
        ASSERT_INT_EQ(k->n_malformed, 0);
        ASSERT_INT_EQ(k->n_read, 19);
        ASSERT_STR_CONTAINS(k->records[0].text, "fe201000.serial: ttyAMA1");
        ASSERT_STR_EQ(k->records[1].text, "serial serial0: tty port ttyAMA1 registered");
        ASSERT_STR_EQ(k->records[8].text, "Bluetooth: hci0: command 0xfc18 tx timeout");
        ASSERT_INT_EQ(k->records[8].seq, 689);
        ASSERT_INT_EQ(k->records[8].usec, 8293113);
        ASSERT_INT_EQ(k->records[8].level, 3);
        bt_kmsg_free(k);
}

static void test_kmsg_reads_the_real_device(void)
{
        BtKmsg *k = NULL;
        int r = bt_kmsg_read("/dev/kmsg", NULL, &k);

        /* The char-device path (one record per read(), EAGAIN at the end) on this kernel. */
        if (r == -ENOENT || r == -EACCES || r == -EPERM) {
                fprintf(stderr, "note: /dev/kmsg not readable here (%s), device path not run\n",
                        strerror(-r));
                return;
        }
        ASSERT_INT_EQ(r, 0);
        ASSERT_NOT_NULL(k);
        if (k) {
                ASSERT_TRUE(k->n_read > 0);
                ASSERT_TRUE(k->n_records <= BT_KMSG_RECORDS_MAX);
        }
        bt_kmsg_free(k);
}

static void test_kmsg_broken_input(void)
{
        _cleanup_free_ char *huge = malloc(200000), *garbage = malloc(65536), *bigmsg = NULL;
        BtKmsg *k;
        uint32_t x = 12345;

        /* Truncated records, no ';', numbers out of range, user space records, CRLF. */
        k = kmsg_text("6,12,3\n6,12;Bluetooth: x\n6,1,2,-\nBluetooth: hci0: no header\n"
                      "99999999999999999999999,1,1,-;Bluetooth: overflow\n"
                      "6,a,1,-;Bluetooth: letters\n,,,;Bluetooth: empty fields\n"
                      "30,7,1,-;Bluetooth: hci0: BCM: Reset failed (-110)\n"
                      "3,8,9,-;Bluetooth: hci0: BCM: Reset failed (-110)\r\n"
                      "3,9,10,-;Bluetooth: hci0: comm");
        if (k) {
                ASSERT_INT_EQ(k->n_malformed, 7);
                ASSERT_INT_EQ(k->n_records, 2); /* the CRLF record and the cut one */
                ASSERT_STR_EQ(k->records[0].text, "Bluetooth: hci0: BCM: Reset failed (-110)");
                ASSERT_STR_EQ(k->records[1].text, "Bluetooth: hci0: comm");
        }
        bt_kmsg_free(k);

        /* A line beyond RECORD_MAX is skipped, the next one still read. */
        ASSERT_NOT_NULL(huge);
        if (huge) {
                memset(huge, 'A', 199999);
                memcpy(huge, "6,1,1,-;Bluetooth: ", 19);
                huge[199999] = 0;
                bigmsg = strdup_printf("%s\n6,2,2,-;Bluetooth: hci0: Failed to set baudrate\n",
                                       huge);
                k = kmsg_text(bigmsg);
                if (k) {
                        ASSERT_INT_EQ(k->n_malformed, 1);
                        ASSERT_INT_EQ(k->n_records, 1);
                }
                bt_kmsg_free(k);
                /* A long message within RECORD_MAX is kept, cut at TEXT_MAX. */
                huge[8000] = 0;
                k = kmsg_text(huge);
                if (k && k->n_records == 1)
                        ASSERT_INT_EQ(strlen(k->records[0].text), BT_KMSG_TEXT_MAX);
                else
                        TEST_FAIL("long record not kept");
                bt_kmsg_free(k);
        }

        /* Binary garbage, NULs and high bytes included: no crash, kept text printable. */
        ASSERT_NOT_NULL(garbage);
        if (garbage) {
                for (size_t i = 0; i < 65536; i++) {
                        x = x * 1103515245u + 12345u;
                        garbage[i] = (char)(x >> 16);
                }
                static const char rec[] = "\n6,5,5,-;Bluetooth: hci0: \x01\xff\x7f ok\n";

                memcpy(garbage + 1000, rec, sizeof(rec) - 1);
                ASSERT_INT_EQ(bt_kmsg_parse(garbage, 65536, NULL, &k), 0);
                for (size_t i = 0; k && i < k->n_records; i++)
                        for (const char *c = k->records[i].text; *c; c++)
                                ASSERT_TRUE(*c >= 0x20 && *c <= 0x7e);
                ASSERT_TRUE(k && k->n_records >= 1);
                bt_kmsg_free(k);
        }

        /* Empty input, missing file, a directory. */
        k = kmsg_text("");
        ASSERT_TRUE(k && k->n_records == 0 && k->n_malformed == 0);
        bt_kmsg_free(k);
        ASSERT_INT_EQ(bt_kmsg_parse(NULL, 0, NULL, &k), 0);
        bt_kmsg_free(k);
        k = NULL;
        ASSERT_INT_EQ(bt_kmsg_read(FIX("does-not-exist.kmsg"), NULL, &k), -ENOENT);
        ASSERT_NULL(k);
        ASSERT_INT_EQ(bt_kmsg_read(HWCTL_FIXTURE_DIR "/bt", NULL, &k), -EISDIR);
}

static void test_kmsg_bounds_and_folding(void)
{
        _cleanup_free_ char *buf = malloc(1000 * 80 + 1);
        size_t n = 0;
        BtKmsg *k;

        ASSERT_NOT_NULL(buf);
        if (!buf)
                return;
        /* 1000 distinct relevant records: the newest RECORDS_MAX stay. */
        for (int i = 0; i < 1000; i++)
                n += (size_t)sprintf(buf + n, "6,%d,%d,-;Bluetooth: hci0: line %d\n", i, i, i);
        k = kmsg_text(buf);
        if (k) {
                ASSERT_INT_EQ(k->n_records, BT_KMSG_RECORDS_MAX);
                ASSERT_INT_EQ(k->n_dropped, 1000 - BT_KMSG_RECORDS_MAX);
                ASSERT_STR_EQ(k->records[0].text, "Bluetooth: hci0: line 744");
                ASSERT_STR_EQ(k->records[BT_KMSG_RECORDS_MAX - 1].text,
                              "Bluetooth: hci0: line 999");
        }
        bt_kmsg_free(k);

        /* A flood of one line folds into one record, so it cannot push out the rest. */
        n = (size_t)sprintf(buf, "6,1,1,-;Bluetooth: hci0: BCM4345C0 (003.001.025) build 0382\n");
        for (int i = 0; i < 1000; i++)
                n += (size_t)sprintf(buf + n,
                                     "3,%d,%d,-;Bluetooth: hci0: Frame reassembly "
                                     "failed (-84)\n",
                                     i + 2, i + 2);
        k = kmsg_text(buf);
        if (k) {
                BtFindings f = {};

                ASSERT_INT_EQ(k->n_records, 2);
                ASSERT_INT_EQ(k->records[1].repeats, 999);
                ASSERT_INT_EQ(bt_findings_from_kmsg(k, -1, &f), 0);
                ASSERT_INT_EQ(f.events[BT_EVENT_FRAME_ERROR].count, 1000);
                ASSERT_INT_EQ(f.events[BT_EVENT_FRAME_ERROR].error, -EILSEQ);
                bt_findings_done(&f);
        }
        bt_kmsg_free(k);
}

/* --- Findings --- */

static void check_field_report(const char *path)
{
        BtFindings f = {};

        findings_of(kmsg_file(path), &f);
        ASSERT_INT_EQ(f.hci_index, 0);
        ASSERT_TRUE(bt_findings_seen(&f, BT_EVENT_BAUD_TIMEOUT));
        ASSERT_TRUE(bt_findings_seen(&f, BT_EVENT_BAUD_WRITE_FAILED));
        ASSERT_INT_EQ(f.events[BT_EVENT_BAUD_WRITE_FAILED].error, -ETIMEDOUT);
        ASSERT_TRUE(bt_findings_seen(&f, BT_EVENT_BAUD_SET_FAILED));
        ASSERT_TRUE(bt_findings_seen(&f, BT_EVENT_RESET_TIMEOUT));
        ASSERT_TRUE(bt_findings_seen(&f, BT_EVENT_RESET_FAILED));
        ASSERT_INT_EQ(f.events[BT_EVENT_RESET_FAILED].error, -ETIMEDOUT);
        ASSERT_FALSE(bt_findings_seen(&f, BT_EVENT_ANSWERED));
        ASSERT_FALSE(bt_findings_seen(&f, BT_EVENT_CHIP));
        ASSERT_TRUE(f.events[BT_EVENT_BAUD_TIMEOUT].first < f.events[BT_EVENT_RESET_FAILED].first);
        bt_findings_done(&f);
}

static void test_findings_field_report_6_1_and_6_12(void)
{
        check_field_report(FIX("rpi4-6.1-flowcontrol.kmsg"));
        check_field_report(FIX("rpi4-6.12-flowcontrol.kmsg"));
}

static void test_findings_patch_names_in_kernel_order(void)
{
        BtFindings f = {};
        _cleanup_free_ char *joined = NULL;

        findings_of(kmsg_file(FIX("rpi3b-6.12-patch-missing.kmsg")), &f);
        ASSERT_STR_EQ(f.chip, "BCM43430A1");
        ASSERT_INT_EQ(f.rom_build, 0);
        ASSERT_TRUE(bt_findings_seen(&f, BT_EVENT_PATCH_NOT_FOUND));
        ASSERT_NULL(f.patch);
        joined = strv_join(f.fw_tried, " ");
        ASSERT_STR_EQ(joined, "brcm/BCM43430A1.raspberrypi,3-model-b.hcd brcm/BCM43430A1.hcd "
                              "brcm/BCM.raspberrypi,3-model-b.hcd brcm/BCM.hcd");
        bt_findings_done(&f);

        /* 5.x before the list: one line per name. */
        findings_of(kmsg_text("6,1,1,-;Bluetooth: hci0: BCM43430A1 (001.002.009) build 0000\n"
                              "6,2,2,-;Bluetooth: hci0: BCM: Patch brcm/BCM43430A1.hcd not "
                              "found\n"),
                    &f);
        ASSERT_TRUE(bt_findings_seen(&f, BT_EVENT_PATCH_NOT_FOUND));
        ASSERT_TRUE(f.fw_tried && streq(f.fw_tried[0], "brcm/BCM43430A1.hcd"));
        bt_findings_done(&f);

        /* A loaded patch, and the build after it. */
        findings_of(kmsg_file(FIX("rpi4-6.1-healthy.kmsg")), &f);
        ASSERT_STR_EQ(f.patch, "brcm/BCM4345C0.hcd");
        ASSERT_INT_EQ(f.rom_build, 0);
        ASSERT_INT_EQ(f.build, 382);
        ASSERT_FALSE(bt_findings_seen(&f, BT_EVENT_PATCH_NOT_FOUND));
        bt_findings_done(&f);
}

static void test_findings_other_hci_ignored(void)
{
        static const char log[] =
                "3,1,1,-;Bluetooth: hci1: BCM: firmware Patch file not found, tried:\n"
                "3,2,2,-;Bluetooth: hci1: BCM: 'brcm/BCM20702A1-0a5c-21e8.hcd'\n"
                "3,3,3,-;Bluetooth: hci0: command 0x0c03 tx timeout\n"
                "3,4,4,-;Bluetooth: hci0: command 0xfc45 tx timeout\n"
                "3,5,5,-;Bluetooth: hci0: BCM: Using default device address (43:45:c0:00:1f:ac)\n"
                "3,6,6,-;Bluetooth: hci0: BCM: 'brcm/not-after-a-list.hcd'\n";
        BtKmsg *k = kmsg_text(log);
        BtFindings f = {};

        ASSERT_INT_EQ(bt_findings_from_kmsg(k, 0, &f), 0);
        ASSERT_FALSE(bt_findings_seen(&f, BT_EVENT_PATCH_NOT_FOUND));
        ASSERT_NULL(f.fw_tried);
        ASSERT_TRUE(bt_findings_seen(&f, BT_EVENT_RESET_TIMEOUT));
        ASSERT_INT_EQ(f.timeout_opcode, 0xfc45);
        ASSERT_TRUE(bt_findings_seen(&f, BT_EVENT_DEFAULT_BDADDR));
        bt_findings_done(&f);
        ASSERT_INT_EQ(bt_findings_from_kmsg(k, -1, &f), 0);
        ASSERT_INT_EQ(f.hci_index, 1);
        ASSERT_TRUE(f.fw_tried && streq(f.fw_tried[0], "brcm/BCM20702A1-0a5c-21e8.hcd"));
        ASSERT_INT_EQ(strv_length(f.fw_tried), 1);
        bt_findings_done(&f);
        bt_kmsg_free(k);
}

/* --- Live pins --- */

static void test_pinmux_pins_parse(void)
{
        _cleanup_free_ char *claimed = fixture_text(FIX("pinmux-pins.rpi4-claimed"));
        _cleanup_free_ char *pins = fixture_text(FIX("pins.rpi4-firmware-alt3"));
        char fn[24] = "";
        BtPinMux m = {};

        ASSERT_INT_EQ(bt_pinmux_pins_lookup(claimed, 30, &m), 1);
        ASSERT_STR_EQ(m.name, "gpio30");
        ASSERT_STR_EQ(m.mux_owner, "fe201000.serial");
        ASSERT_STR_EQ(m.gpio_owner, "");
        ASSERT_STR_EQ(m.function, "alt3");
        ASSERT_STR_EQ(m.group, "gpio30");
        ASSERT_INT_EQ(bt_pinmux_pins_lookup(claimed, 42, &m), 1);
        ASSERT_STR_EQ(m.mux_owner, "");
        ASSERT_STR_EQ(m.gpio_owner, "pinctrl-bcm2711:554");
        ASSERT_STR_EQ(m.function, "");
        ASSERT_INT_EQ(bt_pinmux_pins_lookup(claimed, 99, &m), 0);

        ASSERT_INT_EQ(bt_pinctrl_pins_function(pins, 30, fn), 1);
        ASSERT_STR_EQ(fn, "alt3");
        ASSERT_INT_EQ(bt_pinctrl_pins_function(pins, 42, fn), 1);
        ASSERT_STR_EQ(fn, "gpio_out");
        ASSERT_INT_EQ(bt_pinctrl_pins_function(pins, 58, fn), 0);

        /* Strict controllers and hogs. */
        ASSERT_INT_EQ(bt_pinmux_pins_lookup("pin 30 (gpio30): device fe201000.serial function "
                                            "alt3 group gpio30\n",
                                            30, &m),
                      1);
        ASSERT_STR_EQ(m.mux_owner, "fe201000.serial");
        ASSERT_INT_EQ(bt_pinmux_pins_lookup("pin 5 (GPIO5): GPIO gpiochip0:5\n", 5, &m), 1);
        ASSERT_STR_EQ(m.gpio_owner, "gpiochip0:5");
        ASSERT_INT_EQ(bt_pinmux_pins_lookup("pin 5 (P5): UNCLAIMED\n", 5, &m), 1);
        ASSERT_INT_EQ(bt_pinmux_pins_lookup("pin 7 (gpio7): fe200000.gpio (GPIO UNCLAIMED) (HOG) "
                                            "function gpio_out group gpio7\n",
                                            7, &m),
                      1);
        ASSERT_TRUE(m.hog);
        ASSERT_STR_EQ(m.function, "gpio_out");
}

static void test_pinctrl_text_garbage(void)
{
        static const char bin[] = "\x01\x02\xff\xfe pin 30 (gpio30)\x00 garbage";
        char fn[24];
        BtPinMux m;
        Tristate t;
        Board b = rpi4(TRISTATE_NO, TREE_FLAVOUR_MAINLINE, 3000000);
        _cleanup_free_ char *ev = NULL, *long_line = malloc(5000);

        ASSERT_INT_EQ(bt_pinmux_pins_lookup("", 30, &m), -EBADMSG);
        ASSERT_INT_EQ(bt_pinmux_pins_lookup(bin, 30, &m), -EBADMSG);
        ASSERT_INT_EQ(bt_pinmux_pins_lookup("hello\nworld\n", 30, &m), -EBADMSG);
        ASSERT_INT_EQ(bt_pinctrl_pins_function("hello\nworld", 30, fn), -EBADMSG);
        ASSERT_INT_EQ(bt_pinctrl_pins_function("", 30, fn), -EBADMSG);
        /* The format, but the wanted pin's line is broken. */
        ASSERT_INT_EQ(bt_pinmux_pins_lookup("Pinmux settings per pin\npin 30 (gpio30): \n", 30, &m),
                      -EBADMSG);
        ASSERT_INT_EQ(bt_pinmux_pins_lookup("Pinmux settings per pin\npin 30 (gpio30): x y "
                                            "function\n",
                                            30, &m),
                      -EBADMSG);
        ASSERT_INT_EQ(bt_pinctrl_pins_function("registered pins: 1\npin 30 (gpio30) 30:x function "
                                               "ALT3!\n",
                                               30, fn),
                      -EBADMSG);
        ASSERT_INT_EQ(bt_pinmux_pins_lookup("pin 30 (gpio30_name_far_too_long_to_be_real): a b\n",
                                            30, &m),
                      -EBADMSG);
        ASSERT_INT_EQ(bt_pinmux_pins_lookup("pin 999999 (x): a b\npin 30 (gpio30\n", 30, &m),
                      -EBADMSG);
        ASSERT_NOT_NULL(long_line);
        if (long_line) {
                memset(long_line, 'x', 4999);
                long_line[4999] = 0;
                memcpy(long_line, "Pinmux settings per pin\npin 30 (gpio30): ", 41);
                ASSERT_INT_EQ(bt_pinmux_pins_lookup(long_line, 30, &m), 0);
        }

        /* Garbage as the live view: unknown, and the evidence says why. */
        ASSERT_INT_EQ(bt_live_rtscts(&b, "garbage", "more garbage", &t, &ev), 0);
        ASSERT_INT_EQ(t, TRISTATE_UNKNOWN);
        ASSERT_STR_CONTAINS(ev, "unreadable");
}

static void test_live_rtscts_views(void)
{
        _cleanup_free_ char *claimed = fixture_text(FIX("pinmux-pins.rpi4-claimed"));
        _cleanup_free_ char *txrx = fixture_text(FIX("pinmux-pins.rpi4-txrx-only"));
        _cleanup_free_ char *fw = fixture_text(FIX("pins.rpi4-firmware-alt3"));
        _cleanup_free_ char *gpin = fixture_text(FIX("pins.rpi4-gpio-in"));
        Board b = rpi4(TRISTATE_NO, TREE_FLAVOUR_MAINLINE, 3000000);
        char *ev = NULL;
        Tristate t;

        ASSERT_INT_EQ(bt_live_rtscts(&b, claimed, NULL, &t, &ev), 0);
        ASSERT_INT_EQ(t, TRISTATE_YES);
        ASSERT_STR_CONTAINS(ev, "GPIO 30 (CTS) function alt3 (pinmux-pins, owner "
                                "fe201000.serial)");
        free(ev);
        /* Unclaimed pins: pinmux-pins cannot say what the firmware set... */
        ASSERT_INT_EQ(bt_live_rtscts(&b, txrx, NULL, &t, &ev), 0);
        ASSERT_INT_EQ(t, TRISTATE_UNKNOWN);
        free(ev);
        /* ...the register view can. */
        ASSERT_INT_EQ(bt_live_rtscts(&b, txrx, fw, &t, &ev), 0);
        ASSERT_INT_EQ(t, TRISTATE_YES);
        ASSERT_STR_CONTAINS(ev, "GPIO 31 (RTS) function alt3 (pins: the register; no driver "
                                "claimed it)");
        free(ev);
        ASSERT_INT_EQ(bt_live_rtscts(&b, txrx, gpin, &t, &ev), 0);
        ASSERT_INT_EQ(t, TRISTATE_NO);
        ASSERT_STR_CONTAINS(ev, "GPIO 30 (CTS) function gpio_in");
        free(ev);
        ASSERT_INT_EQ(bt_live_rtscts(&b, NULL, NULL, &t, &ev), 0);
        ASSERT_INT_EQ(t, TRISTATE_UNKNOWN);
        ASSERT_STR_CONTAINS(ev, "not available");
        free(ev);
        /* Not a BCM283x/2711 uart0: not checked. */
        b.soc = (char *)"s905y4";
        ASSERT_INT_EQ(bt_live_rtscts(&b, claimed, fw, &t, &ev), 0);
        ASSERT_INT_EQ(t, TRISTATE_UNKNOWN);
        ASSERT_STR_CONTAINS(ev, "not checked");
        free(ev);
}

static void put(const char *root, const char *rel, const char *text)
{
        _cleanup_free_ char *p = strdup_printf("%s/%s", root, rel);

        ASSERT_INT_EQ(write_file_atomic(p, text, strlen(text), 0644), 0);
}

static void rm(const char *root, const char *rel, bool dir)
{
        _cleanup_free_ char *p = strdup_printf("%s/%s", root, rel);

        ASSERT_INT_EQ(dir ? rmdir(p) : unlink(p), 0);
}

static void test_pinctrl_read_finds_the_gpio_controller(void)
{
        char tmpl[] = "/tmp/hwctl-pinctrl-XXXXXX";
        const char *root = mkdtemp(tmpl);
        _cleanup_free_ char *pinmux = NULL, *pins = NULL;

        ASSERT_NOT_NULL(root);
        if (!root)
                return;
        put(root, "fe200000.gpio-pinctrl-bcm2711/pins",
            "registered pins: 1\npin 30 (gpio30) 30:x function alt3 in lo; irq 0 (none)\n");
        put(root, "fe200000.gpio-pinctrl-bcm2711/pinmux-pins", "Pinmux settings per pin\n");
        put(root, "other/pins", "registered pins: 1\npin 0 (PA0) \n");
        ASSERT_INT_EQ(bt_pinctrl_read(root, &pinmux, &pins), 0);
        ASSERT_STR_CONTAINS(pins, "(gpio30)");
        ASSERT_STR_EQ(pinmux, "Pinmux settings per pin\n");
        ASSERT_INT_EQ(bt_pinctrl_read("/nonexistent-pinctrl", &pinmux, &pins), -ENOENT);
        rm(root, "fe200000.gpio-pinctrl-bcm2711/pins", false);
        rm(root, "fe200000.gpio-pinctrl-bcm2711/pinmux-pins", false);
        rm(root, "other/pins", false);
        /* No controller carries GPIO 30. */
        ASSERT_INT_EQ(bt_pinctrl_read(root, &pinmux, &pins), -ENOENT);
        rm(root, "fe200000.gpio-pinctrl-bcm2711", true);
        rm(root, "other", true);
        ASSERT_INT_EQ(rmdir(root), 0);
}

/* --- The diagnosis --- */

static void test_pins_missing_from_tree_is_named(void)
{
        Board b = rpi4(TRISTATE_NO, TREE_FLAVOUR_MAINLINE, 3000000);
        BtFindings f = {};
        BtDiagnosis d = {};

        findings_of(kmsg_file(FIX("rpi4-6.1-flowcontrol.kmsg")), &f);
        ASSERT_INT_EQ(diagnose(&b, &f, NULL, NULL, true, &d), 0);
        dump("pins missing, no debugfs", &d);
        ASSERT_INT_EQ(d.cause, BT_CAUSE_NO_RTSCTS_PINS);
        ASSERT_STR_CONTAINS(d.cause_text, "RTS/CTS");
        ASSERT_STR_CONTAINS(d.cause_text, "device tree pin group");
        ASSERT_STR_CONTAINS(d.remedy, "RTS/CTS");
        ASSERT_STR_CONTAINS(d.remedy, "GPIO 30-33 on ALT3 (30 CTS, 31 RTS, 32 TXD, 33 RXD)");
        ASSERT_STR_CONTAINS(d.remedy, "pinctrl-0 = <&uart0_ctsrts_gpio30 &uart0_gpio32>;");
        ASSERT_STR_CONTAINS(d.remedy, "brcm,pins = <30 31 32 33>; brcm,function = <7>; "
                                      "brcm,pull = <2 0 0 2>;");
        ASSERT_TRUE(evidence_has(&d, "kernel log: Bluetooth: hci0: command 0xfc18 tx timeout"));
        ASSERT_TRUE(evidence_has(&d, "kernel log: Bluetooth: hci0: BCM: Reset failed (-110)"));
        ASSERT_TRUE(evidence_has(&d, "device tree: pinctrl-0 of uart0"));
        ASSERT_TRUE(evidence_has(&d, "live pinmux: not available"));
        bt_diagnosis_done(&d);
        bt_findings_done(&f);
}

static void test_live_gpio_in_confirms_the_pins(void)
{
        _cleanup_free_ char *txrx = fixture_text(FIX("pinmux-pins.rpi4-txrx-only"));
        _cleanup_free_ char *gpin = fixture_text(FIX("pins.rpi4-gpio-in"));
        /* Downstream tree: its pin group alone does not settle it (pins_rtscts unknown). */
        Board b = rpi4(TRISTATE_UNKNOWN, TREE_FLAVOUR_RPI_DOWNSTREAM, 3000000);
        BtFindings f = {};
        BtDiagnosis d = {};

        findings_of(kmsg_file(FIX("rpi4-6.12-flowcontrol.kmsg")), &f);
        ASSERT_INT_EQ(diagnose(&b, &f, txrx, gpin, true, &d), 0);
        dump("downstream, live gpio_in", &d);
        ASSERT_INT_EQ(d.cause, BT_CAUSE_NO_RTSCTS_PINS);
        ASSERT_STR_CONTAINS(d.cause_text, "(live pinmux)");
        ASSERT_STR_CONTAINS(d.remedy, "an overlay on &uart0_pins with brcm,pins = <30 31 32 33>; "
                                      "brcm,function = <7>; brcm,pull = <2 0 0 2>;");
        ASSERT_TRUE(evidence_has(&d, "live pinmux: GPIO 30 (CTS) function gpio_in (pins: the "
                                     "register; no driver claimed it)"));
        bt_diagnosis_done(&d);
        bt_findings_done(&f);
}

static void test_live_alt3_clears_the_pin_group(void)
{
        _cleanup_free_ char *txrx = fixture_text(FIX("pinmux-pins.rpi4-txrx-only"));
        _cleanup_free_ char *fw = fixture_text(FIX("pins.rpi4-firmware-alt3"));
        _cleanup_free_ char *claimed = fixture_text(FIX("pinmux-pins.rpi4-claimed"));
        /* The tree lacks RTS/CTS, but the firmware muxed them: no false accusation. */
        Board b = rpi4(TRISTATE_NO, TREE_FLAVOUR_MAINLINE, 3000000);
        BtFindings f = {};
        BtDiagnosis d = {};

        findings_of(kmsg_file(FIX("rpi4-6.1-flowcontrol.kmsg")), &f);
        ASSERT_INT_EQ(diagnose(&b, &f, txrx, fw, true, &d), 0);
        dump("tree without RTS/CTS, live alt3", &d);
        ASSERT_INT_EQ(d.cause, BT_CAUSE_NO_RESPONSE);
        ASSERT_STR_CONTAINS(d.remedy, "RTS/CTS are on the UART (live pinmux), so the pin group is "
                                      "not the cause");
        ASSERT_STR_CONTAINS(d.remedy, "shutdown GPIO 0 of /soc/firmware/gpio");
        ASSERT_NULL(strstr(d.remedy, "brcm,pins"));
        ASSERT_TRUE(evidence_has(&d, "live pinmux: GPIO 30 (CTS) function alt3 (pins: the "
                                     "register"));
        bt_diagnosis_done(&d);

        /* Downstream Pi 4 tree (bt_pins "-"), claimed pins live: not blamed either. */
        b = rpi4(TRISTATE_UNKNOWN, TREE_FLAVOUR_RPI_DOWNSTREAM, 3000000);
        ASSERT_INT_EQ(diagnose(&b, &f, claimed, NULL, true, &d), 0);
        ASSERT_INT_EQ(d.cause, BT_CAUSE_NO_RESPONSE);
        ASSERT_STR_CONTAINS(d.remedy, "not the cause");
        bt_diagnosis_done(&d);

        /* Downstream tree and no debugfs: not blamed, but checked first. */
        ASSERT_INT_EQ(diagnose(&b, &f, NULL, NULL, true, &d), 0);
        dump("downstream, no debugfs", &d);
        ASSERT_INT_EQ(d.cause, BT_CAUSE_NO_RESPONSE);
        ASSERT_STR_CONTAINS(d.remedy, "Check GPIO 30 and 31 first");
        ASSERT_STR_CONTAINS(d.remedy, "brcm,pins = <30 31 32 33>;");
        ASSERT_TRUE(evidence_has(&d, "device tree: pinctrl-0 of uart0: uart0_pins"));
        bt_diagnosis_done(&d);
        bt_findings_done(&f);
}

static void test_pi3b_gets_max_speed_not_pins(void)
{
        Board b = rpi3b(2000000);
        BtFindings f = {};
        BtDiagnosis d = {};

        /* The speed switch was acknowledged, then nothing at 2000000. */
        findings_of(kmsg_file(FIX("rpi3b-6.12-speed-lost.kmsg")), &f);
        ASSERT_INT_EQ(diagnose(&b, &f, NULL, NULL, true, &d), 0);
        dump("pi 3b, speed lost", &d);
        ASSERT_INT_EQ(d.cause, BT_CAUSE_NO_FLOW_WIRING);
        ASSERT_INT_EQ(d.max_speed, 921600);
        ASSERT_STR_CONTAINS(d.remedy, "max-speed = <921600>; on /soc/serial@7e201000/bluetooth");
        ASSERT_NULL(strstr(d.remedy, "brcm,pins"));
        ASSERT_TRUE(evidence_has(&d, "board: Raspberry Pi 3 Model B Rev 1.2 has no RTS/CTS"));
        bt_diagnosis_done(&d);
        bt_findings_done(&f);

        /* The field report on a Pi 3 B: nothing at 115200, so not speed; never the pin group. */
        findings_of(kmsg_file(FIX("rpi4-6.1-flowcontrol.kmsg")), &f);
        ASSERT_INT_EQ(diagnose(&b, &f, NULL, NULL, true, &d), 0);
        dump("pi 3b, dead", &d);
        ASSERT_INT_EQ(d.cause, BT_CAUSE_NO_RESPONSE);
        ASSERT_NULL(strstr(d.remedy, "brcm,pins"));
        ASSERT_TRUE(also_has(&d, "max-speed = <921600>;"));
        bt_diagnosis_done(&d);

        /* Already at 921600 and still lost: the next lower speed. */
        b = rpi3b(921600);
        bt_findings_done(&f);
        findings_of(kmsg_file(FIX("rpi3b-6.12-speed-lost.kmsg")), &f);
        ASSERT_INT_EQ(diagnose(&b, &f, NULL, NULL, true, &d), 0);
        ASSERT_INT_EQ(d.cause, BT_CAUSE_BAUD_TIMEOUT);
        ASSERT_INT_EQ(d.max_speed, 460800);
        ASSERT_STR_CONTAINS(d.remedy, "max-speed");
        bt_diagnosis_done(&d);
        bt_findings_done(&f);
}

static void test_mini_uart_gets_460800(void)
{
        Board b = rpi4(TRISTATE_UNKNOWN, TREE_FLAVOUR_RPI_DOWNSTREAM, 921600);
        BtFindings f = {};
        BtDiagnosis d = {};

        b.bluetooth.uart_kind = UART_KIND_MINI;
        b.bluetooth.uart_label = (char *)"uart1";
        b.bluetooth.uart_path = (char *)"/soc/serial@7e215040";
        findings_of(kmsg_file(FIX("rpi4-6.1-baud-noack.kmsg")), &f);
        ASSERT_INT_EQ(diagnose(&b, &f, NULL, NULL, false, &d), 0);
        dump("mini-UART", &d);
        ASSERT_INT_EQ(d.cause, BT_CAUSE_MINI_UART_SPEED);
        ASSERT_INT_EQ(d.max_speed, 460800);
        ASSERT_STR_CONTAINS(d.remedy, "max-speed = <460800>;");
        bt_diagnosis_done(&d);
        bt_findings_done(&f);
}

static void test_baud_not_acknowledged_with_rtscts_fine(void)
{
        _cleanup_free_ char *claimed = fixture_text(FIX("pinmux-pins.rpi4-claimed"));
        Board b = rpi4(TRISTATE_YES, TREE_FLAVOUR_MAINLINE, 3000000);
        BtFindings f = {};
        BtDiagnosis d = {};

        findings_of(kmsg_file(FIX("rpi4-6.1-baud-noack.kmsg")), &f);
        ASSERT_STR_EQ(f.patch, "brcm/BCM4345C0.raspberrypi,4-model-b.hcd");
        /* Up, but at 115200: degraded. */
        ASSERT_INT_EQ(diagnose(&b, &f, claimed, NULL, false, &d), 0);
        dump("no ack, rts/cts fine", &d);
        ASSERT_INT_EQ(d.cause, BT_CAUSE_BAUD_TIMEOUT);
        ASSERT_INT_EQ(d.max_speed, 2000000);
        ASSERT_STR_CONTAINS(d.cause_text, "did not acknowledge the switch to 3000000 baud "
                                          "(Broadcom command 0xfc18 timed out)");
        ASSERT_STR_CONTAINS(d.remedy, "Lower max-speed on /soc/serial@7e201000/bluetooth to "
                                      "<2000000>;");
        ASSERT_STR_CONTAINS(d.remedy, "RTS/CTS are muxed");
        ASSERT_TRUE(evidence_has(&d, "live pinmux: GPIO 30 (CTS) function alt3 (pinmux-pins"));
        ASSERT_TRUE(evidence_has(&d, "device tree: max-speed 3000000"));
        ASSERT_NULL(d.also);
        bt_diagnosis_done(&d);
        bt_findings_done(&f);
}

static void test_healthy_is_not_degraded(void)
{
        Board b = rpi4(TRISTATE_YES, TREE_FLAVOUR_MAINLINE, 2000000);
        BtFindings f = {};
        BtDiagnosis d = {};

        findings_of(kmsg_file(FIX("rpi4-6.1-healthy.kmsg")), &f);
        ASSERT_INT_EQ(diagnose(&b, &f, NULL, NULL, false, &d), 0);
        ASSERT_INT_EQ(d.cause, BT_CAUSE_NONE);
        ASSERT_NULL(d.cause_text);
        ASSERT_NULL(d.remedy);
        bt_diagnosis_done(&d);
        bt_findings_done(&f);
}

static void test_missing_patch_names_the_files(void)
{
        Board b = rpi3b(921600);
        BtFindings f = {};
        BtDiagnosis d = {};

        findings_of(kmsg_file(FIX("rpi3b-6.12-patch-missing.kmsg")), &f);
        ASSERT_INT_EQ(diagnose(&b, &f, NULL, NULL, false, &d), 0);
        dump("patch missing", &d);
        ASSERT_INT_EQ(d.cause, BT_CAUSE_PATCH_MISSING);
        ASSERT_STR_CONTAINS(d.cause_text, "ROM firmware");
        ASSERT_STR_CONTAINS(d.remedy, "bluez-firmware");
        ASSERT_STR_CONTAINS(d.remedy, "non-free-firmware");
        ASSERT_STR_CONTAINS(d.remedy, "/lib/firmware/brcm/BCM43430A1.hcd");
        ASSERT_STR_CONTAINS(d.remedy, "brcm/BCM43430A1.raspberrypi,3-model-b.hcd");
        ASSERT_TRUE(evidence_has(&d, "kernel log: tried brcm/BCM.hcd"));
        bt_diagnosis_done(&d);

        /* The same log when hci0 is missing: still the patch, as the most specific finding. */
        ASSERT_INT_EQ(diagnose(&b, &f, NULL, NULL, true, &d), 0);
        ASSERT_INT_EQ(d.cause, BT_CAUSE_PATCH_MISSING);
        ASSERT_STR_CONTAINS(d.remedy, "brcm/BCM43430A1.hcd");
        bt_diagnosis_done(&d);
        bt_findings_done(&f);

        /* A chip the kernel does not know: it tried brcm/BCM*.hcd only, so that is the name. */
        findings_of(kmsg_text("6,1,1,-;Bluetooth: hci0: BCM (002.001.012) build 0000\n"
                              "3,2,2,-;Bluetooth: hci0: BCM: firmware Patch file not found, "
                              "tried:\n"
                              "3,3,3,-;Bluetooth: hci0: BCM: 'brcm/BCM.raspberrypi,3-model-b.hcd'\n"
                              "3,4,4,-;Bluetooth: hci0: BCM: 'brcm/BCM.hcd'\n"),
                    &f);
        ASSERT_STR_EQ(f.chip, "BCM");
        ASSERT_INT_EQ(diagnose(&b, &f, NULL, NULL, false, &d), 0);
        ASSERT_INT_EQ(d.cause, BT_CAUSE_PATCH_MISSING);
        ASSERT_STR_CONTAINS(d.cause_text, "did not recognise");
        ASSERT_STR_CONTAINS(d.remedy, "/lib/firmware/brcm/BCM.hcd");
        bt_diagnosis_done(&d);
        bt_findings_done(&f);

        /* Speed problem first, the missing patch reported as well. */
        findings_of(kmsg_text("3,1,1,-;Bluetooth: hci0: command 0xfc18 tx timeout\n"
                              "6,2,2,-;Bluetooth: hci0: BCM43430A1 (001.002.009) build 0000\n"
                              "3,3,3,-;Bluetooth: hci0: BCM: firmware Patch file not found, "
                              "tried:\n"
                              "3,4,4,-;Bluetooth: hci0: BCM: 'brcm/BCM43430A1.hcd'\n"),
                    &f);
        b = rpi3b(921600);
        ASSERT_INT_EQ(diagnose(&b, &f, NULL, NULL, false, &d), 0);
        ASSERT_INT_EQ(d.cause, BT_CAUSE_BAUD_TIMEOUT);
        ASSERT_TRUE(also_has(&d, "brcm/BCM43430A1.hcd"));
        bt_diagnosis_done(&d);
        bt_findings_done(&f);
}

static void test_no_shutdown_gpio_keeps_init_speed(void)
{
        Board b = rpi4(TRISTATE_YES, TREE_FLAVOUR_MAINLINE, 2000000);
        BtFindings f = {};
        BtDiagnosis d = {};

        b.id = BOARD_RPI_3_A_PLUS;
        b.bluetooth.shutdown_gpio.controller_path = NULL;
        findings_of(kmsg_file(FIX("rpi3aplus-6.12-no-shutdown.kmsg")), &f);
        ASSERT_TRUE(bt_findings_seen(&f, BT_EVENT_NO_SHUTDOWN_GPIO));
        ASSERT_INT_EQ(diagnose(&b, &f, NULL, NULL, false, &d), 0);
        dump("no shutdown gpio", &d);
        ASSERT_INT_EQ(d.cause, BT_CAUSE_NO_SHUTDOWN_GPIO);
        ASSERT_STR_CONTAINS(d.cause_text, "115200");
        ASSERT_STR_CONTAINS(d.remedy, "shutdown-gpios");
        ASSERT_TRUE(evidence_has(&d, "No reset resource, using default baud rate"));
        bt_diagnosis_done(&d);
        bt_findings_done(&f);
}

static void test_deferred_probe_names_the_gpio(void)
{
        Board b = rpi4(TRISTATE_YES, TREE_FLAVOUR_MAINLINE, 2000000);
        BtFindings f = {};
        BtDiagnosis d = {};

        findings_of(kmsg_file(FIX("rpi4-6.12-deferred-gpio.kmsg")), &f);
        ASSERT_STR_EQ(f.defer_reason, "wait for supplier gpio");
        ASSERT_INT_EQ(diagnose(&b, &f, NULL, NULL, true, &d), 0);
        dump("deferred 6.12", &d);
        ASSERT_INT_EQ(d.cause, BT_CAUSE_POWER_GPIO);
        ASSERT_STR_CONTAINS(d.cause_text, "-EPROBE_DEFER");
        ASSERT_STR_CONTAINS(d.cause_text, "wait for supplier gpio");
        ASSERT_STR_CONTAINS(d.remedy, "gpio-raspberrypi-exp");
        bt_diagnosis_done(&d);
        bt_findings_done(&f);

        findings_of(kmsg_file(FIX("rpi4-6.1-deferred.kmsg")), &f);
        ASSERT_NULL(f.defer_reason);
        ASSERT_INT_EQ(diagnose(&b, &f, NULL, NULL, true, &d), 0);
        ASSERT_INT_EQ(d.cause, BT_CAUSE_POWER_GPIO);
        bt_diagnosis_done(&d);
        bt_findings_done(&f);

        /* The log of hwctl's emulated Pi 3 with BT_ON on the expander (run-pi3 --bt-shutdown
         * firmware): the expander's driver is bound and says the firmware refused line 0. The
         * remedy must not ask to load a driver the log shows loaded. */
        Board pi3 = rpi3b(2000000);
        findings_of(kmsg_file(FIX("rpi3b-6.12-expander-refused.kmsg")), &f);
        ASSERT_INT_EQ(f.gpio_line, 0);
        ASSERT_TRUE(bt_findings_seen(&f, BT_EVENT_GPIO_FAILED));
        ASSERT_INT_EQ(diagnose(&pi3, &f, NULL, NULL, true, &d), 0);
        dump("expander refused", &d);
        ASSERT_INT_EQ(d.cause, BT_CAUSE_POWER_GPIO);
        ASSERT_STR_CONTAINS(d.remedy, "Its driver is loaded");
        ASSERT_STR_CONTAINS(d.remedy, "firmware refused");
        ASSERT_TRUE(d.remedy && !strstr(d.remedy, "load its driver"));
        bt_diagnosis_done(&d);
        bt_findings_done(&f);

        /* The expander failing on BT_ON (line 0); a failure on another line is not ours. */
        findings_of(kmsg_text("3,1,1,-;raspberrypi-exp-gpio soc:firmware:gpio: Failed to set "
                              "GPIO 0 state (-110 0)\n"),
                    &f);
        ASSERT_INT_EQ(f.gpio_line, 0);
        ASSERT_INT_EQ(f.events[BT_EVENT_GPIO_FAILED].error, -ETIMEDOUT);
        ASSERT_INT_EQ(diagnose(&b, &f, NULL, NULL, true, &d), 0);
        ASSERT_INT_EQ(d.cause, BT_CAUSE_POWER_GPIO);
        bt_diagnosis_done(&d);
        bt_findings_done(&f);
        findings_of(kmsg_text("3,1,1,-;raspberrypi-exp-gpio soc:firmware:gpio: Failed to get "
                              "GPIO 2 config (-22 2)\n"),
                    &f);
        ASSERT_INT_EQ(diagnose(&b, &f, NULL, NULL, true, &d), 0);
        ASSERT_TRUE(d.cause != BT_CAUSE_POWER_GPIO);
        bt_diagnosis_done(&d);
        bt_findings_done(&f);
}

static void test_probe_failures_6_1_and_6_12(void)
{
        static const char *const files[] = {FIX("probe-failed-6.1.kmsg"),
                                            FIX("probe-failed-6.12.kmsg")};
        Board b = rpi4(TRISTATE_YES, TREE_FLAVOUR_MAINLINE, 2000000);
        BtFindings f = {};
        BtDiagnosis d = {};

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                findings_of(kmsg_file(files[i]), &f);
                ASSERT_TRUE(bt_findings_seen(&f, BT_EVENT_PROBE_FAILED));
                ASSERT_INT_EQ(f.events[BT_EVENT_PROBE_FAILED].error, -EINVAL);
                ASSERT_INT_EQ(diagnose(&b, &f, NULL, NULL, true, &d), 0);
                ASSERT_INT_EQ(d.cause, BT_CAUSE_PROBE_FAILED);
                ASSERT_STR_CONTAINS(d.cause_text, "Invalid argument");
                bt_diagnosis_done(&d);
                bt_findings_done(&f);
        }

        findings_of(kmsg_file(FIX("supply-6.12.kmsg")), &f);
        ASSERT_STR_EQ(f.supply, "vbat");
        ASSERT_INT_EQ(f.events[BT_EVENT_SUPPLY_FAILED].error, -EINVAL);
        ASSERT_INT_EQ(diagnose(&b, &f, NULL, NULL, true, &d), 0);
        ASSERT_INT_EQ(d.cause, BT_CAUSE_REGULATOR);
        ASSERT_STR_CONTAINS(d.remedy, "vbat-supply of /soc/serial@7e201000/bluetooth");
        bt_diagnosis_done(&d);
        bt_findings_done(&f);

        /* A vendor driver's words for a GPIO it could not get. */
        findings_of(kmsg_text("3,1,1,-;hci_uart_bcm serial0-0: failed to get shutdown GPIO: "
                              "-517\n"),
                    &f);
        ASSERT_INT_EQ(f.events[BT_EVENT_GPIO_FAILED].error, -517);
        bt_findings_done(&f);
}

static void test_silent_and_unattached(void)
{
        Board b = rpi4(TRISTATE_YES, TREE_FLAVOUR_MAINLINE, 2000000);
        BtFindings f = {};
        BtDiagnosis d = {};
        BtDiagnoseInput in = {.board = &b};

        findings_of(kmsg_text("6,1,1,-;Bluetooth: Core ver 2.22\n"), &f);
        ASSERT_INT_EQ(diagnose(&b, &f, NULL, NULL, true, &d), 0);
        ASSERT_INT_EQ(d.cause, BT_CAUSE_DRIVER_SILENT);
        ASSERT_STR_CONTAINS(d.remedy, "CONFIG_BT_HCIUART_BCM");
        bt_diagnosis_done(&d);

        b.bluetooth.kernel_attach = false;
        ASSERT_INT_EQ(diagnose(&b, &f, NULL, NULL, true, &d), 0);
        ASSERT_INT_EQ(d.cause, BT_CAUSE_NOT_ATTACHED);
        bt_diagnosis_done(&d);
        bt_findings_done(&f);

        /* No kernel log at all. */
        b.bluetooth.kernel_attach = true;
        ASSERT_INT_EQ(bt_diagnose_failure(&in, &d), 0);
        ASSERT_INT_EQ(d.cause, BT_CAUSE_UNKNOWN);
        bt_diagnosis_done(&d);
        ASSERT_INT_EQ(bt_diagnose_degraded(&in, &d), 0);
        ASSERT_INT_EQ(d.cause, BT_CAUSE_NONE);
        ASSERT_TRUE(evidence_has(&d, "not readable"));
        bt_diagnosis_done(&d);

        /* Names for every cause and event. */
        for (int i = 0; i < _BT_CAUSE_MAX; i++)
                ASSERT_NOT_NULL(bt_cause_to_string((BtCause)i));
        for (int i = 0; i < _BT_EVENT_MAX; i++)
                ASSERT_NOT_NULL(bt_event_to_string((BtEvent)i));
        ASSERT_NULL(bt_cause_to_string(_BT_CAUSE_MAX));
}

/* The real trees, as board detection reads them (scripts/fetch-dtbs, fixtures/dts). */
static void test_real_trees(void)
{
        _cleanup_free_ char *claimed = fixture_text(FIX("pinmux-pins.rpi4-claimed"));
        Board *b = NULL;
        BtFindings f = {};
        BtDiagnosis d = {};
        char *err = NULL;

        if (access(HWCTL_DTB_DIR "/bcm2837-rpi-3-b.dtb", R_OK) < 0) {
                fprintf(stderr,
                        "note: no upstream DTBs in %s (scripts/fetch-dtbs), real-tree "
                        "cases not run\n",
                        HWCTL_DTB_DIR);
                return;
        }
        ASSERT_INT_EQ(board_detect_from_dtb(HWCTL_DTB_DIR "/bcm2837-rpi-3-b.dtb", &b, &err), 0);
        findings_of(kmsg_file(FIX("rpi3b-6.12-speed-lost.kmsg")), &f);
        if (b) {
                ASSERT_INT_EQ(diagnose(b, &f, NULL, NULL, true, &d), 0);
                ASSERT_INT_EQ(d.cause, BT_CAUSE_NO_FLOW_WIRING);
                ASSERT_INT_EQ(d.max_speed, 921600);
                bt_diagnosis_done(&d);
        }
        board_free(b);
        b = NULL;
        bt_findings_done(&f);

        ASSERT_INT_EQ(board_detect_from_dtb(HWCTL_DTB_DIR "/bcm2711-rpi-4-b.dtb", &b, &err), 0);
        findings_of(kmsg_file(FIX("rpi4-6.12-flowcontrol.kmsg")), &f);
        if (b) {
                ASSERT_INT_EQ(diagnose(b, &f, claimed, NULL, true, &d), 0);
                dump("real pi 4 tree, dead", &d);
                ASSERT_INT_EQ(d.cause, BT_CAUSE_NO_RESPONSE);
                ASSERT_STR_CONTAINS(d.remedy, "not the cause");
                bt_diagnosis_done(&d);
        }
        board_free(b);
        b = NULL;
        bt_findings_done(&f);

        if (board_detect_from_dtb(HWCTL_BUILD_DIR "/tests/fixtures/dtb/rpi-4-b-downstream.dtb", &b,
                                  &err) == 0) {
                findings_of(kmsg_file(FIX("rpi4-6.1-flowcontrol.kmsg")), &f);
                ASSERT_INT_EQ(diagnose(b, &f, NULL, NULL, true, &d), 0);
                dump("real downstream pi 4 tree, dead", &d);
                ASSERT_INT_EQ(d.cause, BT_CAUSE_NO_RESPONSE);
                ASSERT_STR_CONTAINS(d.remedy, "Check GPIO 30 and 31 first");
                bt_diagnosis_done(&d);
                bt_findings_done(&f);
        }
        board_free(b);
        free(err);
}

int main(void)
{
        TEST_RUN(test_kmsg_keeps_bluetooth_records_only);
        TEST_RUN(test_kmsg_reads_the_real_device);
        TEST_RUN(test_kmsg_broken_input);
        TEST_RUN(test_kmsg_bounds_and_folding);
        TEST_RUN(test_findings_field_report_6_1_and_6_12);
        TEST_RUN(test_findings_patch_names_in_kernel_order);
        TEST_RUN(test_findings_other_hci_ignored);
        TEST_RUN(test_pinmux_pins_parse);
        TEST_RUN(test_pinctrl_text_garbage);
        TEST_RUN(test_live_rtscts_views);
        TEST_RUN(test_pinctrl_read_finds_the_gpio_controller);
        TEST_RUN(test_pins_missing_from_tree_is_named);
        TEST_RUN(test_live_gpio_in_confirms_the_pins);
        TEST_RUN(test_live_alt3_clears_the_pin_group);
        TEST_RUN(test_pi3b_gets_max_speed_not_pins);
        TEST_RUN(test_mini_uart_gets_460800);
        TEST_RUN(test_baud_not_acknowledged_with_rtscts_fine);
        TEST_RUN(test_healthy_is_not_degraded);
        TEST_RUN(test_missing_patch_names_the_files);
        TEST_RUN(test_no_shutdown_gpio_keeps_init_speed);
        TEST_RUN(test_deferred_probe_names_the_gpio);
        TEST_RUN(test_probe_failures_6_1_and_6_12);
        TEST_RUN(test_silent_and_unattached);
        TEST_RUN(test_real_trees);
        return test_exit();
}
