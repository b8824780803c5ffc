/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Probe details: facts added under the one NULL rule (unknown facts are left out). */
#include "details.h"
#include "util.h"

static void add(json_object *o, const char *key, json_object *v)
{
        /* Out of memory: the fact is lost, the document stays valid. */
        if (v && json_object_object_add(o, key, v) < 0)
                json_object_put(v);
}

void details_add_str(json_object *o, const char *key, const char *value)
{
        if (value)
                add(o, key, json_object_new_string(value));
}

void details_add_int(json_object *o, const char *key, int64_t value)
{
        add(o, key, json_object_new_int64(value));
}

void details_add_u64(json_object *o, const char *key, uint64_t value)
{
        add(o, key, json_object_new_int64(value > INT64_MAX ? INT64_MAX : (int64_t)value));
}

void details_add_bool(json_object *o, const char *key, bool value)
{
        add(o, key, json_object_new_boolean(value));
}

void details_add_strv(json_object *o, const char *key, char *const *l)
{
        json_object *a;

        if (!l)
                return;
        a = json_object_new_array();
        STRV_FOREACH (s, l)
                if (a && json_object_array_add(a, json_object_new_string(*s)) < 0)
                        a = (json_object_put(a), NULL);
        add(o, key, a);
}
