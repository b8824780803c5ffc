/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The gpio probe, a placeholder until its issue lands: it says so instead of pretending. */
#include "probe.h"

/* [GPIO] has only Enable= so far. */
static const ConfigSetting gpio_settings[] = {{}};
static const ConfigSection gpio_config_section = {
        .name = "GPIO",
        .settings = gpio_settings,
};

const ProbeOps probe_gpio = {
        .name = "gpio",
        .config = &gpio_config_section,
        .run = probe_run_not_implemented,
        .plan = probe_plan_not_implemented,
        .timeout_usec = 5 * USEC_PER_SEC,
};
