/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hwctl.conf's keys, through the probes' sections: defaults, every valid and invalid form,
 * resets, single assignments, and the effective configuration as JSON. */
#include "config-test.h"

static void test_defaults_are_documented_values(void)
{
        _cleanup_(config_unrefp) Config *c = NULL;

        ASSERT_INT_EQ(config_new_default(probe_table, &c), 0);
        if (!c)
                return;
        ASSERT_NULL(config_daemon_probes(c));
        ASSERT_INT_EQ(config_daemon_probe_timeout(c), 0);
        ASSERT_TRUE(config_probe_enabled(c, &probe_rootfs));
        ASSERT_STR_EQ(ROOTFS(c)->mount, "/");
        ASSERT_INT_EQ(ROOTFS(c)->reserve_bytes, 0);
        ASSERT_INT_EQ(ROOTFS(c)->reserve_percent, 0);
        ASSERT_TRUE(config_probe_enabled(c, &probe_gpio));
        ASSERT_TRUE(config_probe_enabled(c, &probe_audio));
        ASSERT_NULL(AUDIO(c)->output);
        ASSERT_FALSE(AUDIO(c)->volume.percent);
        ASSERT_INT_EQ(AUDIO(c)->volume.centi_db, -600);
        ASSERT_INT_EQ(AUDIO(c)->settle_usec, 10 * USEC_PER_SEC);
        ASSERT_TRUE(config_probe_enabled(c, &probe_bluetooth));
        ASSERT_INT_EQ(BLUETOOTH(c)->attach, BLUETOOTH_ATTACH_AUTO);
        ASSERT_INT_EQ(BLUETOOTH(c)->baud, 0);
        _cleanup_free_ char *fw = strv_join(BLUETOOTH(c)->firmware_dirs, " ");
        ASSERT_STR_EQ(fw, "/lib/firmware /usr/lib/firmware /etc/firmware "
                          "/run/current-system/firmware");
        ASSERT_INT_EQ(BLUETOOTH(c)->kernel_timeout_usec, 15 * USEC_PER_SEC);
        ASSERT_TRUE(config_probe_enabled(c, &probe_network));
        ASSERT_NULL(NETWORK(c)->uplinks);
        _cleanup_free_ char *prefer = strv_join(NETWORK(c)->prefer, " ");
        ASSERT_STR_EQ(prefer, "wired wireless");
        ASSERT_INT_EQ(NETWORK(c)->ipv4_timeout_usec, 30 * USEC_PER_SEC);
        ASSERT_NULL(config_files(c));
        ASSERT_INT_EQ(config_n_problems(c), 0);
}

static void test_empty_sysroot_gives_defaults(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        assert_no_problems(c);
        ASSERT_NULL(config_files(c));
        ASSERT_TRUE(config_is_default(c));
        ASSERT_NULL(config_unref(NULL));
}

/* ---- Values ---- */

