/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loading hwctl.conf and drop-ins from temporary sysroots: values, precedence, every problem. */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "audio.h"
#include "bt-settings.h"
#include "config.h"
#include "dt-fs-writer.h"
#include "network-settings.h"
#include "probe.h"
#include "rootfs-settings.h"
#include "test-util.h"
#include "util.h"

/* Each probe owns its section: the parsed values are its struct. */
extern const ProbeOps probe_rootfs, probe_gpio, probe_audio, probe_bluetooth, probe_network;
#define ROOTFS(c)    ((const RootfsSettings *)config_probe_settings(c, &probe_rootfs))
#define AUDIO(c)     ((const AudioSettings *)config_probe_settings(c, &probe_audio))
#define BLUETOOTH(c) ((const BluetoothSettings *)config_probe_settings(c, &probe_bluetooth))
#define NETWORK(c)   ((const NetworkSettings *)config_probe_settings(c, &probe_network))

#define MAIN  "etc/hwctl/hwctl.conf"
#define ETC_D "etc/hwctl/hwctl.conf.d/"
#define RUN_D "run/hwctl/hwctl.conf.d/"
#define LIB_D "usr/lib/hwctl/hwctl.conf.d/"

/* ---- Helpers ---- */

/* A temporary system root, removed with everything in it (tests/unit/dt-fs-writer.c). */
static char *sysroot_new(void)
{
        return dt_fs_sysroot_new("config");
}
#define _cleanup_sysroot_ _cleanup_(dt_fs_sysroot_freep)

static char *path_in(const char *root, const char *rel)
{
        char *p = strdup_printf("%s/%s", root, rel);
        if (!p)
                exit(EXIT_FAILURE);
        return p;
}

static void write_bytes(const char *root, const char *rel, const void *data, size_t size)
{
        _cleanup_free_ char *p = path_in(root, rel);
        _cleanup_close_ int fd = -EBADF;

        if (mkdir_parents(p, 0755) < 0)
                exit(EXIT_FAILURE);
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
                perror(p);
                exit(EXIT_FAILURE);
        }
}

static void write_text(const char *root, const char *rel, const char *text)
{
        write_bytes(root, rel, text, strlen(text));
}

static void make_symlink(const char *root, const char *rel, const char *target)
{
        _cleanup_free_ char *p = path_in(root, rel);
        if (mkdir_parents(p, 0755) < 0 || symlink(target, p) < 0) {
                perror(p);
                exit(EXIT_FAILURE);
        }
}

static void make_dir(const char *root, const char *rel)
{
        _cleanup_free_ char *p = path_in(root, rel);
        if (mkdir_parents(p, 0755) < 0 || mkdir(p, 0755) < 0) {
                perror(p);
                exit(EXIT_FAILURE);
        }
}

static Config *load(const char *root, const char *main_file)
{
        Config *c = NULL;
        int r = config_load(probe_table, root, main_file, &c);
        if (r < 0 || !c) {
                fprintf(stderr, "config_load() failed: %s\n", strerror(-r));
                exit(EXIT_FAILURE);
        }
        return c;
}

static void dump_problems(const Config *c)
{
        for (size_t i = 0; i < config_n_problems(c); i++) {
                _cleanup_free_ char *s = config_problem_to_string(config_problem(c, i));
                fprintf(stderr, "    problem: %s (%s)\n", strna(s),
                        config_severity_to_string((*config_problem(c, i)).severity));
        }
}

/* The only problem recorded, checked for file, line and severity; NULL (and a failure) if not. */
static const ConfigProblem *only_problem(const Config *c, const char *file, unsigned line,
                                         ConfigSeverity severity)
{
        if (config_n_problems(c) != 1) {
                TEST_FAIL("expected 1 problem at %s:%u, got %zu", file, line, config_n_problems(c));
                dump_problems(c);
                return NULL;
        }
        ASSERT_STR_EQ((*config_problem(c, 0)).file, file);
        ASSERT_INT_EQ((*config_problem(c, 0)).line, line);
        ASSERT_INT_EQ((*config_problem(c, 0)).severity, severity);
        return config_problem(c, 0);
}

static const ConfigProblem *find_problem(const Config *c, const char *file, unsigned line)
{
        for (size_t i = 0; i < config_n_problems(c); i++)
                if (streq((*config_problem(c, i)).file, file) && (*config_problem(c, i)).line == line)
                        return config_problem(c, i);
        return NULL;
}

static void assert_no_problems(const Config *c)
{
        if (config_n_problems(c) != 0) {
                TEST_FAIL("expected no problems, got %zu", config_n_problems(c));
                dump_problems(c);
        }
}

