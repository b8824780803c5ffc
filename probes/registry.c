/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one list of probes hwctld runs, in registration order. Adding a probe is a folder under
 * probes/ and its name here (docs/PROBES.md). */
#include "probe.h"

#define HWCTL_PROBES(X) X(rootfs) X(gpio) X(audio) X(bluetooth) X(network)

#define DECLARE(name) extern const ProbeOps probe_##name;
#define ENTRY(name)   &probe_##name,
HWCTL_PROBES(DECLARE)

const ProbeOps *const probe_table[] = {HWCTL_PROBES(ENTRY) NULL};

const ProbeOps *probe_find(const char *name)
{
        for (size_t i = 0; name && probe_table[i]; i++)
                if (streq(probe_table[i]->name, name))
                        return probe_table[i];
        return NULL;
}
