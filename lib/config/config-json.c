/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The effective configuration as JSON, one object per section, keyed as in hwctl.conf. */
#include <stdio.h>

#include "config.h"
#include "util.h"

/* Adds value to o under key, taking the reference; false when value is NULL (no memory). */
static bool add(json_object *o, const char *key, json_object *value)
{
        if (!value)
                return false;
        if (json_object_object_add(o, key, value) < 0) {
                json_object_put(value);
                return false;
        }
        return true;
}

static json_object *strv_to_json(char *const *l)
{
        json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        STRV_FOREACH (s, l) {
                json_object *v = json_object_new_string(*s);
                if (!v || json_object_array_add(a, v) < 0) {
                        json_object_put(v);
                        json_object_put(a);
                        return NULL;
                }
        }
        return a;
}

/* "<Name>USec": the exact value; "<Name>Sec": the same as hwctl.conf would write it. */
static bool add_timespan(json_object *o, const char *name, uint64_t usec)
{
        _cleanup_free_ char *usec_key = strdup_printf("%sUSec", name);
        _cleanup_free_ char *sec_key = strdup_printf("%sSec", name);
        _cleanup_free_ char *text = config_format_timespan(usec);

        return usec_key && sec_key && text && add(o, usec_key, json_object_new_uint64(usec)) &&
               add(o, sec_key, json_object_new_string(text));
}

static bool daemon_to_json(const Config *c, json_object *o)
{
        /* Unset means every probe: show the effective list, so equal behaviour compares equal. */
        return add(o, "Probes",
                   strv_to_json(c->daemon.probes ? c->daemon.probes
                                                 : (char *const *)config_probe_names)) &&
               add_timespan(o, "ProbeTimeout", c->daemon.probe_timeout_usec);
}

static bool rootfs_to_json(const Config *c, json_object *o)
{
        _cleanup_free_ char *reserve = NULL;
        bool ok;

        if (c->rootfs.reserve_percent > 0)
                reserve = strdup_printf("%u%%", c->rootfs.reserve_percent);
        else if (c->rootfs.reserve_bytes > 0)
                reserve = config_format_size(c->rootfs.reserve_bytes);
        else
                reserve = strdup("0");
        ok = reserve && add(o, "Enable", json_object_new_boolean(c->rootfs.enabled)) &&
             add(o, "Mount", json_object_new_string(strempty(c->rootfs.mount))) &&
             add(o, "Reserve", json_object_new_string(reserve)) &&
             add(o, "ReserveBytes", json_object_new_uint64(c->rootfs.reserve_bytes)) &&
             add(o, "ReservePercent", json_object_new_int(c->rootfs.reserve_percent));
        return ok;
}

/* json-c's null is a NULL value, which add() refuses. */
static bool add_string_or_null(json_object *o, const char *key, const char *s)
{
        if (!s)
                return json_object_object_add(o, key, NULL) >= 0;
        return add(o, key, json_object_new_string(s));
}

static bool add_bdaddr_or_null(json_object *o, const char *key, const uint8_t *a)
{
        char buf[18];

        if (!a)
                return add_string_or_null(o, key, NULL);
        snprintf(buf, sizeof(buf), "%02X:%02X:%02X:%02X:%02X:%02X", a[0], a[1], a[2], a[3], a[4],
                 a[5]);
        return add_string_or_null(o, key, buf);
}

static bool gpio_to_json(const Config *c, json_object *o)
{
        return add(o, "Enable", json_object_new_boolean(c->gpio.enabled));
}

static bool audio_to_json(const Config *c, json_object *o)
{
        if (!add(o, "Enable", json_object_new_boolean(c->audio.enabled)))
                return false;
        /* null: the probe chooses */
        if (!add_string_or_null(o, "Card", c->audio.card))
                return false;
        return add(o, "Volume", json_object_new_int((int)c->audio.volume_percent));
}

static bool bluetooth_to_json(const Config *c, json_object *o)
{
        return add(o, "Enable", json_object_new_boolean(c->bluetooth.enabled)) &&
               add(o, "Attach",
                   json_object_new_string(
                           strna(bluetooth_attach_to_string(c->bluetooth.attach)))) &&
               add_string_or_null(o, "Device", c->bluetooth.device) &&
               add(o, "Baud", json_object_new_int64(c->bluetooth.baud)) &&
               add(o, "FlowControl",
                   json_object_new_string(
                           strna(bluetooth_flow_control_to_string(c->bluetooth.flow_control)))) &&
               add_bdaddr_or_null(o, "Address", c->bluetooth.address_set ? c->bluetooth.address : NULL) &&
               add(o, "FirmwareDirs", strv_to_json(c->bluetooth.firmware_dirs)) &&
               add_timespan(o, "KernelTimeout", c->bluetooth.kernel_timeout_usec);
}

static bool network_to_json(const Config *c, json_object *o)
{
        return add(o, "Enable", json_object_new_boolean(c->network.enabled)) &&
               add(o, "Uplinks", strv_to_json(c->network.uplinks)) &&
               add(o, "Prefer", strv_to_json(c->network.prefer)) &&
               add_timespan(o, "IPv4Timeout", c->network.ipv4_timeout_usec);
}

static const struct {
        const char *name;
        bool (*fill)(const Config *c, json_object *o);
} sections[] = {
        {"Daemon", daemon_to_json}, {"RootFS", rootfs_to_json},       {"GPIO", gpio_to_json},
        {"Audio", audio_to_json},   {"Bluetooth", bluetooth_to_json}, {"Network", network_to_json},
};

json_object *config_section_to_json(const Config *c, const char *section)
{
        if (!c || !section)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(sections); i++) {
                json_object *o;

                if (!streq(sections[i].name, section))
                        continue;
                o = json_object_new_object();
                if (o && !sections[i].fill(c, o))
                        o = (json_object_put(o), NULL);
                return o;
        }
        return NULL;
}

json_object *config_to_json(const Config *c)
{
        json_object *o;

        if (!c)
                return NULL;
        o = json_object_new_object();
        if (!o)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(sections); i++)
                if (!add(o, sections[i].name, config_section_to_json(c, sections[i].name))) {
                        json_object_put(o);
                        return NULL;
                }
        return o;
}