static const struct {
        const char *section, *key, *value;
        const char *json_key, *json; /* the effective value, as config_section_to_json shows it */
} valid_values[] = {
        {"Daemon", "Probes", "rootfs network", "Probes", "[\"rootfs\",\"network\"]"},
        {"Daemon", "Probes", "gpio gpio  audio", "Probes", "[\"gpio\",\"audio\"]"},
        {"Daemon", "Probes", "bluetooth", "Probes", "[\"bluetooth\"]"},
        {"Daemon", "ProbeTimeoutSec", "2min", "ProbeTimeoutUSec", "120000000"},
        {"Daemon", "ProbeTimeoutSec", "45", "ProbeTimeoutSec", "\"45s\""},
        {"RootFS", "Enable", "no", "Enable", "false"},
        {"RootFS", "Enable", "OFF", "Enable", "false"},
        {"RootFS", "Enable", "0", "Enable", "false"},
        {"RootFS", "Mount", "/srv/data", "Mount", "\"\\/srv\\/data\""},
        {"RootFS", "Mount", "/srv//data/", "Mount", "\"\\/srv\\/data\""},
        {"RootFS", "Reserve", "512M", "ReserveBytes", "536870912"},
        {"RootFS", "Reserve", "1.5G", "ReserveBytes", "1610612736"},
        {"RootFS", "Reserve", "1GiB", "ReserveBytes", "1073741824"},
        {"RootFS", "Reserve", "4096", "ReserveBytes", "4096"},
        {"RootFS", "Reserve", "4096B", "Reserve", "\"4K\""},
        {"RootFS", "Reserve", "5%", "ReservePercent", "5"},
        {"RootFS", "Reserve", "99%", "Reserve", "\"99%\""},
        {"RootFS", "Reserve", "0%", "ReservePercent", "0"},
        {"GPIO", "Enable", "false", "Enable", "false"},
        {"GPIO", "Enable", "n", "Enable", "false"},
        {"Audio", "Enable", "f", "Enable", "false"},
        {"Audio", "Output", "Headphones", "Output", "\"Headphones\""},
        {"Audio", "Output", "vc4hdmi0", "Output", "\"vc4hdmi0\""},
        {"Audio", "Output", "HDMI1", "Output", "\"hdmi1\""},
        {"Audio", "Output", "Auto", "Output", "\"auto\""},
        {"Audio", "Output", "analog", "Output", "\"analog\""},
        {"Audio", "Volume", "55", "Volume", "\"55%\""},
        {"Audio", "Volume", "55%", "Volume", "\"55%\""},
        {"Audio", "Volume", "0", "Volume", "\"0%\""},
        {"Audio", "Volume", "100%", "Volume", "\"100%\""},
        {"Audio", "Volume", "-6dB", "Volume", "\"-6.00dB\""},
        {"Audio", "Volume", "-10.5 dB", "Volume", "\"-10.50dB\""},
        {"Audio", "Volume", "0.25db", "Volume", "\"0.25dB\""},
        {"Audio", "Volume", "+3dB", "Volume", "\"3.00dB\""},
        {"Audio", "SettleSec", "2", "SettleUSec", "2000000"},
        {"Audio", "SettleSec", "0", "SettleSec", "\"0\""},
        {"Bluetooth", "Enable", "no", "Enable", "false"},
        {"Bluetooth", "Attach", "kernel", "Attach", "\"kernel\""},
        {"Bluetooth", "Attach", "userspace", "Attach", "\"userspace\""},
        {"Bluetooth", "Attach", "off", "Attach", "\"off\""},
        {"Bluetooth", "Device", "/dev/ttyAMA0", "Device", "\"\\/dev\\/ttyAMA0\""},
        {"Bluetooth", "Device", "/dev//serial1", "Device", "\"\\/dev\\/serial1\""},
        {"Bluetooth", "FlowControl", "yes", "FlowControl", "\"yes\""},
        {"Bluetooth", "FlowControl", "off", "FlowControl", "\"no\""},
        {"Bluetooth", "FlowControl", "auto", "FlowControl", "\"auto\""},
        {"Bluetooth", "Address", "b8:27:eb:01:02:03", "Address", "\"B8:27:EB:01:02:03\""},
        {"Bluetooth", "Address", "12:34:56:78:9A:BC", "Address", "\"12:34:56:78:9A:BC\""},
        {"Bluetooth", "KernelTimeout", "20s", "KernelTimeoutUSec", "20000000"},
        {"Bluetooth", "Baud", "921600", "Baud", "921600"},
        {"Bluetooth", "Baud", "3000000", "Baud", "3000000"},
        {"Bluetooth", "Baud", "115200", "Baud", "115200"},
        {"Bluetooth", "FirmwareDirs", "/opt/fw /lib/firmware/brcm/", "FirmwareDirs",
         "[\"\\/opt\\/fw\",\"\\/lib\\/firmware\\/brcm\"]"},
        {"Bluetooth", "KernelTimeoutSec", "500ms", "KernelTimeoutUSec", "500000"},
        {"Bluetooth", "KernelTimeoutSec", "1min 30s", "KernelTimeoutSec", "\"1min 30s\""},
        {"Bluetooth", "KernelTimeoutSec", "15", "KernelTimeoutUSec", "15000000"},
        {"GPIO", "Line", "led GPIO17 output", "Line", "[\"led GPIO17 output low\"]"},
        {"GPIO", "Line", "  button   pin13 input pull-up  active-low ", "Line",
         "[\"button pin13 input active-low pull-up\"]"},
        {"GPIO", "Line", "relay pinctrl-bcm2835:22 output high open-drain", "Line",
         "[\"relay pinctrl-bcm2835:22 output high open-drain\"]"},
        {"GPIO", "Line", "key SDA1 input bias-disable debounce=20", "Line",
         "[\"key SDA1 input bias-disable debounce=20\"]"},
        {"Network", "Enable", "no", "Enable", "false"},
        {"Network", "Uplinks", "eth0 wlan0", "Uplinks", "[\"eth0\",\"wlan0\"]"},
        {"Network", "Uplinks", "enx0123456789ab", "Uplinks", "[\"enx0123456789ab\"]"},
        {"Network", "Prefer", "wireless wired", "Prefer", "[\"wireless\",\"wired\"]"},
        {"Network", "Prefer", "eth1 wired", "Prefer", "[\"eth1\",\"wired\"]"},
        {"Network", "IPv4TimeoutSec", "1min", "IPv4TimeoutUSec", "60000000"},
};

