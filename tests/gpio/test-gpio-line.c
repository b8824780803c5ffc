/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* [GPIO] Line= declarations (every option, malformed forms, accumulation across drop-ins) and
 * PIN resolution against the upstream DTBs of every Pi board and the Khadas trees. */
#include <sys/stat.h>

#include "../unit/config-test.h"
#include "gpio.h"
#include "test-dtb.h"

#define GPIO(c) ((const GpioSettings *)config_probe_settings(c, &probe_gpio))

static void test_every_option_parses(void)
{
        GpioLineSpec s;
        char *err = NULL;

        ASSERT_INT_EQ(gpio_line_spec_parse("led GPIO17 output", &s, &err), 0);
        ASSERT_STR_EQ(s.name, "led");
        ASSERT_STR_EQ(s.pin, "GPIO17");
        ASSERT_INT_EQ(s.direction, GPIO_DIRECTION_OUTPUT);
        ASSERT_FALSE(s.high);
        ASSERT_INT_EQ(s.bias, GPIO_BIAS_AS_IS);
        ASSERT_INT_EQ(s.drive, GPIO_DRIVE_PUSH_PULL);
        gpio_line_spec_done(&s);

        ASSERT_INT_EQ(
                gpio_line_spec_parse("relay pin15 output high open-source active-low", &s, &err),
                0);
        ASSERT_TRUE(s.high);
        ASSERT_TRUE(s.active_low);
        ASSERT_INT_EQ(s.drive, GPIO_DRIVE_OPEN_SOURCE);
        _cleanup_free_ char *f = gpio_line_spec_format(&s);
        ASSERT_STR_EQ(f, "relay pin15 output high active-low open-source");
        gpio_line_spec_done(&s);

        ASSERT_INT_EQ(gpio_line_spec_parse("b.u_t-n pinctrl-bcm2835:27 input pull-down debounce=50",
                                           &s, &err),
                      0);
        ASSERT_INT_EQ(s.direction, GPIO_DIRECTION_INPUT);
        ASSERT_INT_EQ(s.bias, GPIO_BIAS_PULL_DOWN);
        ASSERT_INT_EQ(s.debounce_ms, 50);
        ASSERT_STR_EQ(s.pin, "pinctrl-bcm2835:27");
        gpio_line_spec_done(&s);

        ASSERT_INT_EQ(gpio_line_spec_parse("x GPIO4 input bias-disable", &s, &err), 0);
        ASSERT_INT_EQ(s.bias, GPIO_BIAS_DISABLED);
        gpio_line_spec_done(&s);
        ASSERT_NULL(err);
}

static void test_malformed_lines_say_why(void)
{
        static const struct {
                const char *text, *says;
        } bad[] = {
                {"", "got 0 words"},
                {"led", "got 1 word"},
                {"led GPIO17", "got 2 words"},
                {"led GPIO17 out", "'out' is not a direction"},
                {"l*d GPIO17 output", "is not a line name"},
                {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa GPIO1 input",
                 "is not a line name"},
                {"led \x01GPIO input", "is not a pin"},
                {"led GPIO\xc3\xa9 input", "is not a pin"},
                {"led GPIO17 input low", "for outputs only"},
                {"led GPIO17 output debounce=1", "for inputs only"},
                {"led GPIO17 input debounce=", "not a debounce time"},
                {"led GPIO17 input debounce=-1", "not a debounce time"},
                {"led GPIO17 input debounce=1001", "not a debounce time"},
                {"led GPIO17 input active-low active-low", "given twice"},
                {"led GPIO17 input pull-up bias-disable", "bias is given twice"},
                {"led GPIO17 output HIGH", "'HIGH' is not an option"},
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                GpioLineSpec s = {};
                _cleanup_free_ char *err = NULL;

                if (gpio_line_spec_parse(bad[i].text, &s, &err) != -EINVAL) {
                        TEST_FAIL("'%s' parsed", bad[i].text);
                        gpio_line_spec_done(&s);
                        continue;
                }
                ASSERT_STR_CONTAINS(err, bad[i].says);
                ASSERT_NULL(s.name);
        }
}

