/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every hwctl.conf setting: its default, how its value is read, and how it is reset. */
#include <assert.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "util.h"

/* A later assignment replaces an earlier one, for lists too (unlike systemd's appending lists,
 * so a drop-in can replace FirmwareDirs= without a reset line); an empty one resets to the
 * default. */

const char *const config_probe_names[] = {"rootfs", "gpio", "audio", "bluetooth", "network", NULL};

static const char *const default_firmware_dirs[] = {
        "/lib/firmware", "/usr/lib/firmware", "/etc/firmware", "/run/current-system/firmware", NULL,
};
static const char *const default_prefer[] = {"wired", "wireless", NULL};
static const uint32_t standard_bauds[] = {
        115200, 230400, 460800, 921600, 1000000, 1500000, 2000000, 3000000, 4000000,
};

static const char *const bluetooth_attach_table[_BLUETOOTH_ATTACH_MAX] = {
        [BLUETOOTH_ATTACH_AUTO] = "auto",
        [BLUETOOTH_ATTACH_KERNEL] = "kernel",
        [BLUETOOTH_ATTACH_USERSPACE] = "userspace",
        [BLUETOOTH_ATTACH_OFF] = "off",
};

static const char *const bluetooth_flow_control_table[_BLUETOOTH_FLOW_CONTROL_MAX] = {
        [BLUETOOTH_FLOW_CONTROL_AUTO] = "auto",
        [BLUETOOTH_FLOW_CONTROL_YES] = "yes",
        [BLUETOOTH_FLOW_CONTROL_NO] = "no",
};

const char *bluetooth_flow_control_to_string(BluetoothFlowControl f)
{
        if ((unsigned)f >= _BLUETOOTH_FLOW_CONTROL_MAX)
                return NULL;
        return bluetooth_flow_control_table[f];
}

int bluetooth_flow_control_from_string(const char *s)
{
        int b;

        if (!s)
                return -EINVAL;
        if (streq(s, "auto"))
                return BLUETOOTH_FLOW_CONTROL_AUTO;
        b = config_parse_boolean(s);
        if (b < 0)
                return b;
        return b ? BLUETOOTH_FLOW_CONTROL_YES : BLUETOOTH_FLOW_CONTROL_NO;
}

const char *bluetooth_attach_to_string(BluetoothAttach a)
{
        if ((unsigned)a >= _BLUETOOTH_ATTACH_MAX)
                return NULL;
        return bluetooth_attach_table[a];
}

int bluetooth_attach_from_string(const char *s)
{
        for (int i = 0; s && i < _BLUETOOTH_ATTACH_MAX; i++)
                if (streq(s, bluetooth_attach_table[i]))
                        return i;
        return -EINVAL;
}

static int strv_from_const(const char *const *l, char ***ret)
{
        char **copy = strv_copy((char *const *)l);
        if (!copy)
                return -ENOMEM;
        *ret = copy;
        return 0;
}

int config_new_default(Config **ret)
{
        _cleanup_(config_freep) Config *c = calloc(1, sizeof(Config));

        if (!c)
                return -ENOMEM;
        c->rootfs.enabled = true;
        c->rootfs.mount = strdup("/");
        if (!c->rootfs.mount)
                return -ENOMEM;
        c->gpio.enabled = true;
        c->audio.enabled = true;
        c->audio.volume_percent = 80;
        c->bluetooth.enabled = true;
        c->bluetooth.attach = BLUETOOTH_ATTACH_AUTO;
        if (strv_from_const(default_firmware_dirs, &c->bluetooth.firmware_dirs) < 0)
                return -ENOMEM;
        c->bluetooth.kernel_timeout_usec = 15 * USEC_PER_SEC;
        c->network.enabled = true;
        if (strv_from_const(default_prefer, &c->network.prefer) < 0)
                return -ENOMEM;
        c->network.ipv4_timeout_usec = 30 * USEC_PER_SEC;
        *ret = TAKE_PTR(c);
        return 0;
}