static void test_each_key_accepts_its_valid_forms(void)
{
        for (size_t i = 0; i < ELEMENTSOF(valid_values); i++) {
                _cleanup_sysroot_ char *root = sysroot_new();
                _cleanup_free_ char *text =
                        strdup_printf("[%s]\n%s=%s\n", valid_values[i].section, valid_values[i].key,
                                      valid_values[i].value);
                write_text(root, MAIN, text);
                _cleanup_(config_unrefp) Config *c = load(root, NULL);
                _cleanup_free_ char *got =
                        field_json(c, valid_values[i].section, valid_values[i].json_key);
                if (!streq(got, valid_values[i].json))
                        TEST_FAIL("[%s] %s=%s: %s is %s, expected %s", valid_values[i].section,
                                  valid_values[i].key, valid_values[i].value,
                                  valid_values[i].json_key, got, valid_values[i].json);
                assert_no_problems(c);
        }
}

static void test_values_reach_the_struct(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        write_text(root, MAIN,
                   "[Daemon]\nProbes=audio network\nProbeTimeoutSec=10s\n"
                   "[RootFS]\nEnable=no\nMount=/data\nReserve=2G\n"
                   "[GPIO]\nEnable=no\n"
                   "[Audio]\nEnable=no\nOutput=vc4hdmi0\nVolume=40%\n"
                   "[Bluetooth]\nEnable=no\nAttach=userspace\nBaud=460800\nFirmwareDirs=/fw\n"
                   "KernelTimeoutSec=1min 30s\n"
                   "[Network]\nEnable=no\nUplinks=eth0\nPrefer=wireless\nIPv4TimeoutSec=5s\n");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        assert_no_problems(c);
        ASSERT_INT_EQ(strv_length(config_daemon_probes(c)), 2);
        ASSERT_TRUE(strv_contains(config_daemon_probes(c), "network"));
        ASSERT_INT_EQ(config_daemon_probe_timeout(c), 10 * USEC_PER_SEC);
        ASSERT_FALSE(config_probe_enabled(c, &probe_rootfs));
        ASSERT_STR_EQ(ROOTFS(c)->mount, "/data");
        ASSERT_INT_EQ(ROOTFS(c)->reserve_bytes, UINT64_C(2) << 30);
        ASSERT_FALSE(config_probe_enabled(c, &probe_gpio));
        ASSERT_FALSE(config_probe_enabled(c, &probe_audio));
        ASSERT_STR_EQ(AUDIO(c)->output, "vc4hdmi0");
        ASSERT_INT_EQ(AUDIO(c)->volume.percent_value, 40);
        ASSERT_FALSE(config_probe_enabled(c, &probe_bluetooth));
        ASSERT_INT_EQ(BLUETOOTH(c)->attach, BLUETOOTH_ATTACH_USERSPACE);
        ASSERT_INT_EQ(BLUETOOTH(c)->baud, 460800);
        ASSERT_INT_EQ(strv_length(BLUETOOTH(c)->firmware_dirs), 1);
        ASSERT_STR_EQ(BLUETOOTH(c)->firmware_dirs ? BLUETOOTH(c)->firmware_dirs[0] : NULL, "/fw");
        ASSERT_INT_EQ(BLUETOOTH(c)->kernel_timeout_usec, 90 * USEC_PER_SEC);
        ASSERT_FALSE(config_probe_enabled(c, &probe_network));
        ASSERT_STR_EQ(NETWORK(c)->uplinks ? NETWORK(c)->uplinks[0] : NULL, "eth0");
        ASSERT_INT_EQ(strv_length(NETWORK(c)->prefer), 1);
        ASSERT_INT_EQ(NETWORK(c)->ipv4_timeout_usec, 5 * USEC_PER_SEC);
        ASSERT_INT_EQ(strv_length(config_files(c)), 1);
}