static void test_consumer_name_fits_the_kernel(void)
{
        _cleanup_free_ char *a = gpio_consumer_name("led");
        _cleanup_free_ char *b =
                gpio_consumer_name("a-very-long-line-name-that-the-kernel-would-cut");

        ASSERT_STR_EQ(a, "hwctld:led");
        ASSERT_INT_EQ(strlen(b), GPIO_CONSUMER_MAX);
        ASSERT_STR_EQ(b, "hwctld:a-very-long-line-name-th");
}

static void test_lines_add_up_across_dropins(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        GpioLineSpec *l = NULL;
        size_t n = 0;

        write_text(root, MAIN, "[GPIO]\nLine=led GPIO17 output high\nLine=bad GPIO4 input low\n");
        write_text(root, ETC_D "10-button.conf", "[GPIO]\nLine=button GPIO27 input pull-up\n");
        write_text(root, ETC_D "20-led.conf", "[GPIO]\nLine=led GPIO18 output\n");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        /* The bad line is reported with its file and line, the others still apply. */
        _cleanup_free_ char *main_file = path_in(root, MAIN);
        ASSERT_NOT_NULL(only_problem(c, main_file, 3, CONFIG_ERROR));
        ASSERT_INT_EQ(strv_length(GPIO(c)->lines), 3);
        ASSERT_INT_EQ(gpio_settings_lines(GPIO(c), &l, &n), 0);
        /* A later declaration of a name replaces the earlier one. */
        ASSERT_INT_EQ(n, 2);
        if (n == 2) {
                ASSERT_STR_EQ(l[0].name, "button");
                ASSERT_STR_EQ(l[1].name, "led");
                ASSERT_STR_EQ(l[1].pin, "GPIO18");
                ASSERT_FALSE(l[1].high);
        }
        gpio_line_specs_free(l, n);

        /* An empty Line= drops every line before it. */
        write_text(root, ETC_D "30-reset.conf", "[GPIO]\nLine=\nLine=fan GPIO12 output\n");
        _cleanup_(config_unrefp) Config *d = load(root, NULL);
        _cleanup_free_ char *lines = strv_join(GPIO(d)->lines, "|");
        ASSERT_STR_EQ(lines, "fan GPIO12 output low");
        write_text(root, ETC_D "40-none.conf", "[GPIO]\nLine=\n");
        _cleanup_(config_unrefp) Config *e = load(root, NULL);
        ASSERT_NULL(GPIO(e)->lines);
}

static void expect_offset(const Board *b, const char *pin, unsigned offset, const char *label)
{
        GpioPin p = {};
        _cleanup_free_ char *err = NULL;

        if (gpio_pin_resolve(b, pin, &p, &err) < 0) {
                TEST_FAIL("%s on %s: %s", pin, strna(b->model), strna(err));
                return;
        }
        if (p.offset != offset || !streq_ptr(p.chip_label, label))
                TEST_FAIL("%s on %s: %s:%u, expected %s:%u", pin, strna(b->model),
                          strna(p.chip_label), p.offset, label, offset);
        gpio_pin_done(&p);
}

static void expect_refused(const Board *b, const char *pin, const char *says)
{
        GpioPin p = {};
        _cleanup_free_ char *err = NULL;

        if (gpio_pin_resolve(b, pin, &p, &err) >= 0) {
                TEST_FAIL("%s on %s resolved to %s:%u", pin, strna(b->model), p.chip_label,
                          p.offset);
                gpio_pin_done(&p);
                return;
        }
        ASSERT_STR_CONTAINS(err, says);
}

