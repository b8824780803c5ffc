/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Placeholders for probes whose issues are not done yet: they say so instead of pretending. */
#include "probe.h"

static int placeholder_run(ProbeContext *ctx)
{
        return probe_done(ctx, VERDICT_SKIPPED, "not implemented yet");
}

static int placeholder_plan(const Board *b, const Config *c, const char *sysroot,
                            char **ret_summary, json_object *details)
{
        char *s = strdup("nothing: this probe is not implemented yet");

        if (!s)
                return -ENOMEM;
        json_object_object_add(details, "implemented", json_object_new_boolean(false));
        *ret_summary = s;
        return 0;
}

#define PLACEHOLDER(n, ...)                                                                        \
        const ProbeOps probe_##n = {                                                               \
                .name = #n,                                                                        \
                .after = (const char *const[]){__VA_ARGS__ NULL},                                  \
                .run = placeholder_run,                                                            \
                .plan = placeholder_plan,                                                          \
                .timeout_usec = 5 * USEC_PER_SEC,                                                  \
        }

PLACEHOLDER(gpio);
PLACEHOLDER(audio);