static const struct {
        const char *section, *key, *value;
        const char *says; /* part of the message beyond key and value */
} invalid_values[] = {
        {"Daemon", "Probes", "rootfs wifi", "'wifi' is not a probe name"},
        {"Daemon", "Probes", "Audio", "rootfs gpio audio bluetooth network"},
        {"Daemon", "ProbeTimeoutSec", "soon", "time span"},
        {"Daemon", "ProbeTimeoutSec", "-5s", "time span"},
        {"Daemon", "ProbeTimeoutSec", "99999999999999999999", "too large"},
        {"RootFS", "Enable", "maybe", "boolean"},
        {"RootFS", "Enable", "2", "boolean"},
        {"RootFS", "Mount", "data", "absolute path"},
        {"RootFS", "Mount", "/srv/../etc", "absolute path"},
        {"RootFS", "Mount", "/srv/./data", "absolute path"},
        {"RootFS", "Reserve", "100%", "percentage"},
        {"RootFS", "Reserve", "5.5%", "percentage"},
        {"RootFS", "Reserve", "-5%", "percentage"},
        {"RootFS", "Reserve", "%", "size"},
        {"RootFS", "Reserve", "1GB", "size"},
        {"RootFS", "Reserve", "lots", "size"},
        {"RootFS", "Reserve", "1.5", "size"},
        {"RootFS", "Reserve", "20000000T", "too large"},
        {"GPIO", "Enable", "enabled", "boolean"},
        {"Audio", "Enable", "ja", "boolean"},
        {"Audio", "Volume", "101", "0..100"},
        {"Audio", "Volume", "-1", "0..100"},
        {"Audio", "Volume", "loud", "0..100"},
        {"Audio", "Volume", "50 %", "0..100"},
        {"Audio", "Volume", "50.5", "0..100"},
        {"Audio", "Volume", "-100dB", "0..100"},
        {"Audio", "Volume", "25dB", "0..100"},
        {"Audio", "Volume", "nan", "0..100"},
        {"Audio", "Volume", "inf%", "0..100"},
        {"Audio", "Volume", "1e1%", "0..100"},
        {"Audio", "Volume", "-6 decibel", "0..100"},
        {"Audio", "Volume", "%", "0..100"},
        {"Audio", "Output", "caf\xc3\xa9", "a card id"},
        {"Audio", "Output", "sixteen-chars-id", "a card id"},
        {"Audio", "Output", "hw:0", "a card id"},
        {"Audio", "Output", "Head phones", "a card id"},
        {"Audio", "SettleSec", "forever", "time span"},
        {"Bluetooth", "Enable", "yesno", "boolean"},
        {"Bluetooth", "Attach", "serdev", "auto, kernel, userspace or off"},
        {"Bluetooth", "Attach", "Kernel", "auto, kernel, userspace or off"},
        {"Bluetooth", "Device", "ttyAMA0", "a tty under /dev"},
        {"Bluetooth", "Device", "/tmp/tty", "a tty under /dev"},
        {"Bluetooth", "Device", "/dev/../etc/passwd", "a tty under /dev"},
        {"Bluetooth", "Device", "/dev", "a tty under /dev"},
        {"Bluetooth", "FlowControl", "rtscts", "auto, yes or no"},
        {"Bluetooth", "Address", "12:34:56:78:9A", "01:23:45:67:89:AB"},
        {"Bluetooth", "Address", "12:34:56:78:9A:BC:DE", "01:23:45:67:89:AB"},
        {"Bluetooth", "Address", "12-34-56-78-9A-BC", "01:23:45:67:89:AB"},
        {"Bluetooth", "Address", "12:34:56:78:9A:BG", "01:23:45:67:89:AB"},
        {"Bluetooth", "Address", "00:00:00:00:00:00", "are not addresses a controller can use"},
        {"Bluetooth", "Address", "ff:ff:ff:ff:ff:ff", "are not addresses a controller can use"},
        {"Bluetooth", "KernelTimeout", "soonish", "time span"},
        {"Bluetooth", "Baud", "9600", "115200"},
        {"Bluetooth", "Baud", "0", "3000000"},
        {"Bluetooth", "Baud", "fast", "4000000"},
        {"Bluetooth", "Baud", "99999999999", "115200"},
        {"Bluetooth", "FirmwareDirs", "/lib/firmware firmware", "'firmware' is not"},
        {"Bluetooth", "FirmwareDirs", "/lib/../etc", "absolute paths"},
        {"Bluetooth", "KernelTimeoutSec", "15 parsecs", "time span"},
        {"Bluetooth", "KernelTimeoutSec", "1min,30s", "time span"},
        {"Network", "Enable", "sure", "boolean"},
        {"GPIO", "Line", "led GPIO17", "expected NAME PIN DIRECTION"},
        {"GPIO", "Line", "led GPIO17 sideways", "'sideways' is not a direction"},
        {"GPIO", "Line", "l/ed GPIO17 output", "is not a line name"},
        {"GPIO", "Line", "led GPIO17 input high", "'high' is for outputs only"},
        {"GPIO", "Line", "led GPIO17 input open-drain", "for outputs only"},
        {"GPIO", "Line", "led GPIO17 output debounce=5", "for inputs only"},
        {"GPIO", "Line", "led GPIO17 output low high", "initial value is given twice"},
        {"GPIO", "Line", "led GPIO17 input pull-up pull-down", "bias is given twice"},
        {"GPIO", "Line", "led GPIO17 input debounce=abc", "not a debounce time"},
        {"GPIO", "Line", "led GPIO17 input debounce=100000", "not a debounce time"},
        {"GPIO", "Line", "led GPIO17 output sparkle", "'sparkle' is not an option"},
        {"GPIO", "Line", "led GPIO17 output open-drain open-source", "drive is given twice"},
        {"Network", "Uplinks", "eth0 wlan/0", "'wlan/0' is not a valid interface name"},
        {"Network", "Uplinks", "averyveryverylongname", "1..15 characters"},
        {"Network", "Uplinks", "eth0:1", "interface name"},
        {"Network", "Uplinks", "..", "interface name"},
        {"Network", "Prefer", "wired ../x", "'../x' is not"},
        {"Network", "Prefer", "wired a23456789abcdef0", "wired, wireless"},
        {"Network", "IPv4TimeoutSec", "30 sec later", "time span"},
};