static void test_pins_resolve_on_every_pi(void)
{
        static const struct {
                const char *dtb, *label;
                unsigned lines;
        } pis[] = {
                {"bcm2837-rpi-3-b.dtb", "pinctrl-bcm2835", 54},
                {"bcm2837-rpi-3-b-plus.dtb", "pinctrl-bcm2835", 54},
                {"bcm2837-rpi-3-a-plus.dtb", "pinctrl-bcm2835", 54},
                {"bcm2837-rpi-zero-2-w.dtb", "pinctrl-bcm2835", 54},
                {"bcm2711-rpi-4-b.dtb", "pinctrl-bcm2711", 58},
                {"bcm2711-rpi-400.dtb", "pinctrl-bcm2711", 58},
                {"bcm2711-rpi-cm4-io.dtb", "pinctrl-bcm2711", 58},
        };
        struct stat st;

        if (stat(HWCTL_DTB_DIR, &st) < 0)
                TEST_SKIP("no upstream DTBs in %s (run scripts/fetch-dtbs)", HWCTL_DTB_DIR);
        for (size_t i = 0; i < ELEMENTSOF(pis); i++) {
                _cleanup_(board_freep) Board *b = test_load_dtb(HWCTL_DTB_DIR, pis[i].dtb);
                if (!b)
                        continue;
                ASSERT_STR_EQ(b->gpio.chip_label, pis[i].label);
                ASSERT_INT_EQ(b->gpio.n_lines, pis[i].lines);
                /* GPIO17 and pin11 are the same line; so are pin3 and mainline's SDA1. */
                expect_offset(b, "GPIO17", 17, pis[i].label);
                expect_offset(b, "pin11", 17, pis[i].label);
                expect_offset(b, "pin3", 2, pis[i].label);
                expect_offset(b, "SDA1", 2, pis[i].label);
                expect_offset(b, "GPIO2", 2, pis[i].label); /* mainline names it SDA1 */
                expect_offset(b, "gpio27", 27, pis[i].label);
                expect_offset(b, "pin40", 21, pis[i].label);
                expect_offset(b, "PIN27", 0, pis[i].label);
                _cleanup_free_ char *direct = strdup_printf("%s:22", pis[i].label);
                expect_offset(b, direct, 22, pis[i].label);
                expect_offset(b, "pinctrl-other:5", 5, "pinctrl-other");
                /* Power and ground pins are refused by what they are. */
                expect_refused(b, "pin1", "3V3 power");
                expect_refused(b, "pin2", "5V power");
                expect_refused(b, "pin6", "ground");
                expect_refused(b, "pin39", "ground");
                expect_refused(b, "pin0", "pins 1..40");
                expect_refused(b, "pin41", "pins 1..40");
                expect_refused(b, "GPIO99", "lines 0..");
                expect_refused(b, "GPIO_17", "closest names it has: GPIO17");
                _cleanup_free_ char *beyond = strdup_printf("%s:%u", pis[i].label, pis[i].lines);
                expect_refused(b, beyond, "lines (0..");
                expect_refused(b, ":4", "is not LABEL:OFFSET");
                expect_refused(b, "chip:x", "is not LABEL:OFFSET");
                expect_refused(b, "chip:99999", "is not LABEL:OFFSET");
                ASSERT_INT_EQ(gpio_header_pin_of_offset(b, 17), 11);
                ASSERT_INT_EQ(gpio_header_pin_of_offset(b, 40), 0);
        }
}

static void test_pins_on_vendor_trees_and_khadas(void)
{
        _cleanup_(board_freep) Board *pi5 =
                test_load_dtb(HWCTL_BOARD_FIXTURE_DTB_DIR, "rpi-5-b-downstream.dtb");
        _cleanup_(board_freep) Board *pi3 =
                test_load_dtb(HWCTL_BOARD_FIXTURE_DTB_DIR, "rpi-3-b-downstream.dtb");
        _cleanup_(board_freep) Board *vim = NULL;
        struct stat st;

        if (pi5) { /* the header is on RP1; the same pin numbers */
                ASSERT_STR_EQ(pi5->gpio.chip_label, "pinctrl-rp1");
                expect_offset(pi5, "pin11", 17, "pinctrl-rp1");
                expect_offset(pi5, "GPIO17", 17, "pinctrl-rp1");
        }
        if (pi3) /* the downstream tree names line 2 "GPIO2" */
                expect_offset(pi3, "GPIO2", 2, "pinctrl-bcm2835");
        if (stat(HWCTL_DTB_DIR, &st) < 0)
                TEST_SKIP("no upstream DTBs in %s (run scripts/fetch-dtbs)", HWCTL_DTB_DIR);
        vim = test_load_dtb(HWCTL_DTB_DIR, "meson-gxl-s905x-khadas-vim.dtb");
        if (vim) {
                unsigned off = 0;
                STRV_FOREACH (n, vim->gpio.line_names) {
                        if (streq(*n, "J9 Header Pin37"))
                                break;
                        off++;
                }
                ASSERT_STR_EQ(vim->gpio.chip_label, "periphs-banks");
                /* A name with spaces, written as one word. */
                expect_offset(vim, "J9_Header_Pin37", off, "periphs-banks");
                expect_offset(vim, "j9_header_pin37", off, "periphs-banks");
                /* No header map for Khadas boards: physical pins are refused, saying so. */
                expect_refused(vim, "pin11", "no map of this board's header pins");
                expect_refused(vim, "J9_Header_Pin99", "closest names it has: J9 Header Pin");
        }
}

