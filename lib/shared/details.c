/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Probe details: facts added under the one NULL rule (unknown facts are left out). */
#include <stdio.h>

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

void details_add_text(json_object *o, const char *key, const void *data, size_t n)
{
        const unsigned char *p = data;
        _cleanup_free_ char *text = NULL, *hex = NULL, *hex_key = NULL;

        if (!data)
                return;
        if (utf8_is_printable(data, n)) {
                add(o, key, json_object_new_string_len(data, (int)n));
                return;
        }
        text = utf8_printable(data, n);
        hex = malloc(n * 2 + 1);
        hex_key = strdup_printf("%s_hex", key);
        if (!text || !hex || !hex_key)
                return;
        for (size_t i = 0; i < n; i++)
                sprintf(hex + 2 * i, "%02x", p[i]);
        hex[2 * n] = 0;
        details_add_str(o, key, text);
        details_add_str(o, hex_key, hex);
}

static bool string_make_printable(json_object *s)
{
        const char *v = json_object_get_string(s);
        size_t n = (size_t)json_object_get_string_len(s);
        _cleanup_free_ char *fixed = NULL;

        if (!v || utf8_is_printable(v, n))
                return false;
        fixed = utf8_printable(v, n);
        /* Out of memory: an empty string rather than one that breaks the document's readers. */
        (void)json_object_set_string(s, fixed ? fixed : "");
        return true;
}

size_t json_make_printable(json_object *o)
{
        size_t changed = 0;

        switch (json_object_get_type(o)) {
        case json_type_string:
                return string_make_printable(o);
        case json_type_array:
                for (size_t i = 0; i < json_object_array_length(o); i++)
                        changed += json_make_printable(json_object_array_get_idx(o, i));
                return changed;
        case json_type_object: {
                _cleanup_strv_free_ char **bad = NULL;

                json_object_object_foreach (o, key, v) {
                        changed += json_make_printable(v);
                        if (!utf8_is_printable(key, strlen(key)) && strv_extend(&bad, key) < 0)
                                break;
                }
                /* Keys are renamed after the walk: the object must not change under it. */
                STRV_FOREACH (k, bad) {
                        _cleanup_free_ char *fixed = utf8_printable(*k, strlen(*k));
                        json_object *v = NULL;

                        if (!json_object_object_get_ex(o, *k, &v))
                                continue;
                        json_object_get(v);
                        json_object_object_del(o, *k);
                        if (!fixed || json_object_object_add(o, fixed, v) < 0)
                                json_object_put(v);
                        changed++;
                }
                return changed;
        }
        default:
                return 0;
        }
}