static void test_each_key_rejects_invalid_forms_keeping_default(void)
{
        for (size_t i = 0; i < ELEMENTSOF(invalid_values); i++) {
                _cleanup_sysroot_ char *root = sysroot_new();
                _cleanup_free_ char *text =
                        strdup_printf("# line 1\n[%s]\n%s=%s\n", invalid_values[i].section,
                                      invalid_values[i].key, invalid_values[i].value);
                _cleanup_free_ char *file = path_in(root, MAIN);
                _cleanup_free_ char *key = strdup_printf("%s=", invalid_values[i].key);
                _cleanup_free_ char *quoted = strdup_printf("'%s'", invalid_values[i].value);
                const ConfigProblem *p;

                write_text(root, MAIN, text);
                _cleanup_(config_unrefp) Config *c = load(root, NULL);
                fprintf(stderr, "  [%s] %s=%s\n", invalid_values[i].section, invalid_values[i].key,
                        invalid_values[i].value);
                p = only_problem(c, file, 3, CONFIG_ERROR);
                if (p) {
                        ASSERT_STR_CONTAINS(p->message, key);
                        ASSERT_STR_CONTAINS(p->message, quoted);
                        ASSERT_STR_CONTAINS(p->message, "expected");
                        ASSERT_STR_CONTAINS(p->message, invalid_values[i].says);
                }
                if (!section_is_default(c, invalid_values[i].section))
                        TEST_FAIL("[%s] %s=%s changed the section", invalid_values[i].section,
                                  invalid_values[i].key, invalid_values[i].value);
                /* The file was still read. */
                ASSERT_INT_EQ(strv_length(config_files(c)), 1);
        }
}

static void test_invalid_value_keeps_earlier_file_value(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *dropin = path_in(root, ETC_D "50-bad.conf");

        write_text(root, MAIN, "[Audio]\nVolume=30\n[Bluetooth]\nFirmwareDirs=/opt/fw\n");
        write_text(root, ETC_D "50-bad.conf",
                   "[Audio]\nVolume=300\n[Bluetooth]\nFirmwareDirs=/a relative\n");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        ASSERT_INT_EQ(AUDIO(c)->volume.percent_value, 30);
        ASSERT_INT_EQ(strv_length(BLUETOOTH(c)->firmware_dirs), 1);
        ASSERT_STR_EQ(BLUETOOTH(c)->firmware_dirs ? BLUETOOTH(c)->firmware_dirs[0] : NULL,
                      "/opt/fw");
        ASSERT_INT_EQ(config_n_problems(c), 2);
        ASSERT_NOT_NULL(find_problem(c, dropin, 2));
        ASSERT_NOT_NULL(find_problem(c, dropin, 4));
}

