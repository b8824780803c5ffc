/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The audio probe, a placeholder until its issue lands: it says so instead of pretending. Its
 * [Audio] section (audio-settings.c) is already read and checked. */
#include "audio.h"
#include "probe.h"

const ProbeOps probe_audio = {
        .name = "audio",
        .config = &audio_config_section,
        .run = probe_run_not_implemented,
        .plan = probe_plan_not_implemented,
        .timeout_usec = 5 * USEC_PER_SEC,
};
