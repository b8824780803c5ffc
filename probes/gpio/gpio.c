/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The gpio probe, a placeholder until its issue lands: it says so instead of pretending. */
#include "probe.h"

static int gpio_run(ProbeContext *ctx)
{
        return probe_done(ctx, VERDICT_SKIPPED, "not implemented yet");
}

static int gpio_plan(const Board *b, const Config *c, const char *sysroot, char **ret_summary,
                     json_object *details)
{
        char *s = strdup("nothing: this probe is not implemented yet");

        if (!s)
                return -ENOMEM;
        json_object_object_add(details, "implemented", json_object_new_boolean(false));
        *ret_summary = s;
        return 0;
}

/* [GPIO] has only Enable= so far. */
static const ConfigSetting gpio_settings[] = {{}};
static const ConfigSection gpio_config_section = {
        .name = "GPIO",
        .settings = gpio_settings,
};

const ProbeOps probe_gpio = {
        .name = "gpio",
        .config = &gpio_config_section,
        .run = gpio_run,
        .plan = gpio_plan,
        .timeout_usec = 5 * USEC_PER_SEC,
};