/* JSON text of one setting, e.g. field_json(c, "Audio", "Volume") -> "55". */
static char *field_json(const Config *c, const char *section, const char *key)
{
        json_object *o = config_section_to_json(c, section), *v = NULL;
        char *s = NULL;

        if (o && json_object_object_get_ex(o, key, &v))
                s = strdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
        else
                s = strdup("<missing>");
        json_object_put(o);
        return s;
}

/* Whether a section's effective values equal the defaults'. */
static bool section_is_default(const Config *c, const char *section)
{
        _cleanup_(config_unrefp) Config *d = NULL;
        json_object *a, *b;
        bool eq;

        if (config_new_default(probe_table, &d) < 0)
                exit(EXIT_FAILURE);
        a = config_section_to_json(c, section);
        b = config_section_to_json(d, section);
        eq = a && b && json_object_equal(a, b);
        json_object_put(a);
        json_object_put(b);
        return eq;
}

static bool config_is_default(const Config *c)
{
        static const char *const sections[] = {"Daemon", "RootFS",    "GPIO",
                                               "Audio",  "Bluetooth", "Network"};
        for (size_t i = 0; i < ELEMENTSOF(sections); i++)
                if (!section_is_default(c, sections[i]))
                        return false;
        return true;
}

/* ---- Defaults ---- */

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
        ASSERT_NULL(AUDIO(c)->card);
        ASSERT_INT_EQ(AUDIO(c)->volume_percent, 80);
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
        {"Audio", "Card", "Headphones", "Card", "\"Headphones\""},
        {"Audio", "Volume", "55", "Volume", "55"},
        {"Audio", "Volume", "55%", "Volume", "55"},
        {"Audio", "Volume", "0", "Volume", "0"},
        {"Audio", "Volume", "100%", "Volume", "100"},
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
                   "[Audio]\nEnable=no\nCard=vc4hdmi0\nVolume=40%\n"
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
        ASSERT_STR_EQ(AUDIO(c)->card, "vc4hdmi0");
        ASSERT_INT_EQ(AUDIO(c)->volume_percent, 40);
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

        ASSERT_INT_EQ(AUDIO(c)->volume_percent, 30);
        ASSERT_INT_EQ(strv_length(BLUETOOTH(c)->firmware_dirs), 1);
        ASSERT_STR_EQ(BLUETOOTH(c)->firmware_dirs ? BLUETOOTH(c)->firmware_dirs[0] : NULL, "/opt/fw");
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
                   "[Audio]\nEnable=no\nCard=x\nVolume=10\n"
                   "[Bluetooth]\nEnable=no\nAttach=kernel\nBaud=921600\nFirmwareDirs=/fw\n"
                   "KernelTimeoutSec=1s\n"
                   "[Network]\nEnable=no\nUplinks=eth0\nPrefer=wlan0\nIPv4TimeoutSec=1s\n");
        write_text(root, ETC_D "reset.conf",
                   "[Daemon]\nProbes=\nProbeTimeoutSec=\n"
                   "[RootFS]\nEnable=\nMount=\nReserve=\n"
                   "[GPIO]\nEnable=\n"
                   "[Audio]\nEnable=\nCard=\nVolume=   \n"
                   "[Bluetooth]\nEnable=\nAttach=\nBaud=\nFirmwareDirs=\nKernelTimeoutSec=\n"
                   "[Network]\nEnable=\nUplinks=\nPrefer=\nIPv4TimeoutSec=\n");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        assert_no_problems(c);
        ASSERT_INT_EQ(strv_length(config_files(c)), 2);
        ASSERT_TRUE(config_is_default(c));
        ASSERT_NULL(config_daemon_probes(c));
        ASSERT_NULL(AUDIO(c)->card);
        ASSERT_NULL(NETWORK(c)->uplinks);
        ASSERT_INT_EQ(BLUETOOTH(c)->baud, 0);

        /* Within one file too, and a later assignment then sets it again. */
        write_text(root, MAIN, "[Audio]\nVolume=10\nVolume=\n[Network]\nPrefer=\nPrefer=eth1\n");
        _cleanup_free_ char *reset = path_in(root, ETC_D "reset.conf");
        ASSERT_INT_EQ(unlink(reset), 0);
        _cleanup_(config_unrefp) Config *d = load(root, NULL);
        ASSERT_INT_EQ(AUDIO(d)->volume_percent, 80);
        _cleanup_free_ char *prefer = strv_join(NETWORK(d)->prefer, " ");
        ASSERT_STR_EQ(prefer, "eth1");
}

