/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The value syntax of hwctl.conf: booleans, time spans, sizes, interface names, enum names. */
#include <inttypes.h>

#include "bt-settings.h"
#include "config.h"
#include "test-util.h"
#include "util.h"

static void test_boolean_forms(void)
{
        static const char *const yes[] = {"1",  "yes", "y",    "true", "t",
                                          "on", "YES", "True", "On",   "Y"};
        static const char *const no[] = {"0", "no", "n", "false", "f", "off", "NO", "False", "oFF"};
        static const char *const bad[] = {"", "2", "yess", "ye", "enable", "true ", "-1", "onn"};

        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (config_parse_boolean(yes[i]) != 1)
                        TEST_FAIL("'%s' should be true", yes[i]);
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (config_parse_boolean(no[i]) != 0)
                        TEST_FAIL("'%s' should be false", no[i]);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (config_parse_boolean(bad[i]) != -EINVAL)
                        TEST_FAIL("'%s' should be rejected", bad[i]);
}

static void test_timespan_forms(void)
{
        static const struct {
                const char *text;
                uint64_t usec;
        } good[] = {
                {"15", 15 * USEC_PER_SEC},
                {"15s", 15 * USEC_PER_SEC},
                {"15 s", 15 * USEC_PER_SEC},
                {"15sec", 15 * USEC_PER_SEC},
                {"15seconds", 15 * USEC_PER_SEC},
                {"500ms", 500 * USEC_PER_MSEC},
                {"500msec", 500 * USEC_PER_MSEC},
                {"2min", 120 * USEC_PER_SEC},
                {"2m", 120 * USEC_PER_SEC},
                {"1min 30s", 90 * USEC_PER_SEC},
                {"1min30s", 90 * USEC_PER_SEC},
                {"  1h 1min 1s  ", 3661 * USEC_PER_SEC},
                {"1.5s", 1500 * USEC_PER_MSEC},
                {"0.25h", 900 * USEC_PER_SEC},
                {"1d", 86400 * USEC_PER_SEC},
                {"1w", 7 * 86400 * USEC_PER_SEC},
                {"250us", 250},
                {"250\xc2\xb5s", 250},
                {"0", 0},
                {"0s", 0},
                {"1min 30", 90 * USEC_PER_SEC}, /* a trailing bare number is seconds */
        };
        static const char *const bad[] = {
                "",
                " ",
                "s",
                "-5s",
                "5x",
                "5 parsecs",
                "1.s",
                ".5s",
                "5s.",
                "1min,30s",
                "5S",
                "1e3",
                "infinity",
                "0x10",
                "15s\xff",
                "99999999999999999999",
                "30000000000000w",
        };
        uint64_t v;

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                v = UINT64_MAX;
                if (config_parse_timespan(good[i].text, &v) < 0)
                        TEST_FAIL("'%s' rejected", good[i].text);
                else if (v != good[i].usec)
                        TEST_FAIL("'%s' -> %" PRIu64 ", expected %" PRIu64, good[i].text, v,
                                  good[i].usec);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                v = 4242;
                if (config_parse_timespan(bad[i], &v) >= 0)
                        TEST_FAIL("'%s' accepted as %" PRIu64, bad[i], v);
                else if (v != 4242)
                        TEST_FAIL("'%s' wrote its output although rejected", bad[i]);
        }
        ASSERT_INT_EQ(config_parse_timespan("99999999999999999999", &v), -ERANGE);
        ASSERT_INT_EQ(config_parse_timespan("5 parsecs", &v), -EINVAL);
}