Config *config_free(Config *c)
{
        if (!c)
                return NULL;
        strv_free(c->daemon.probes);
        free(c->rootfs.mount);
        free(c->audio.card);
        free(c->bluetooth.device);
        strv_free(c->bluetooth.firmware_dirs);
        strv_free(c->network.uplinks);
        strv_free(c->network.prefer);
        strv_free(c->files);
        for (size_t i = 0; i < c->n_problems; i++) {
                free(c->problems[i].file);
                free(c->problems[i].message);
        }
        free(c->problems);
        free(c);
        return NULL;
}

/* ---- Settings ---- */

/* Parses a non-empty value into *field. -EINVAL with an optional *ret_detail (allocated) when
 * the value is bad, -ENOMEM. */
typedef int (*SettingParser)(const char *value, void *field, char **ret_detail);

typedef enum SettingKind {
        SETTING_SCALAR, /* plain bytes, copied to reset */
        SETTING_STRING, /* char * */
        SETTING_STRV,   /* char ** */
} SettingKind;

typedef struct Setting {
        const char *section;
        const char *key;
        SettingParser parse;
        SettingKind kind;
        size_t offset, size;
        const char *expected;
} Setting;

static int parse_enable(const char *value, void *field, char **ret_detail)
{
        int b = config_parse_boolean(value);
        if (b < 0)
                return b;
        *(bool *)field = b;
        return 0;
}

static int parse_timespan_field(const char *value, void *field, char **ret_detail)
{
        uint64_t usec;
        int r = config_parse_timespan(value, &usec);
        if (r == -ERANGE)
                *ret_detail = strdup("too large");
        if (r < 0)
                return r == -ERANGE ? -EINVAL : r;
        *(uint64_t *)field = usec;
        return 0;
}

/* An absolute path without "." or ".." components, with repeated and trailing slashes dropped. */
static int path_normalize(const char *s, char **ret)
{
        _cleanup_free_ char *out = NULL;
        size_t n = 0;

        if (s[0] != '/' || strlen(s) >= PATH_MAX)
                return -EINVAL;
        out = malloc(strlen(s) + 1);
        if (!out)
                return -ENOMEM;
        for (const char *p = s; *p;) {
                size_t k;
                p += strspn(p, "/");
                k = strcspn(p, "/");
                if (k == 0)
                        break;
                if ((k == 1 && p[0] == '.') || (k == 2 && p[0] == '.' && p[1] == '.'))
                        return -EINVAL;
                out[n++] = '/';
                memcpy(out + n, p, k);
                n += k;
                p += k;
        }
        if (n == 0)
                out[n++] = '/';
        out[n] = 0;
        *ret = TAKE_PTR(out);
        return 0;
}

static int parse_path(const char *value, void *field, char **ret_detail)
{
        char *path;
        int r = path_normalize(value, &path);
        if (r < 0)
                return r;
        free(*(char **)field);
        *(char **)field = path;
        return 0;
}

static int parse_string(const char *value, void *field, char **ret_detail)
{
        char *s = strdup(value);
        if (!s)
                return -ENOMEM;
        free(*(char **)field);
        *(char **)field = s;
        return 0;
}

typedef typeof(((Config *)NULL)->rootfs) ConfigRootFS;

static int parse_reserve(const char *value, void *field, char **ret_detail)
{
        ConfigRootFS *rootfs =
                (ConfigRootFS *)((char *)field - offsetof(ConfigRootFS, reserve_bytes));
        size_t n = strlen(value);
        uint64_t bytes;
        int r;

        if (value[n - 1] == '%') {
                unsigned percent = 0;
                if (n < 2 || n > 3)
                        return -EINVAL;
                for (size_t i = 0; i < n - 1; i++) {
                        if (value[i] < '0' || value[i] > '9')
                                return -EINVAL;
                        percent = percent * 10 + (unsigned)(value[i] - '0');
                }
                rootfs->reserve_bytes = 0;
                rootfs->reserve_percent = percent;
                return 0;
        }
        r = config_parse_size(value, &bytes);
        if (r == -ERANGE)
                *ret_detail = strdup("too large");
        if (r < 0)
                return r == -ERANGE ? -EINVAL : r;
        rootfs->reserve_bytes = bytes;
        rootfs->reserve_percent = 0;
        return 0;
}