static void test_config_set_applies_one_assignment(void)
{
        _cleanup_(config_unrefp) Config *c = NULL;
        char *reason = NULL;

        ASSERT_INT_EQ(config_new_default(probe_table, &c), 0);
        if (!c)
                return;
        ASSERT_INT_EQ(config_set(c, "Audio", "Volume", "25%", &reason), 0);
        ASSERT_INT_EQ(AUDIO(c)->volume_percent, 25);
        ASSERT_NULL(reason);

        ASSERT_INT_EQ(config_set(c, "Audio", "Volume", "250", &reason), -EINVAL);
        ASSERT_INT_EQ(AUDIO(c)->volume_percent, 25);
        ASSERT_STR_CONTAINS(reason, "expected a volume 0..100");
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
        ASSERT_INT_EQ(AUDIO(c)->volume_percent, 80);
}

/* ---- Unknown keys and sections ---- */

static void test_unknown_keys_and_sections_warn_with_line(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *file = path_in(root, MAIN);
        write_text(root, MAIN,
                   "Early=1\n"        /* 1: outside any section */
                   "[Audio]\n"        /* 2 */
                   "Volume=40\n"      /* 3 */
                   "Loudness=11\n"    /* 4: unknown key */
                   "volume=50\n"      /* 5: keys are case-sensitive, as in systemd */
                   "\n"               /* 6 */
                   "[Bar]\n"          /* 7: unknown section */
                   "Foo=1\n"          /* 8 */
                   "[Network]\n"      /* 9 */
                   "Uplinks=eth0\n"); /* 10: still applied */
        _cleanup_(config_unrefp) Config *c = load(root, NULL);
        const ConfigProblem *p;

        ASSERT_INT_EQ(config_n_problems(c), 4);
        for (size_t i = 0; i < config_n_problems(c); i++)
                ASSERT_INT_EQ((*config_problem(c, i)).severity, CONFIG_WARNING);
        ASSERT_FALSE(config_has_errors(c));

        p = find_problem(c, file, 4);
        ASSERT_NOT_NULL(p);
        if (p) {
                _cleanup_free_ char *s = config_problem_to_string(p);
                _cleanup_free_ char *want = strdup_printf(
                        "%s:4: Unknown key 'Loudness' in section [Audio], ignoring", file);
                ASSERT_STR_EQ(s, want);
        }
        p = find_problem(c, file, 5);
        ASSERT_TRUE(p && strstr(p->message, "'volume'"));
        p = find_problem(c, file, 8);
        ASSERT_TRUE(p && streq(p->message, "Unknown key 'Foo' in section [Bar], ignoring"));
        p = find_problem(c, file, 1);
        ASSERT_TRUE(p && strstr(p->message, "outside of any section"));

        ASSERT_INT_EQ(AUDIO(c)->volume_percent, 40);
        ASSERT_STR_EQ(NETWORK(c)->uplinks ? NETWORK(c)->uplinks[0] : NULL, "eth0");
}

/* ---- Files and drop-ins ---- */

static void test_later_directory_masks_same_name(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        write_text(root, LIB_D "50-volume.conf", "[Audio]\nVolume=10\nCard=lib\n");
        write_text(root, RUN_D "50-volume.conf", "[Audio]\nVolume=20\n");
        write_text(root, ETC_D "50-volume.conf", "[Audio]\nVolume=30\n");
        write_text(root, LIB_D "60-card.conf", "[Audio]\nCard=usr-lib\n");
        write_text(root, RUN_D "60-card.conf", "[Audio]\nCard=run\n");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);
        _cleanup_free_ char *etc = path_in(root, ETC_D "50-volume.conf");
        _cleanup_free_ char *run = path_in(root, RUN_D "60-card.conf");

        assert_no_problems(c);
        ASSERT_INT_EQ(AUDIO(c)->volume_percent, 30);
        ASSERT_STR_EQ(AUDIO(c)->card, "run");
        /* The masked files were not even read. */
        ASSERT_INT_EQ(strv_length(config_files(c)), 2);
        ASSERT_STR_EQ(config_files(c) ? config_files(c)[0] : NULL, etc);
        ASSERT_STR_EQ(config_files(c) && config_files(c)[0] ? config_files(c)[1] : NULL, run);
}

static void test_dropins_apply_in_lexical_order_across_directories(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        /* Lexical, not numeric: "10" < "20" < "9"; and the directory does not matter. */
        write_text(root, ETC_D "10-a.conf", "[Audio]\nVolume=10\nCard=a\n");
        write_text(root, LIB_D "20-b.conf", "[Audio]\nVolume=20\n");
        write_text(root, RUN_D "9-c.conf", "[Audio]\nVolume=9\n");
        write_text(root, MAIN, "[Audio]\nVolume=1\nCard=main\n");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        assert_no_problems(c);
        ASSERT_INT_EQ(AUDIO(c)->volume_percent, 9);
        ASSERT_STR_EQ(AUDIO(c)->card, "a"); /* the drop-in overrides the main file */
        ASSERT_INT_EQ(strv_length(config_files(c)), 4);
        if (strv_length(config_files(c)) == 4) {
                ASSERT_TRUE(strstr(config_files(c)[0], "/etc/hwctl/hwctl.conf") &&
                            !strstr(config_files(c)[0], ".d/"));
                ASSERT_STR_CONTAINS(config_files(c)[1], ETC_D "10-a.conf");
                ASSERT_STR_CONTAINS(config_files(c)[2], LIB_D "20-b.conf");
                ASSERT_STR_CONTAINS(config_files(c)[3], RUN_D "9-c.conf");
        }
}

