/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The audio probe, a placeholder until its issue lands: it says so instead of pretending. */
#include "audio.h"
#include "probe.h"

static int audio_run(ProbeContext *ctx)
{
        return probe_done(ctx, VERDICT_SKIPPED, "not implemented yet");
}

static int audio_plan(const Board *b, const Config *c, const char *sysroot, char **ret_summary,
                     json_object *details)
{
        char *s = strdup("nothing: this probe is not implemented yet");

        if (!s)
                return -ENOMEM;
        json_object_object_add(details, "implemented", json_object_new_boolean(false));
        *ret_summary = s;
        return 0;
}

const ProbeOps probe_audio = {
        .name = "audio",
        .config = &audio_config_section,
        .run = audio_run,
        .plan = audio_plan,
        .timeout_usec = 5 * USEC_PER_SEC,
};
