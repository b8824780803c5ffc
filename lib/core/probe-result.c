/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Verdicts and probe results: names, lifetime, and their JSON form in the status document. */
#include "probe.h"

static const char *const verdict_table[_VERDICT_MAX] = {
        [VERDICT_OK] = "ok",         [VERDICT_CHANGED] = "changed", [VERDICT_DEGRADED] = "degraded",
        [VERDICT_FAILED] = "failed", [VERDICT_SKIPPED] = "skipped",
};

const char *verdict_to_string(Verdict v)
{
        if (v < 0 || v >= _VERDICT_MAX)
                return NULL;
        return verdict_table[v];
}

Verdict verdict_from_string(const char *s)
{
        if (!s)
                return _VERDICT_INVALID;
        for (int i = 0; i < _VERDICT_MAX; i++)
                if (streq(verdict_table[i], s))
                        return (Verdict)i;
        return _VERDICT_INVALID;
}

bool verdict_is_good(Verdict v)
{
        return v == VERDICT_OK || v == VERDICT_CHANGED || v == VERDICT_SKIPPED;
}

ProbeResult *probe_result_free(ProbeResult *r)
{
        if (!r)
                return NULL;
        free(r->summary);
        free(r->remedy);
        json_object_put(r->details);
        free(r);
        return NULL;
}

json_object *probe_result_to_json(const char *name, const ProbeResult *r)
{
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        json_object_object_add(o, "name", json_object_new_string(name));
        if (!r) {
                json_object_object_add(o, "verdict", NULL);
                return o;
        }
        json_object_object_add(o, "verdict", json_object_new_string(verdict_to_string(r->verdict)));
        json_object_object_add(o, "summary", json_object_new_string(strempty(r->summary)));
        json_object_object_add(o, "remedy", r->remedy ? json_object_new_string(r->remedy) : NULL);
        json_object_object_add(o, "details",
                               r->details ? json_object_get(r->details) : json_object_new_object());
        json_object_object_add(o, "started_usec", json_object_new_int64((int64_t)r->started_usec));
        json_object_object_add(o, "duration_usec",
                               json_object_new_int64((int64_t)r->duration_usec));
        return o;
}