static void test_dev_null_symlink_masks(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        write_text(root, LIB_D "50-vendor.conf", "[Bluetooth]\nBaud=115200\n");
        write_text(root, RUN_D "50-vendor.conf", "[Bluetooth]\nBaud=230400\n");
        make_symlink(root, ETC_D "50-vendor.conf", "/dev/null");
        write_text(root, LIB_D "60-other.conf", "[Bluetooth]\nAttach=kernel\n");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        assert_no_problems(c);
        ASSERT_INT_EQ(BLUETOOTH(c)->baud, 0);
        ASSERT_INT_EQ(BLUETOOTH(c)->attach, BLUETOOTH_ATTACH_KERNEL);
        ASSERT_INT_EQ(strv_length(config_files(c)), 1);

        /* A masked main file is simply absent. */
        make_symlink(root, MAIN, "/dev/null");
        _cleanup_(config_unrefp) Config *d = load(root, NULL);
        assert_no_problems(d);
        ASSERT_INT_EQ(strv_length(config_files(d)), 1);
}

static void test_dev_null_reached_otherwise_masks(void)
{
        /* A relative link, and the device node itself: what is masked is /dev/null, not a name. */
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *node = path_in(root, RUN_D "60-node.conf");
        write_text(root, LIB_D "50-vendor.conf", "[Bluetooth]\nBaud=115200\n");
        make_symlink(root, ETC_D "50-vendor.conf", "../../../../../../../../../../../../dev/null");
        write_text(root, LIB_D "60-node.conf", "[Audio]\nVolume=5\n");
        if (mknod(node, S_IFCHR | 0666, makedev(1, 3)) < 0) {
                fprintf(stderr, "    (no mknod: %m; only the relative link is checked)\n");
                write_text(root, RUN_D "60-node.conf", "[Audio]\nVolume=80\n");
        }
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        assert_no_problems(c);
        ASSERT_INT_EQ(BLUETOOTH(c)->baud, 0);
        ASSERT_INT_EQ(AUDIO(c)->volume_percent, 80);
}

static void test_only_dot_conf_files_are_read(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        write_text(root, ETC_D "50-x.conf.bak", "[Audio]\nVolume=1\n");
        write_text(root, ETC_D "50-x.conf~", "[Audio]\nVolume=2\n");
        write_text(root, ETC_D ".50-x.conf", "[Audio]\nVolume=3\n");
        write_text(root, ETC_D "50-x.CONF", "[Audio]\nVolume=4\n");
        write_text(root, ETC_D "README", "not a config file\n");
        write_text(root, ETC_D "conf", "[Audio]\nVolume=5\n");
        write_text(root, ETC_D "50-y.conf", "[Audio]\nVolume=6\n");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        assert_no_problems(c);
        ASSERT_INT_EQ(AUDIO(c)->volume_percent, 6);
        ASSERT_INT_EQ(strv_length(config_files(c)), 1);
}

static void test_directory_named_conf_is_reported_and_does_not_mask(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *dir = path_in(root, ETC_D "50-x.conf");
        make_dir(root, ETC_D "50-x.conf");
        write_text(root, ETC_D "50-x.conf/inner.conf", "[Audio]\nVolume=1\n");
        write_text(root, LIB_D "50-x.conf", "[Audio]\nVolume=70\n");
        write_text(root, LIB_D "60-y.conf", "[Audio]\nCard=y\n");
        /* A broken entry that a later directory replaces is not worth a word. */
        make_dir(root, LIB_D "70-z.conf");
        write_text(root, ETC_D "70-z.conf", "[GPIO]\nEnable=no\n");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);
        const ConfigProblem *p = only_problem(c, dir, 0, CONFIG_ERROR);

        ASSERT_TRUE(p && strstr(p->message, "directory"));
        ASSERT_INT_EQ(AUDIO(c)->volume_percent, 70);
        ASSERT_STR_EQ(AUDIO(c)->card, "y");
        ASSERT_FALSE(config_probe_enabled(c, &probe_gpio));
        ASSERT_INT_EQ(strv_length(config_files(c)), 3);

        /* The main file as a directory. */
        _cleanup_sysroot_ char *root2 = sysroot_new();
        _cleanup_free_ char *main_dir = path_in(root2, MAIN);
        make_dir(root2, MAIN);
        _cleanup_(config_unrefp) Config *d = load(root2, NULL);
        ASSERT_NOT_NULL(only_problem(d, main_dir, 0, CONFIG_ERROR));
        ASSERT_TRUE(config_is_default(d));
}