static int parse_decimal_max(const char *s, uint64_t max, uint64_t *ret)
{
        uint64_t v = 0;

        if (!*s)
                return -EINVAL;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                v = v * 10 + (uint64_t)(*s - '0');
                if (v > max)
                        return -ERANGE;
        }
        *ret = v;
        return 0;
}

static int parse_volume(const char *value, void *field, char **ret_detail)
{
        char digits[8];
        size_t n = strlen(value);
        uint64_t v;

        if (value[n - 1] == '%')
                n--;
        if (n == 0 || n >= sizeof(digits))
                return -EINVAL;
        memcpy(digits, value, n);
        digits[n] = 0;
        if (parse_decimal_max(digits, 100, &v) < 0)
                return -EINVAL;
        *(unsigned *)field = (unsigned)v;
        return 0;
}

static int parse_attach(const char *value, void *field, char **ret_detail)
{
        int a = bluetooth_attach_from_string(value);
        if (a < 0)
                return a;
        *(BluetoothAttach *)field = (BluetoothAttach)a;
        return 0;
}

static int parse_flow_control(const char *value, void *field, char **ret_detail)
{
        int f = bluetooth_flow_control_from_string(value);
        if (f < 0)
                return -EINVAL;
        *(BluetoothFlowControl *)field = (BluetoothFlowControl)f;
        return 0;
}

/* Address= sets the bytes and the flag that says they were given. */
static int parse_address(const char *value, void *field, char **ret_detail)
{
        uint8_t *a = (uint8_t *)field + offsetof(Config, bluetooth.address) -
                     offsetof(Config, bluetooth.address_set);
        int r = config_parse_bdaddr(value, a);

        if (r < 0) {
                if (r == -ERANGE)
                        *ret_detail = strdup("00:00:00:00:00:00 and FF:FF:FF:FF:FF:FF are not "
                                             "addresses a controller can use");
                return -EINVAL;
        }
        *(bool *)field = true;
        return 0;
}

static int parse_device(const char *value, void *field, char **ret_detail)
{
        char *p = NULL;
        int r = path_normalize(value, &p);

        if (r < 0)
                return r == -ENOMEM ? r : -EINVAL;
        if (!startswith(p, "/dev/")) {
                free(p);
                return -EINVAL;
        }
        free(*(char **)field);
        *(char **)field = p;
        return 0;
}

static int parse_baud(const char *value, void *field, char **ret_detail)
{
        uint64_t v;

        if (parse_decimal_max(value, UINT32_MAX, &v) < 0)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(standard_bauds); i++)
                if (v == standard_bauds[i]) {
                        *(uint32_t *)field = (uint32_t)v;
                        return 0;
                }
        return -EINVAL;
}

/* Splits a list, checks each word with check(), drops repeats, and replaces *field. */
static int parse_list(const char *value, char ***field, int (*check)(const char *word, char **ret),
                      const char *what, char **ret_detail)
{
        _cleanup_strv_free_ char **words = NULL, **out = NULL;
        int r;

        r = strv_split_whitespace(value, &words);
        if (r < 0)
                return r;
        STRV_FOREACH (w, words) {
                char *item = NULL;
                r = check(*w, &item);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        *ret_detail = strdup_printf("'%s' is not %s", *w, what);
                        return -EINVAL;
                }
                if (strv_contains(out, item)) {
                        free(item);
                        continue;
                }
                r = strv_push(&out, item);
                if (r < 0)
                        return -ENOMEM;
        }
        if (!out)
                return -EINVAL; /* only white space: inih strips it, so not reached */
        strv_free(*field);
        *field = TAKE_PTR(out);
        return 0;
}