static void test_reserve_size_and_percentage_replace_each_other(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        write_text(root, MAIN, "[RootFS]\nReserve=512M\n");
        write_text(root, ETC_D "10-percent.conf", "[RootFS]\nReserve=5%\n");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        assert_no_problems(c);
        ASSERT_INT_EQ(ROOTFS(c)->reserve_percent, 5);
        ASSERT_INT_EQ(ROOTFS(c)->reserve_bytes, 0);

        write_text(root, ETC_D "20-size.conf", "[RootFS]\nReserve=1G\n");
        _cleanup_(config_unrefp) Config *d = load(root, NULL);
        ASSERT_INT_EQ(ROOTFS(d)->reserve_percent, 0);
        ASSERT_INT_EQ(ROOTFS(d)->reserve_bytes, UINT64_C(1) << 30);
}

static void test_empty_assignment_resets_to_default(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        write_text(root, MAIN,
                   "[Daemon]\nProbes=audio\nProbeTimeoutSec=10s\n"
                   "[RootFS]\nEnable=no\nMount=/data\nReserve=5%\n"
                   "[GPIO]\nEnable=no\n"
                   "[Audio]\nEnable=no\nOutput=x\nVolume=10\n"
                   "[Bluetooth]\nEnable=no\nAttach=kernel\nBaud=921600\nFirmwareDirs=/fw\n"
                   "KernelTimeoutSec=1s\n"
                   "[Network]\nEnable=no\nUplinks=eth0\nPrefer=wlan0\nIPv4TimeoutSec=1s\n");
        write_text(root, ETC_D "reset.conf",
                   "[Daemon]\nProbes=\nProbeTimeoutSec=\n"
                   "[RootFS]\nEnable=\nMount=\nReserve=\n"
                   "[GPIO]\nEnable=\n"
                   "[Audio]\nEnable=\nOutput=\nVolume=   \n"
                   "[Bluetooth]\nEnable=\nAttach=\nBaud=\nFirmwareDirs=\nKernelTimeoutSec=\n"
                   "[Network]\nEnable=\nUplinks=\nPrefer=\nIPv4TimeoutSec=\n");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        assert_no_problems(c);
        ASSERT_INT_EQ(strv_length(config_files(c)), 2);
        ASSERT_TRUE(config_is_default(c));
        ASSERT_NULL(config_daemon_probes(c));
        ASSERT_NULL(AUDIO(c)->output);
        ASSERT_NULL(NETWORK(c)->uplinks);
        ASSERT_INT_EQ(BLUETOOTH(c)->baud, 0);

        /* Within one file too, and a later assignment then sets it again. */
        write_text(root, MAIN, "[Audio]\nVolume=10\nVolume=\n[Network]\nPrefer=\nPrefer=eth1\n");
        _cleanup_free_ char *reset = path_in(root, ETC_D "reset.conf");
        ASSERT_INT_EQ(unlink(reset), 0);
        _cleanup_(config_unrefp) Config *d = load(root, NULL);
        ASSERT_INT_EQ(AUDIO(d)->volume.centi_db, -600);
        ASSERT_FALSE(AUDIO(d)->volume.percent);
        _cleanup_free_ char *prefer = strv_join(NETWORK(d)->prefer, " ");
        ASSERT_STR_EQ(prefer, "eth1");
}