static void test_size_forms(void)
{
        static const struct {
                const char *text;
                uint64_t bytes;
        } good[] = {
                {"4096", 4096},
                {"4096B", 4096},
                {"4096 B", 4096},
                {"1K", 1024},
                {"1KiB", 1024},
                {"512M", UINT64_C(512) << 20},
                {"512MiB", UINT64_C(512) << 20},
                {"1G", UINT64_C(1) << 30},
                {"1.5G", UINT64_C(3) << 29},
                {"1.5GiB", UINT64_C(3) << 29},
                {"2T", UINT64_C(2) << 40},
                {"0", 0},
                {"0.5K", 512},
        };
        static const char *const bad[] = {
                "",      "G",  "-1G", "1.5", "1.5B", "1GB", "1g",        "1Gi",
                "1 G B", "1P", "1iB", "1.G", "abc",  "1e9", "20000000T", "99999999999999999999",
        };
        uint64_t v;

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                v = UINT64_MAX;
                if (config_parse_size(good[i].text, &v) < 0)
                        TEST_FAIL("'%s' rejected", good[i].text);
                else if (v != good[i].bytes)
                        TEST_FAIL("'%s' -> %" PRIu64 ", expected %" PRIu64, good[i].text, v,
                                  good[i].bytes);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                v = 4242;
                if (config_parse_size(bad[i], &v) >= 0)
                        TEST_FAIL("'%s' accepted as %" PRIu64, bad[i], v);
                else if (v != 4242)
                        TEST_FAIL("'%s' wrote its output although rejected", bad[i]);
        }
        ASSERT_INT_EQ(config_parse_size("20000000T", &v), -ERANGE);
}

static void test_format_reads_back(void)
{
        static const uint64_t spans[] = {
                0,
                1,
                999,
                1000,
                1500 * USEC_PER_MSEC,
                15 * USEC_PER_SEC,
                90 * USEC_PER_SEC,
                3661 * USEC_PER_SEC + 7,
                86400 * USEC_PER_SEC * 400 + 1,
        };
        static const uint64_t sizes[] = {
                0,
                1,
                4095,
                4096,
                1536,
                UINT64_C(512) << 20,
                UINT64_C(3) << 29,
                (UINT64_C(1) << 40) * 3,
                (UINT64_C(1) << 30) + 1,
        };
        for (size_t i = 0; i < ELEMENTSOF(spans); i++) {
                _cleanup_free_ char *s = config_format_timespan(spans[i]);
                uint64_t v = 0;
                ASSERT_NOT_NULL(s);
                if (!s || config_parse_timespan(s, &v) < 0 || v != spans[i])
                        TEST_FAIL("%" PRIu64 " -> '%s' -> %" PRIu64, spans[i], strna(s), v);
        }
        for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
                _cleanup_free_ char *s = config_format_size(sizes[i]);
                uint64_t v = 0;
                ASSERT_NOT_NULL(s);
                if (!s || config_parse_size(s, &v) < 0 || v != sizes[i])
                        TEST_FAIL("%" PRIu64 " -> '%s' -> %" PRIu64, sizes[i], strna(s), v);
        }

        /* And the forms a person reads are the short ones. */
        _cleanup_free_ char *a = config_format_timespan(90 * USEC_PER_SEC);
        _cleanup_free_ char *b = config_format_timespan(15 * USEC_PER_SEC);
        _cleanup_free_ char *c = config_format_timespan(0);
        _cleanup_free_ char *d = config_format_size(UINT64_C(512) << 20);
        _cleanup_free_ char *e = config_format_size(UINT64_C(3) << 29);
        _cleanup_free_ char *f = config_format_size(4097);
        ASSERT_STR_EQ(a, "1min 30s");
        ASSERT_STR_EQ(b, "15s");
        ASSERT_STR_EQ(c, "0");
        ASSERT_STR_EQ(d, "512M");
        ASSERT_STR_EQ(e, "1536M");
        ASSERT_STR_EQ(f, "4097");
}

static void test_ifname_rules(void)
{
        static const char *const good[] = {"eth0",      "wlan0",      "e",
                                           "enp0s31f6", "br-lan.100", "a23456789012345" /* 15 */};
        static const char *const bad[] = {"",      ".",     "..",    "a234567890123456" /* 16 */,
                                          "eth/0", "eth 0", "eth:0", "eth\t0",
                                          "eth\n"};

        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                if (!config_ifname_is_valid(good[i]))
                        TEST_FAIL("'%s' should be a valid interface name", good[i]);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (config_ifname_is_valid(bad[i]))
                        TEST_FAIL("'%s' should not be a valid interface name", bad[i]);
        ASSERT_FALSE(config_ifname_is_valid(NULL));
}