static int check_path(const char *word, char **ret)
{
        return path_normalize(word, ret);
}

static int check_probe(const char *word, char **ret)
{
        for (size_t i = 0; config_probe_names[i]; i++)
                if (streq(word, config_probe_names[i])) {
                        *ret = strdup(word);
                        return *ret ? 0 : -ENOMEM;
                }
        return -EINVAL;
}

static int check_ifname(const char *word, char **ret)
{
        if (!config_ifname_is_valid(word))
                return -EINVAL;
        *ret = strdup(word);
        return *ret ? 0 : -ENOMEM;
}

static int parse_firmware_dirs(const char *value, void *field, char **ret_detail)
{
        return parse_list(value, field, check_path, "an absolute, normalized path", ret_detail);
}

static int parse_probes(const char *value, void *field, char **ret_detail)
{
        return parse_list(value, field, check_probe, "a probe name", ret_detail);
}

static int parse_ifnames(const char *value, void *field, char **ret_detail)
{
        return parse_list(value, field, check_ifname, "a valid interface name", ret_detail);
}

#define FIELD(f) offsetof(Config, f), sizeof(((Config *)NULL)->f)
/* Reserve= sets two fields, so its reset copies both. */
#define FIELD_RANGE(first, last)                                                                   \
        offsetof(Config, first),                                                                   \
                offsetof(Config, last) + sizeof(((Config *)NULL)->last) - offsetof(Config, first)

#define EXPECT_BOOL    "a boolean (yes/no, true/false, on/off, 1/0)"
#define EXPECT_TIME    "a time span such as 15, 15s, 500ms, 2min or 1min 30s"
#define EXPECT_IFNAMES "interface names of 1..15 characters without '/', ':' or white space"

static const Setting settings[] = {
        {"Daemon", "Probes", parse_probes, SETTING_STRV, FIELD(daemon.probes),
         "probe names from: rootfs gpio audio bluetooth network"},
        {"Daemon", "ProbeTimeoutSec", parse_timespan_field, SETTING_SCALAR,
         FIELD(daemon.probe_timeout_usec), EXPECT_TIME},
        {"RootFS", "Enable", parse_enable, SETTING_SCALAR, FIELD(rootfs.enabled), EXPECT_BOOL},
        {"RootFS", "Mount", parse_path, SETTING_STRING, FIELD(rootfs.mount),
         "an absolute path without . or .. components"},
        {"RootFS", "Reserve", parse_reserve, SETTING_SCALAR,
         FIELD_RANGE(rootfs.reserve_bytes, rootfs.reserve_percent),
         "a size such as 4096, 512M or 1.5G (base 1024, suffixes B K M G T, optionally KiB...), "
         "or a percentage 0%..99%"},
        {"GPIO", "Enable", parse_enable, SETTING_SCALAR, FIELD(gpio.enabled), EXPECT_BOOL},
        {"Audio", "Enable", parse_enable, SETTING_SCALAR, FIELD(audio.enabled), EXPECT_BOOL},
        {"Audio", "Card", parse_string, SETTING_STRING, FIELD(audio.card), "an ALSA card name"},
        {"Audio", "Volume", parse_volume, SETTING_SCALAR, FIELD(audio.volume_percent),
         "a volume 0..100, optionally followed by %"},
        {"Bluetooth", "Enable", parse_enable, SETTING_SCALAR, FIELD(bluetooth.enabled),
         EXPECT_BOOL},
        {"Bluetooth", "Attach", parse_attach, SETTING_SCALAR, FIELD(bluetooth.attach),
         "auto, kernel, userspace or off"},
        {"Bluetooth", "Device", parse_device, SETTING_STRING, FIELD(bluetooth.device),
         "a tty under /dev, such as /dev/ttyAMA0"},
        {"Bluetooth", "Baud", parse_baud, SETTING_SCALAR, FIELD(bluetooth.baud),
         "one of 115200 230400 460800 921600 1000000 1500000 2000000 3000000 4000000, "
         "or nothing for the board's rate"},
        {"Bluetooth", "FlowControl", parse_flow_control, SETTING_SCALAR,
         FIELD(bluetooth.flow_control), "auto, yes or no"},
        {"Bluetooth", "Address", parse_address, SETTING_SCALAR,
         FIELD_RANGE(bluetooth.address_set, bluetooth.address),
         "a Bluetooth address such as 01:23:45:67:89:AB"},
        {"Bluetooth", "FirmwareDirs", parse_firmware_dirs, SETTING_STRV,
         FIELD(bluetooth.firmware_dirs), "absolute paths separated by spaces"},
        {"Bluetooth", "KernelTimeoutSec", parse_timespan_field, SETTING_SCALAR,
         FIELD(bluetooth.kernel_timeout_usec), EXPECT_TIME},
        /* The spelling; KernelTimeoutSec= is the systemd-style one. */
        {"Bluetooth", "KernelTimeout", parse_timespan_field, SETTING_SCALAR,
         FIELD(bluetooth.kernel_timeout_usec), EXPECT_TIME},
        {"Network", "Enable", parse_enable, SETTING_SCALAR, FIELD(network.enabled), EXPECT_BOOL},
        {"Network", "Uplinks", parse_ifnames, SETTING_STRV, FIELD(network.uplinks), EXPECT_IFNAMES},
        {"Network", "Prefer", parse_ifnames, SETTING_STRV, FIELD(network.prefer),
         "wired, wireless or " EXPECT_IFNAMES},
        {"Network", "IPv4TimeoutSec", parse_timespan_field, SETTING_SCALAR,
         FIELD(network.ipv4_timeout_usec), EXPECT_TIME},
};