static void test_lists_accumulate_and_an_empty_assignment_clears(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        /* The first assignment replaces the default, the next ones append (repeats dropped),
         * across files as within one, as systemd's lists do. */
        write_text(root, MAIN,
                   "[Daemon]\nProbes=audio\nProbes=gpio audio\n"
                   "[Network]\nPrefer=wireless\nUplinks=eth0\n");
        write_text(root, ETC_D "10-more.conf",
                   "[Network]\nPrefer=eth1 wireless\nUplinks=wlan0\n"
                   "[Bluetooth]\nFirmwareDirs=/a\nFirmwareDirs=/b /a\n");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        assert_no_problems(c);
        _cleanup_free_ char *probes = strv_join(config_daemon_probes(c), " ");
        _cleanup_free_ char *prefer = strv_join(NETWORK(c)->prefer, " ");
        _cleanup_free_ char *uplinks = strv_join(NETWORK(c)->uplinks, " ");
        _cleanup_free_ char *dirs = strv_join(BLUETOOTH(c)->firmware_dirs, " ");
        ASSERT_STR_EQ(probes, "audio gpio");
        ASSERT_STR_EQ(prefer, "wireless eth1");
        ASSERT_STR_EQ(uplinks, "eth0 wlan0");
        ASSERT_STR_EQ(dirs, "/a /b");

        /* An empty assignment drops what came before; the next one starts a new list. A bad
         * value in between changes nothing. */
        write_text(root, ETC_D "20-reset.conf",
                   "[Network]\nUplinks=\nUplinks=eth9\nUplinks=bad/name\nPrefer=\n"
                   "[Bluetooth]\nFirmwareDirs=\n");
        _cleanup_(config_unrefp) Config *d = load(root, NULL);
        _cleanup_free_ char *uplinks2 = strv_join(NETWORK(d)->uplinks, " ");
        _cleanup_free_ char *prefer2 = strv_join(NETWORK(d)->prefer, " ");
        _cleanup_free_ char *dirs2 = strv_join(BLUETOOTH(d)->firmware_dirs, " ");
        _cleanup_(config_unrefp) Config *def = NULL;
        ASSERT_INT_EQ(config_new_default(probe_table, &def), 0);
        _cleanup_free_ char *dirs_default = strv_join(BLUETOOTH(def)->firmware_dirs, " ");
        ASSERT_STR_EQ(uplinks2, "eth9");
        ASSERT_STR_EQ(prefer2, "wired wireless");
        ASSERT_STR_EQ(dirs2, dirs_default);
        ASSERT_INT_EQ(config_n_problems(d), 1);
}

static void test_config_set_applies_one_assignment(void)
{
        _cleanup_(config_unrefp) Config *c = NULL;
        char *reason = NULL;

        ASSERT_INT_EQ(config_new_default(probe_table, &c), 0);
        if (!c)
                return;
        ASSERT_INT_EQ(config_set(c, "Audio", "Volume", "25%", &reason), 0);
        ASSERT_INT_EQ(AUDIO(c)->volume.percent_value, 25);
        ASSERT_NULL(reason);

        ASSERT_INT_EQ(config_set(c, "Audio", "Volume", "250", &reason), -EINVAL);
        ASSERT_INT_EQ(AUDIO(c)->volume.percent_value, 25);
        ASSERT_STR_CONTAINS(reason, "expected a level of 0..100%");
        free(reason);
        reason = NULL;
        ASSERT_INT_EQ(config_set(c, "Daemon", "Probes", "gpio wifi", &reason), -EINVAL);
        ASSERT_STR_CONTAINS(reason, "'wifi' is not a probe name, expected probe names");
        free(reason);
        reason = NULL;
        ASSERT_INT_EQ(config_set(c, "Audio", "Volume", "x", NULL), -EINVAL);

        ASSERT_INT_EQ(config_set(c, "Audio", "Loudness", "1", &reason), -ENOENT);
        ASSERT_INT_EQ(config_set(c, "audio", "Volume", "1", &reason), -ENOENT);
        ASSERT_INT_EQ(config_set(c, "GPIO", "Volume", "1", &reason), -ENOENT);
        ASSERT_NULL(reason);

        ASSERT_INT_EQ(config_set(c, "Audio", "Volume", "", NULL), 0);
        ASSERT_FALSE(AUDIO(c)->volume.percent);
        ASSERT_INT_EQ(AUDIO(c)->volume.centi_db, -600);
}

/* ---- Unknown keys and sections ---- */

/* ---- JSON ---- */

static void assert_section_json(json_object *all, const char *name, const char *want)
{
        json_object *sec = NULL;

        if (!json_object_object_get_ex(all, name, &sec)) {
                TEST_FAIL("no section %s", name);
                return;
        }
        ASSERT_STR_EQ(json_object_to_json_string_ext(sec, JSON_C_TO_STRING_PLAIN), want);
}

