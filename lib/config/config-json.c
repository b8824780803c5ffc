/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The effective configuration as JSON, one object per section, keyed as in hwctl.conf. */
#include <stdio.h>

#include "config-private.h"
#include "util.h"

bool config_json_add(json_object *o, const char *key, json_object *value)
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

bool config_json_add_strv(json_object *o, const char *key, char *const *l)
{
        return config_json_add(o, key, strv_to_json(l));
}

bool config_json_add_string_or_null(json_object *o, const char *key, const char *s)
{
        /* json-c's null is a NULL value, which config_json_add() refuses. */
        if (!s)
                return json_object_object_add(o, key, NULL) >= 0;
        return config_json_add(o, key, json_object_new_string(s));
}

bool config_json_add_timespan(json_object *o, const char *name, uint64_t usec)
{
        _cleanup_free_ char *usec_key = strdup_printf("%sUSec", name);
        _cleanup_free_ char *sec_key = strdup_printf("%sSec", name);
        _cleanup_free_ char *text = config_format_timespan(usec);

        return usec_key && sec_key && text &&
               config_json_add(o, usec_key, json_object_new_uint64(usec)) &&
               config_json_add(o, sec_key, json_object_new_string(text));
}

static bool daemon_to_json(const Config *c, json_object *o)
{
        json_object *all;

        /* Unset means every probe: show the effective list, so equal behaviour compares equal. */
        if (c->daemon.probes)
                return config_json_add_strv(o, "Probes", c->daemon.probes) &&
                       config_json_add_timespan(o, "ProbeTimeout", c->daemon.probe_timeout_usec);
        all = json_object_new_array();
        for (size_t i = 0; all && c->table[i]; i++)
                if (json_object_array_add(all, json_object_new_string(c->table[i]->name)) < 0)
                        all = (json_object_put(all), NULL);
        return config_json_add(o, "Probes", all) &&
               config_json_add_timespan(o, "ProbeTimeout", c->daemon.probe_timeout_usec);
}

static bool section_to_json(const ConfigSectionData *d, json_object *o)
{
        if (!config_json_add(o, "Enable", json_object_new_boolean(d->enabled)))
                return false;
        return !d->section->to_json || d->section->to_json(d->data, o);
}

json_object *config_section_to_json(const Config *c, const char *section)
{
        const ConfigSectionData *d;
        json_object *o;
        bool ok;

        if (!c || !section)
                return NULL;
        d = config_find_section(c, section);
        if (!d && !streq(section, "Daemon"))
                return NULL;
        o = json_object_new_object();
        if (!o)
                return NULL;
        ok = d ? section_to_json(d, o) : daemon_to_json(c, o);
        if (!ok)
                o = (json_object_put(o), NULL);
        return o;
}

json_object *config_to_json(const Config *c)
{
        json_object *o;

        if (!c)
                return NULL;
        o = json_object_new_object();
        if (!o)
                return NULL;
        if (!config_json_add(o, "Daemon", config_section_to_json(c, "Daemon")))
                return json_object_put(o), NULL;
        for (size_t i = 0; i < c->n_sections; i++) {
                const char *name = c->sections[i].section->name;
                if (!config_json_add(o, name, config_section_to_json(c, name))) {
                        json_object_put(o);
                        return NULL;
                }
        }
        return o;
}