static void test_fifo_and_dangling_link_do_not_block(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *fifo = path_in(root, ETC_D "10-fifo.conf");
        _cleanup_free_ char *dangling = path_in(root, ETC_D "20-dangling.conf");

        write_text(root, ETC_D "30-ok.conf", "[GPIO]\nEnable=no\n");
        if (mkfifo(fifo, 0644) < 0) {
                TEST_FAIL("mkfifo: %m");
                return;
        }
        make_symlink(root, ETC_D "20-dangling.conf", "/nonexistent/hwctl-test.conf");
        _cleanup_(config_unrefp) Config *c = load(root, NULL); /* would hang if it opened the FIFO */

        ASSERT_INT_EQ(config_n_problems(c), 2);
        const ConfigProblem *p = find_problem(c, fifo, 0), *q = find_problem(c, dangling, 0);
        ASSERT_TRUE(p && p->severity == CONFIG_ERROR && strstr(p->message, "regular file"));
        ASSERT_TRUE(q && q->severity == CONFIG_ERROR);
        ASSERT_FALSE(config_probe_enabled(c, &probe_gpio));
}

static void test_explicit_main_file_replaces_sysroot_main(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_sysroot_ char *elsewhere = sysroot_new();
        _cleanup_free_ char *explicit_path = path_in(elsewhere, "my.conf");

        write_text(root, MAIN, "[Audio]\nVolume=11\nCard=sysroot\n");
        write_text(elsewhere, "my.conf", "[Audio]\nVolume=22\n[GPIO]\nEnable=no\n");
        write_text(root, ETC_D "50-x.conf", "[GPIO]\nEnable=yes\n");
        _cleanup_(config_unrefp) Config *c = load(root, explicit_path);

        assert_no_problems(c);
        ASSERT_INT_EQ(AUDIO(c)->volume_percent, 22);
        ASSERT_NULL(AUDIO(c)->card);   /* the sysroot's hwctl.conf was not read */
        ASSERT_TRUE(config_probe_enabled(c, &probe_gpio)); /* drop-ins still apply, after the main file */
        ASSERT_INT_EQ(strv_length(config_files(c)), 2);
        ASSERT_STR_EQ(config_files(c) ? config_files(c)[0] : NULL, explicit_path);
}

static void test_missing_explicit_main_file_is_an_error(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *missing = path_in(root, "nope.conf");
        write_text(root, MAIN, "[Audio]\nVolume=11\n");
        write_text(root, ETC_D "50-x.conf", "[GPIO]\nEnable=no\n");
        _cleanup_(config_unrefp) Config *c = load(root, missing);

        ASSERT_NOT_NULL(only_problem(c, missing, 0, CONFIG_ERROR));
        ASSERT_TRUE(config_has_errors(c));
        ASSERT_INT_EQ(AUDIO(c)->volume_percent, 80);
        ASSERT_FALSE(config_probe_enabled(c, &probe_gpio));

        /* The implicit one missing is fine. */
        _cleanup_free_ char *main_file = path_in(root, MAIN);
        ASSERT_INT_EQ(unlink(main_file), 0);
        _cleanup_(config_unrefp) Config *d = load(root, NULL);
        assert_no_problems(d);
}

/* ---- Broken input ---- */

static void test_syntax_errors_are_reported_per_line_and_parsing_continues(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *file = path_in(root, MAIN);
        write_text(root, MAIN,
                   "[Audio]\n"          /* 1 */
                   "Volume 40\n"        /* 2: no '=' */
                   "Card:hdmi\n"        /* 3: ':' is not an assignment here */
                   "=5\n"               /* 4: no key */
                   "Vol ume=5\n"        /* 5: bad key name */
                   "Volume=41\n"        /* 6: applied */
                   "[Network\n"         /* 7: unterminated */
                   "Uplinks=eth9\n"     /* 8: skipped, its section is broken */
                   "[GPIO] Enable=no\n" /* 9: junk after header */
                   "Enable=no\n"        /* 10: skipped */
                   "[]\n"               /* 11: empty section name */
                   "[Bluetooth] ; ok\n" /* 12: a comment after a header is fine */
                   "Baud=921600\n");    /* 13 */
        _cleanup_(config_unrefp) Config *c = load(root, NULL);
        static const unsigned bad_lines[] = {2, 3, 4, 5, 7, 9, 11};

        ASSERT_INT_EQ(config_n_problems(c), ELEMENTSOF(bad_lines));
        for (size_t i = 0; i < ELEMENTSOF(bad_lines); i++) {
                const ConfigProblem *p = find_problem(c, file, bad_lines[i]);
                if (!p || p->severity != CONFIG_ERROR)
                        TEST_FAIL("no error for line %u", bad_lines[i]);
        }
        const ConfigProblem *p = find_problem(c, file, 2);
        ASSERT_TRUE(p && strstr(p->message, "Missing '='") && strstr(p->message, "Volume 40"));
        p = find_problem(c, file, 7);
        ASSERT_TRUE(p && strstr(p->message, "section header") && strstr(p->message, "[Network"));
        ASSERT_INT_EQ(AUDIO(c)->volume_percent, 41);
        ASSERT_NULL(AUDIO(c)->card);
        ASSERT_NULL(NETWORK(c)->uplinks);
        ASSERT_TRUE(config_probe_enabled(c, &probe_gpio));
        ASSERT_INT_EQ(BLUETOOTH(c)->baud, 921600);
}