static void test_json_shows_effective_values(void)
{
        static const char *const names[] = {"Daemon", "RootFS",    "GPIO",
                                            "Audio",  "Bluetooth", "Network"};
        _cleanup_sysroot_ char *root = sysroot_new();
        write_text(root, MAIN,
                   "[Bluetooth]\nAttach=kernel\nBaud=3000000\nKernelTimeoutSec=1min 30s\n"
                   "[RootFS]\nReserve=1.5G\n[Audio]\nOutput=Headphones\n");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);
        json_object *all = config_to_json(c), *sec = NULL;

        ASSERT_NOT_NULL(all);
        if (!all)
                return;
        ASSERT_INT_EQ(json_object_object_length(all), 6);
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                json_object *one = config_section_to_json(c, names[i]);
                if (!json_object_object_get_ex(all, names[i], &sec) || !one ||
                    !json_object_equal(sec, one))
                        TEST_FAIL("section %s differs between the two functions", names[i]);
                /* A section object is the caller's: dropping it leaves the document intact. */
                json_object_put(one);
        }

        assert_section_json(all, "Bluetooth",
                            "{\"Enable\":true,\"Attach\":\"kernel\",\"Device\":null,"
                            "\"Baud\":3000000,\"FlowControl\":\"auto\",\"Address\":null,"
                            "\"FirmwareDirs\":[\"\\/lib\\/firmware\",\"\\/usr\\/lib\\/firmware\","
                            "\"\\/etc\\/firmware\",\"\\/run\\/current-system\\/firmware\"],"
                            "\"KernelTimeoutUSec\":90000000,\"KernelTimeoutSec\":\"1min 30s\"}");
        assert_section_json(all, "RootFS",
                            "{\"Enable\":true,\"Mount\":\"\\/\",\"Reserve\":\"1536M\","
                            "\"ReserveBytes\":1610612736,\"ReservePercent\":0}");
        assert_section_json(all, "Daemon",
                            "{\"Probes\":[\"rootfs\",\"gpio\",\"audio\",\"bluetooth\",\"network\"],"
                            "\"ProbeTimeoutUSec\":0,\"ProbeTimeoutSec\":\"0\"}");
        assert_section_json(all, "Network",
                            "{\"Enable\":true,\"Uplinks\":[],\"Prefer\":[\"wired\",\"wireless\"],"
                            "\"IPv4TimeoutUSec\":30000000,\"IPv4TimeoutSec\":\"30s\"}");
        assert_section_json(all, "Audio",
                            "{\"Enable\":true,\"Output\":\"Headphones\",\"Volume\":\"-6.00dB\","
                            "\"SettleUSec\":10000000,\"SettleSec\":\"10s\"}");
        assert_section_json(all, "GPIO", "{\"Enable\":true,\"Line\":[]}");
        json_object_put(all);

        ASSERT_NULL(config_section_to_json(c, "Wifi"));
        ASSERT_NULL(config_section_to_json(c, "bluetooth")); /* names are case-sensitive */
        ASSERT_NULL(config_section_to_json(c, ""));
        ASSERT_NULL(config_to_json(NULL));
}

static void test_json_sections_differ_exactly_when_settings_do(void)
{
        /* What SIGHUP relies on to re-run only the probes whose settings changed. */
        _cleanup_sysroot_ char *root = sysroot_new();
        write_text(root, MAIN, "[Audio]\nVolume=81\n[GPIO]\nEnable=yes\n");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);
        _cleanup_(config_unrefp) Config *d = NULL;
        json_object *audio_c, *audio_d, *gpio_c, *gpio_d, *card = NULL;

        ASSERT_INT_EQ(config_new_default(probe_table, &d), 0);
        if (!d)
                return;
        audio_c = config_section_to_json(c, "Audio");
        audio_d = config_section_to_json(d, "Audio");
        gpio_c = config_section_to_json(c, "GPIO");
        gpio_d = config_section_to_json(d, "GPIO");
        ASSERT_FALSE(json_object_equal(audio_c, audio_d));
        ASSERT_TRUE(json_object_equal(gpio_c, gpio_d)); /* set, but to the default */

        /* Output unset is the default it stands for. */
        ASSERT_TRUE(json_object_object_get_ex(audio_d, "Output", &card));
        ASSERT_STR_EQ(json_object_get_string(card), "auto");

        json_object_put(audio_c);
        json_object_put(audio_d);
        json_object_put(gpio_c);
        json_object_put(gpio_d);
}

int main(void)
{
        TEST_RUN(test_defaults_are_documented_values);
        TEST_RUN(test_empty_sysroot_gives_defaults);
        TEST_RUN(test_each_key_accepts_its_valid_forms);
        TEST_RUN(test_values_reach_the_struct);
        TEST_RUN(test_each_key_rejects_invalid_forms_keeping_default);
        TEST_RUN(test_invalid_value_keeps_earlier_file_value);
        TEST_RUN(test_reserve_size_and_percentage_replace_each_other);
        TEST_RUN(test_empty_assignment_resets_to_default);
        TEST_RUN(test_lists_accumulate_and_an_empty_assignment_clears);
        TEST_RUN(test_config_set_applies_one_assignment);
        TEST_RUN(test_json_shows_effective_values);
        TEST_RUN(test_json_sections_differ_exactly_when_settings_do);
        return test_exit();
}
