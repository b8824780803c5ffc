/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one list of probes hwctld runs, in registration order. */
#include "probe.h"

extern const ProbeOps probe_rootfs, probe_gpio, probe_audio, probe_bluetooth, probe_network;

const ProbeOps *const probe_table[] = {
        &probe_rootfs, &probe_gpio, &probe_audio, &probe_bluetooth, &probe_network, NULL,
};

const ProbeOps *probe_find(const char *name)
{
        for (size_t i = 0; probe_table[i]; i++)
                if (streq(probe_table[i]->name, name))
                        return probe_table[i];
        return NULL;
}