static void test_whitespace_comments_crlf_and_bom(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        write_text(root, MAIN,
                   "\xef\xbb\xbf# a BOM, then a comment\r\n"
                   "; another comment\r\n"
                   "  [Audio]  \r\n"
                   "\tVolume = 33 ; an inline comment\r\n"
                   "    Card = Headphones\r\n" /* indented: not a continuation of Volume */
                   "   # indented comment\r\n"
                   "[Network]\r\n"
                   "Prefer = eth1   wired\t wlan0\r\n"
                   "Uplinks=eth0"); /* no final newline */
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        assert_no_problems(c);
        ASSERT_INT_EQ(AUDIO(c)->volume_percent, 33);
        ASSERT_STR_EQ(AUDIO(c)->card, "Headphones");
        _cleanup_free_ char *prefer = strv_join(NETWORK(c)->prefer, ",");
        ASSERT_STR_EQ(prefer, "eth1,wired,wlan0");
        ASSERT_STR_EQ(NETWORK(c)->uplinks ? NETWORK(c)->uplinks[0] : NULL, "eth0");
}

static void test_nul_bytes_reject_their_line(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *file = path_in(root, MAIN);
        static const char data[] = "[Audio]\nCard=hd\0mi\nVolume=12\n[Net\0work]\nUplinks=eth0\n"
                                   "[GPIO]\nEnable=no\n";
        write_bytes(root, MAIN, data, sizeof(data) - 1);
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        ASSERT_INT_EQ(config_n_problems(c), 2);
        const ConfigProblem *p = find_problem(c, file, 2);
        ASSERT_TRUE(p && p->severity == CONFIG_ERROR && strstr(p->message, "NUL"));
        ASSERT_NOT_NULL(find_problem(c, file, 4));
        ASSERT_NULL(AUDIO(c)->card); /* not "hd" */
        ASSERT_INT_EQ(AUDIO(c)->volume_percent, 12);
        ASSERT_NULL(NETWORK(c)->uplinks); /* its header was rejected */
        ASSERT_FALSE(config_probe_enabled(c, &probe_gpio));
}

static void test_long_lines_are_rejected_never_truncated(void)
{
        /* Whatever inih's buffer size, a value is taken whole or reported, never cut. */
        for (size_t n = 150; n <= 420; n++) {
                _cleanup_sysroot_ char *root = sysroot_new();
                _cleanup_free_ char *file = path_in(root, MAIN);
                _cleanup_free_ char *card = malloc(n + 1);
                memset(card, 'c', n);
                card[n] = 0;
                _cleanup_free_ char *text =
                        strdup_printf("[Audio]\nCard=%s\nVolume=7\nBogus=1\n", card);
                write_text(root, MAIN, text);
                _cleanup_(config_unrefp) Config *c = load(root, NULL);

                /* Line counting is not thrown off: the next lines keep their numbers. */
                const ConfigProblem *bogus = find_problem(c, file, 4);
                if (!bogus || bogus->severity != CONFIG_WARNING)
                        TEST_FAIL("n=%zu: no warning for line 4", n);
                if (AUDIO(c)->volume_percent != 7)
                        TEST_FAIL("n=%zu: Volume= on line 3 lost", n);
                if (AUDIO(c)->card) {
                        if (!streq(AUDIO(c)->card, card))
                                TEST_FAIL("n=%zu: Card= truncated to %zu bytes", n,
                                          strlen(AUDIO(c)->card));
                        if (config_n_problems(c) != 1)
                                TEST_FAIL("n=%zu: accepted but %zu problems", n, config_n_problems(c));
                } else {
                        const ConfigProblem *p = find_problem(c, file, 2);
                        if (!p || p->severity != CONFIG_ERROR || !strstr(p->message, "too long"))
                                TEST_FAIL("n=%zu: Card= dropped without a 'too long' error", n);
                }
        }

        /* With Debian's inih (200-byte lines) a 5000-byte line is reported. */
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *file = path_in(root, MAIN);
        _cleanup_free_ char *big = malloc(5001);
        memset(big, 'a', 5000);
        big[5000] = 0;
        big[0] = '/';
        _cleanup_free_ char *text = strdup_printf("[RootFS]\nMount=%s\nEnable=no\n", big);
        write_text(root, MAIN, text);
        _cleanup_(config_unrefp) Config *c = load(root, NULL);
        const ConfigProblem *p = only_problem(c, file, 2, CONFIG_ERROR);
        ASSERT_TRUE(p && strstr(p->message, "too long"));
        ASSERT_STR_EQ(ROOTFS(c)->mount, "/");
        ASSERT_FALSE(config_probe_enabled(c, &probe_rootfs));
}