static void test_enum_names(void)
{
        ASSERT_STR_EQ(bluetooth_attach_to_string(BLUETOOTH_ATTACH_AUTO), "auto");
        ASSERT_STR_EQ(bluetooth_attach_to_string(BLUETOOTH_ATTACH_KERNEL), "kernel");
        ASSERT_STR_EQ(bluetooth_attach_to_string(BLUETOOTH_ATTACH_USERSPACE), "userspace");
        ASSERT_NULL(bluetooth_attach_to_string(_BLUETOOTH_ATTACH_MAX));
        for (int i = 0; i < _BLUETOOTH_ATTACH_MAX; i++)
                ASSERT_INT_EQ(bluetooth_attach_from_string(bluetooth_attach_to_string(i)), i);
        ASSERT_INT_EQ(bluetooth_attach_from_string("Kernel"), -EINVAL);
        ASSERT_INT_EQ(bluetooth_attach_from_string(NULL), -EINVAL);
        ASSERT_STR_EQ(config_severity_to_string(CONFIG_WARNING), "warning");
        ASSERT_STR_EQ(config_severity_to_string(CONFIG_ERROR), "error");
        ASSERT_NULL(config_severity_to_string(_CONFIG_SEVERITY_MAX));
}

static void test_bdaddr_forms(void)
{
        static const char *const bad[] = {
                "",
                "12:34:56:78:9a",
                "12:34:56:78:9a:bc:",
                "12:34:56:78:9a:bc:de",
                "12-34-56-78-9a-bc",
                "12:34:56:78:9a:bg",
                " 12:34:56:78:9a:b",
                "1:234:56:78:9a:bc",
                "123:4:56:78:9a:bc",
                "12:34:56:78:9a:b\n",
        };
        uint8_t a[6] = {1, 2, 3, 4, 5, 6};

        ASSERT_INT_EQ(config_parse_bdaddr("B8:27:eb:0A:ff:10", a), 0);
        ASSERT_INT_EQ(a[0], 0xb8);
        ASSERT_INT_EQ(a[1], 0x27);
        ASSERT_INT_EQ(a[2], 0xeb);
        ASSERT_INT_EQ(a[3], 0x0a);
        ASSERT_INT_EQ(a[4], 0xff);
        ASSERT_INT_EQ(a[5], 0x10);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (config_parse_bdaddr(bad[i], a) != -EINVAL)
                        TEST_FAIL("'%s' should not be a Bluetooth address", bad[i]);
        ASSERT_INT_EQ(config_parse_bdaddr(NULL, a), -EINVAL);
        ASSERT_INT_EQ(config_parse_bdaddr("00:00:00:00:00:00", a), -ERANGE);
        ASSERT_INT_EQ(config_parse_bdaddr("FF:ff:FF:ff:FF:ff", a), -ERANGE);
        /* Refusals leave the output alone. */
        ASSERT_INT_EQ(a[0], 0xb8);
        ASSERT_INT_EQ(a[5], 0x10);
}

static void test_flow_control_names(void)
{
        ASSERT_INT_EQ(bluetooth_flow_control_from_string("auto"), BLUETOOTH_FLOW_CONTROL_AUTO);
        ASSERT_INT_EQ(bluetooth_flow_control_from_string("yes"), BLUETOOTH_FLOW_CONTROL_YES);
        ASSERT_INT_EQ(bluetooth_flow_control_from_string("on"), BLUETOOTH_FLOW_CONTROL_YES);
        ASSERT_INT_EQ(bluetooth_flow_control_from_string("0"), BLUETOOTH_FLOW_CONTROL_NO);
        ASSERT_INT_EQ(bluetooth_flow_control_from_string("Auto"), -EINVAL);
        ASSERT_INT_EQ(bluetooth_flow_control_from_string(NULL), -EINVAL);
        for (int i = 0; i < _BLUETOOTH_FLOW_CONTROL_MAX; i++)
                ASSERT_INT_EQ(
                        bluetooth_flow_control_from_string(bluetooth_flow_control_to_string(i)), i);
        ASSERT_NULL(bluetooth_flow_control_to_string(_BLUETOOTH_FLOW_CONTROL_MAX));
        ASSERT_STR_EQ(bluetooth_attach_to_string(BLUETOOTH_ATTACH_OFF), "off");
}

int main(void)
{
        TEST_RUN(test_boolean_forms);
        TEST_RUN(test_timespan_forms);
        TEST_RUN(test_size_forms);
        TEST_RUN(test_format_reads_back);
        TEST_RUN(test_ifname_rules);
        TEST_RUN(test_enum_names);
        TEST_RUN(test_bdaddr_forms);
        TEST_RUN(test_flow_control_names);
        return test_exit();
}
