/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Whether a probe runs at all: the one decision the runner and `hwctl plan` both make; and the
 * placeholder run for probes not written yet. */
#include "details.h"
#include "probe.h"
#include "util.h"

int probe_skip_reason(const ProbeOps *ops, const Board *b, const Config *c, char *const *only,
                      char **ret_reason)
{
        const char *reason = NULL;
        char *s;

        if (only && !strv_contains(only, ops->name))
                s = strdup("not selected (--only)");
        else if (!only && config_daemon_probes(c) &&
                 !strv_contains(config_daemon_probes(c), ops->name))
                s = strdup("not selected ([Daemon] Probes=)");
        else if (!config_probe_enabled(c, ops))
                s = strdup_printf("disabled by configuration ([%s] Enable=no)",
                                  strna(config_section_name(c, ops)));
        else if (ops->applies && !ops->applies(b, c, &reason))
                s = strdup(reason ? reason : "not applicable");
        else {
                *ret_reason = NULL;
                return 0;
        }
        if (!s)
                return -ENOMEM;
        *ret_reason = s;
        return 1;
}

int probe_run_not_implemented(ProbeContext *ctx)
{
        return probe_done(ctx, VERDICT_SKIPPED, "not implemented yet");
}

int probe_plan_not_implemented(const Board *b, const Config *c, const char *sysroot,
                               char **ret_summary, json_object *details)
{
        char *s = strdup("nothing: this probe is not implemented yet");

        if (!s)
                return -ENOMEM;
        details_add_bool(details, "implemented", false);
        *ret_summary = s;
        return 0;
}