static void test_invalid_utf8_and_control_characters(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *file = path_in(root, MAIN);
        write_text(root, MAIN,
                   "[Audio]\n"
                   "Card=caf\xe9\n"       /* 2: Latin-1, not UTF-8 */
                   "Card=\xc0\xaf\n"      /* 3: overlong '/' */
                   "Card=\xed\xa0\x80\n"  /* 4: a surrogate */
                   "Card=a\x1b[31mred\n"  /* 5: escape sequence */
                   "Card=caf\xc3\xa9\n"); /* 6: valid UTF-8 */
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        ASSERT_INT_EQ(config_n_problems(c), 4);
        for (unsigned line = 2; line <= 5; line++) {
                const ConfigProblem *p = find_problem(c, file, line);
                if (!p || p->severity != CONFIG_ERROR)
                        TEST_FAIL("no error for line %u", line);
        }
        ASSERT_STR_CONTAINS(find_problem(c, file, 2) ? find_problem(c, file, 2)->message : NULL,
                            "UTF-8");
        ASSERT_STR_CONTAINS(find_problem(c, file, 5) ? find_problem(c, file, 5)->message : NULL,
                            "control");
        ASSERT_STR_EQ(AUDIO(c)->card, "caf\xc3\xa9");
}

static void test_binary_garbage_is_bounded(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *file = path_in(root, ETC_D "10-garbage.conf");
        unsigned char data[64 * 1024];
        uint32_t x = 12345;

        for (size_t i = 0; i < sizeof(data); i++) {
                x = x * 1103515245 + 12345;
                data[i] = (unsigned char)(x >> 16);
        }
        write_bytes(root, ETC_D "10-garbage.conf", data, sizeof(data));
        write_text(root, ETC_D "20-good.conf", "[Audio]\nVolume=64\n");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        ASSERT_INT_EQ(AUDIO(c)->volume_percent, 64);
        ASSERT_INT_EQ(strv_length(config_files(c)), 2);
        ASSERT_TRUE(config_n_problems(c) > 0);
        ASSERT_TRUE(config_n_problems(c) <= CONFIG_FILE_PROBLEMS_MAX + 1);
        ASSERT_TRUE(config_has_errors(c));
        for (size_t i = 0; i < config_n_problems(c); i++)
                if (!streq((*config_problem(c, i)).file, file))
                        TEST_FAIL("problem about %s", (*config_problem(c, i)).file);
}

static void test_problem_flood_is_summarised(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *file = path_in(root, MAIN);
        size_t size = 200 * strlen("garbage\n") + strlen("[Audio]\nVolume=5\n");
        _cleanup_free_ char *text = malloc(size + 1);
        char *end = text;
        for (int i = 0; i < 200; i++)
                end = stpcpy(end, "garbage\n");
        strcpy(end, "[Audio]\nVolume=5\n");
        write_text(root, MAIN, text);
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        ASSERT_INT_EQ(config_n_problems(c), CONFIG_FILE_PROBLEMS_MAX + 1);
        if (config_n_problems(c) == CONFIG_FILE_PROBLEMS_MAX + 1) {
                const ConfigProblem *last = config_problem(c, CONFIG_FILE_PROBLEMS_MAX);
                _cleanup_free_ char *want =
                        strdup_printf("%u more problems", 200 - CONFIG_FILE_PROBLEMS_MAX);
                ASSERT_STR_EQ(last->file, file);
                ASSERT_INT_EQ(last->line, 0);
                ASSERT_INT_EQ(last->severity, CONFIG_ERROR);
                ASSERT_STR_CONTAINS(last->message, want);
                ASSERT_INT_EQ((*config_problem(c, CONFIG_FILE_PROBLEMS_MAX - 1)).line,
                              CONFIG_FILE_PROBLEMS_MAX);
        }
        ASSERT_INT_EQ(AUDIO(c)->volume_percent, 5); /* parsing went on to the end */
}