static void test_legacy_facts(void)
{
        bool hw, rev;
        unsigned gid = 0;
        GpioLegacy l = {.rpi = true, .sysfs_base = 512, .example_offset = 17};

        gpio_cpuinfo_scan("processor\t: 0\nBogoMIPS\t: 125.00\nHardware\t: BCM2835\n"
                          "Revision\t: a02082\nSerial\t\t: 00000000\n",
                          &hw, &rev);
        ASSERT_TRUE(hw && rev);
        gpio_cpuinfo_scan("processor\t: 0\nCPU revision\t: 4\n\nHardwareX: 1\n", &hw, &rev);
        ASSERT_FALSE(hw || rev);
        gpio_cpuinfo_scan("", &hw, &rev);
        ASSERT_FALSE(hw || rev);
        gpio_cpuinfo_scan("Hardware", &hw, &rev); /* no colon, no newline */
        ASSERT_FALSE(hw);

        ASSERT_INT_EQ(gpio_group_lookup("root:x:0:\ngpio:x:997:pi\n", "gpio", &gid), 0);
        ASSERT_INT_EQ(gid, 997);
        ASSERT_INT_EQ(gpio_group_lookup("gpiox:x:5:\ngpio:x:abc:\ngpio::12\n", "gpio", &gid),
                      -ENOENT);
        ASSERT_INT_EQ(gpio_group_lookup("gpio:x:99999999999:\n", "gpio", &gid), -ENOENT);
        ASSERT_INT_EQ(gpio_group_lookup("", "gpio", &gid), -ENOENT);

        _cleanup_free_ char *sum = gpio_legacy_summary(&l);
        _cleanup_free_ char *rem = gpio_legacy_remedy(&l);
        ASSERT_STR_CONTAINS(sum, "GPIO17 is number 529 in /sys/class/gpio on this kernel, not 17");
        ASSERT_STR_CONTAINS(sum, "no /dev/gpiomem");
        ASSERT_STR_CONTAINS(sum, "no Hardware or Revision line");
        ASSERT_STR_CONTAINS(rem, "libgpiod");
        ASSERT_STR_CONTAINS(rem, "RPi.GPIO");

        /* A kernel where old code still works: nothing to say. */
        char *nodes[] = {(char *)"/dev/gpiomem", NULL};
        GpioLegacy ok = {.rpi = true,
                         .sysfs_base = 0,
                         .gpiomem = nodes,
                         .cpuinfo_hardware = true,
                         .cpuinfo_revision = true};
        ASSERT_NULL(gpio_legacy_summary(&ok));
        ASSERT_NULL(gpio_legacy_remedy(&ok));
        GpioLegacy other = {.rpi = false, .sysfs_base = -1};
        ASSERT_NULL(gpio_legacy_summary(&other));
}

int main(void)
{
        TEST_RUN(test_every_option_parses);
        TEST_RUN(test_malformed_lines_say_why);
        TEST_RUN(test_consumer_name_fits_the_kernel);
        TEST_RUN(test_lines_add_up_across_dropins);
        TEST_RUN(test_legacy_facts);
        TEST_RUN(test_pins_on_vendor_trees_and_khadas);
        TEST_RUN(test_pins_resolve_on_every_pi);
        return test_exit();
}
