/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* [Bluetooth]: its keys, defaults and JSON form. */
#include <stddef.h>
#include <stdio.h>

#include "bt-settings.h"
#include "probe.h"
#include "uart-speed.h"
#include "util.h"

static const char *const default_firmware_dirs[] = {
        "/lib/firmware", "/usr/lib/firmware", "/etc/firmware", "/run/current-system/firmware", NULL,
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

static int bluetooth_settings_init(void *p)
{
        BluetoothSettings *s = p;

        s->attach = BLUETOOTH_ATTACH_AUTO;
        s->firmware_dirs = strv_copy((char *const *)default_firmware_dirs);
        if (!s->firmware_dirs)
                return -ENOMEM;
        s->kernel_timeout_usec = 15 * USEC_PER_SEC;
        return 0;
}

static void bluetooth_settings_done(void *p)
{
        BluetoothSettings *s = p;

        free(s->device);
        strv_free(s->firmware_dirs);
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
        BluetoothSettings *s =
                (BluetoothSettings *)((char *)field - offsetof(BluetoothSettings, address_set));
        int r = config_parse_bdaddr(value, s->address);

        if (r < 0) {
                if (r == -ERANGE)
                        *ret_detail = strdup("00:00:00:00:00:00 and FF:FF:FF:FF:FF:FF are not "
                                             "addresses a controller can use");
                return -EINVAL;
        }
        s->address_set = true;
        return 0;
}

static int parse_device(const char *value, void *field, char **ret_detail)
{
        char *p = NULL;
        int r = config_path_normalize(value, &p);

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

        if (config_parse_decimal_max(value, UINT32_MAX, &v) < 0 || !uart_speed_is_standard(v))
                return -EINVAL;
        *(uint32_t *)field = (uint32_t)v;
        return 0;
}

#define EXPECT_BAUD "one of " UART_SPEED_STANDARD_TEXT ", or nothing for the board's rate"

static const ConfigSetting bluetooth_settings[] = {
        {"Attach", parse_attach, CONFIG_FIELD_SCALAR, CONFIG_FIELD(BluetoothSettings, attach),
         "auto, kernel, userspace or off"},
        {"Device", parse_device, CONFIG_FIELD_STRING, CONFIG_FIELD(BluetoothSettings, device),
         "a tty under /dev, such as /dev/ttyAMA0"},
        {"Baud", parse_baud, CONFIG_FIELD_SCALAR, CONFIG_FIELD(BluetoothSettings, baud),
         EXPECT_BAUD},
        {"FlowControl", parse_flow_control, CONFIG_FIELD_SCALAR,
         CONFIG_FIELD(BluetoothSettings, flow_control), "auto, yes or no"},
        {"Address", parse_address, CONFIG_FIELD_SCALAR,
         CONFIG_FIELD_RANGE(BluetoothSettings, address_set, address),
         "a Bluetooth address such as 01:23:45:67:89:AB"},
        {"FirmwareDirs", config_parse_paths_field, CONFIG_FIELD_STRV,
         CONFIG_FIELD(BluetoothSettings, firmware_dirs), "absolute paths separated by spaces"},
        {"KernelTimeoutSec", config_parse_timespan_field, CONFIG_FIELD_SCALAR,
         CONFIG_FIELD(BluetoothSettings, kernel_timeout_usec), CONFIG_EXPECT_TIME},
        /* The spelling; KernelTimeoutSec= is the systemd-style one. */
        {"KernelTimeout", config_parse_timespan_field, CONFIG_FIELD_SCALAR,
         CONFIG_FIELD(BluetoothSettings, kernel_timeout_usec), CONFIG_EXPECT_TIME},
        {},
};

static bool add_bdaddr_or_null(json_object *o, const char *key, const uint8_t *a)
{
        char buf[18];

        if (!a)
                return config_json_add_string_or_null(o, key, NULL);
        snprintf(buf, sizeof(buf), "%02X:%02X:%02X:%02X:%02X:%02X", a[0], a[1], a[2], a[3], a[4],
                 a[5]);
        return config_json_add_string_or_null(o, key, buf);
}

static bool bluetooth_settings_to_json(const void *p, json_object *o)
{
        const BluetoothSettings *s = p;

        return config_json_add(
                       o, "Attach",
                       json_object_new_string(strna(bluetooth_attach_to_string(s->attach)))) &&
               config_json_add_string_or_null(o, "Device", s->device) &&
               config_json_add(o, "Baud", json_object_new_int64(s->baud)) &&
               config_json_add(o, "FlowControl",
                               json_object_new_string(
                                       strna(bluetooth_flow_control_to_string(s->flow_control)))) &&
               add_bdaddr_or_null(o, "Address", s->address_set ? s->address : NULL) &&
               config_json_add_strv(o, "FirmwareDirs", s->firmware_dirs) &&
               config_json_add_timespan(o, "KernelTimeout", s->kernel_timeout_usec);
}

const ConfigSection bluetooth_config_section = {
        .name = "Bluetooth",
        .size = sizeof(BluetoothSettings),
        .init = bluetooth_settings_init,
        .done = bluetooth_settings_done,
        .settings = bluetooth_settings,
        .to_json = bluetooth_settings_to_json,
};

extern const ProbeOps probe_bluetooth;

const BluetoothSettings *bt_settings_of(const Config *c)
{
        /* The defaults stand in for a config made without [Bluetooth] (a test's own table). */
        static const BluetoothSettings defaults = {
                .attach = BLUETOOTH_ATTACH_AUTO,
                .firmware_dirs = (char **)default_firmware_dirs,
                .kernel_timeout_usec = 15 * USEC_PER_SEC,
        };
        const BluetoothSettings *s = config_probe_settings(c, &probe_bluetooth);
        return s ? s : &defaults;
}