static void test_huge_file_is_refused_whole(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *file = path_in(root, ETC_D "10-huge.conf");
        size_t size = CONFIG_FILE_SIZE_MAX + 1;
        _cleanup_free_ char *data = malloc(size);
        const char head[] = "[Audio]\nVolume=1\n";

        memset(data, '#', size);
        memcpy(data, head, strlen(head));
        data[size - 1] = '\n';
        write_bytes(root, ETC_D "10-huge.conf", data, size);
        write_text(root, ETC_D "20-ok.conf", "[GPIO]\nEnable=no\n");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        const ConfigProblem *p = only_problem(c, file, 0, CONFIG_ERROR);
        ASSERT_TRUE(p && strstr(p->message, "larger than"));
        ASSERT_INT_EQ(AUDIO(c)->volume_percent, 80);
        ASSERT_FALSE(config_probe_enabled(c, &probe_gpio));
        ASSERT_INT_EQ(strv_length(config_files(c)), 1);

        /* Exactly at the limit is read. */
        write_bytes(root, ETC_D "10-huge.conf", data, size - 1);
        _cleanup_(config_unrefp) Config *d = load(root, NULL);
        assert_no_problems(d);
        ASSERT_INT_EQ(AUDIO(d)->volume_percent, 1);
}

static void test_file_growing_past_its_size_is_refused(void)
{
        /* A procfs file says 0 bytes and holds megabytes: the cap holds while reading too. */
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *file = path_in(root, ETC_D "10-proc.conf");
        _cleanup_free_ char *probe = NULL;
        struct stat st;
        size_t size = 0;

        if (stat("/proc/kallsyms", &st) < 0 || st.st_size != 0 ||
            read_full_file("/proc/kallsyms", 64 * 1024 * 1024, &probe, &size) < 0 ||
            size <= CONFIG_FILE_SIZE_MAX) {
                fprintf(stderr, "    (no /proc/kallsyms over %zu bytes: not checked)\n",
                        CONFIG_FILE_SIZE_MAX);
                return;
        }
        make_symlink(root, ETC_D "10-proc.conf", "/proc/kallsyms");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);
        const ConfigProblem *p = only_problem(c, file, 0, CONFIG_ERROR);
        ASSERT_TRUE(p && strstr(p->message, "larger than"));
        ASSERT_NULL(config_files(c));
}

static void test_dropin_directory_that_is_a_file(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *not_dir = path_in(root, "run/hwctl/hwctl.conf.d");
        write_text(root, "run/hwctl/hwctl.conf.d", "[Audio]\nVolume=1\n");
        write_text(root, ETC_D "50-x.conf", "[Audio]\nVolume=2\n");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        ASSERT_NOT_NULL(only_problem(c, not_dir, 0, CONFIG_ERROR));
        ASSERT_INT_EQ(AUDIO(c)->volume_percent, 2);
}

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
                   "[RootFS]\nReserve=1.5G\n[Audio]\nCard=Headphones\n");
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
                            "{\"Enable\":true,\"Card\":\"Headphones\",\"Volume\":80}");
        assert_section_json(all, "GPIO", "{\"Enable\":true}");
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

        /* Card unset is null, not a string. */
        ASSERT_TRUE(json_object_object_get_ex(audio_d, "Card", &card));
        ASSERT_NULL(card);

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
        TEST_RUN(test_config_set_applies_one_assignment);
        TEST_RUN(test_unknown_keys_and_sections_warn_with_line);
        TEST_RUN(test_later_directory_masks_same_name);
        TEST_RUN(test_dropins_apply_in_lexical_order_across_directories);
        TEST_RUN(test_dev_null_symlink_masks);
        TEST_RUN(test_dev_null_reached_otherwise_masks);
        TEST_RUN(test_only_dot_conf_files_are_read);
        TEST_RUN(test_directory_named_conf_is_reported_and_does_not_mask);
        TEST_RUN(test_fifo_and_dangling_link_do_not_block);
        TEST_RUN(test_explicit_main_file_replaces_sysroot_main);
        TEST_RUN(test_missing_explicit_main_file_is_an_error);
        TEST_RUN(test_syntax_errors_are_reported_per_line_and_parsing_continues);
        TEST_RUN(test_whitespace_comments_crlf_and_bom);
        TEST_RUN(test_nul_bytes_reject_their_line);
        TEST_RUN(test_long_lines_are_rejected_never_truncated);
        TEST_RUN(test_invalid_utf8_and_control_characters);
        TEST_RUN(test_binary_garbage_is_bounded);
        TEST_RUN(test_problem_flood_is_summarised);
        TEST_RUN(test_huge_file_is_refused_whole);
        TEST_RUN(test_file_growing_past_its_size_is_refused);
        TEST_RUN(test_dropin_directory_that_is_a_file);
        TEST_RUN(test_json_shows_effective_values);
        TEST_RUN(test_json_sections_differ_exactly_when_settings_do);
        return test_exit();
}