static int setting_reset(const Setting *s, Config *c, const Config *defaults)
{
        void *field = (char *)c + s->offset;
        const void *def = (const char *)defaults + s->offset;

        switch (s->kind) {
        case SETTING_SCALAR:
                memcpy(field, def, s->size);
                return 0;
        case SETTING_STRING: {
                char *copy = NULL;
                if (*(char *const *)def) {
                        copy = strdup(*(char *const *)def);
                        if (!copy)
                                return -ENOMEM;
                }
                free(*(char **)field);
                *(char **)field = copy;
                return 0;
        }
        case SETTING_STRV: {
                char **copy = NULL;
                if (*(char **const *)def) {
                        copy = strv_copy(*(char **const *)def);
                        if (!copy)
                                return -ENOMEM;
                }
                strv_free(*(char ***)field);
                *(char ***)field = copy;
                return 0;
        }
        }
        return -EINVAL;
}

static const Setting *setting_find(const char *section, const char *key)
{
        for (size_t i = 0; i < ELEMENTSOF(settings); i++)
                if (streq(settings[i].section, section) && streq(settings[i].key, key))
                        return &settings[i];
        return NULL;
}

int config_set(Config *c, const char *section, const char *key, const char *value,
               char **ret_reason)
{
        _cleanup_free_ char *detail = NULL;
        const Setting *s;
        int r;

        assert(c);
        s = section && key ? setting_find(section, key) : NULL;
        if (!s)
                return -ENOENT;
        if (isempty(value)) {
                _cleanup_(config_freep) Config *defaults = NULL;

                r = config_new_default(&defaults);
                if (r < 0)
                        return r;
                return setting_reset(s, c, defaults);
        }
        r = s->parse(value, (char *)c + s->offset, &detail);
        if (r == -EINVAL && ret_reason) {
                char *reason = strdup_printf("%s%sexpected %s", strempty(detail),
                                             detail ? ", " : "", s->expected);
                if (!reason)
                        return -ENOMEM;
                *ret_reason = reason;
        }
        return r;
}
