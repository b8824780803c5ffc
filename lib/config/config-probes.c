/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which configuration section belongs to which probe, and whether it lets the probe run. */
#include "config.h"
#include "util.h"

static const struct {
        const char *probe;
        const char *section;
} probe_sections[] = {
        {"rootfs", "RootFS"},       {"gpio", "GPIO"},       {"audio", "Audio"},
        {"bluetooth", "Bluetooth"}, {"network", "Network"},
};

const char *config_section_for_probe(const char *probe)
{
        for (size_t i = 0; i < ELEMENTSOF(probe_sections); i++)
                if (streq(probe_sections[i].probe, probe))
                        return probe_sections[i].section;
        return NULL;
}

bool config_probe_enabled(const Config *c, const char *probe)
{
        if (!c)
                return true;
        if (streq(probe, "rootfs"))
                return c->rootfs.enabled;
        if (streq(probe, "gpio"))
                return c->gpio.enabled;
        if (streq(probe, "audio"))
                return c->audio.enabled;
        if (streq(probe, "bluetooth"))
                return c->bluetooth.enabled;
        if (streq(probe, "network"))
                return c->network.enabled;
        return true;
}
