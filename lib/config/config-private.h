/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Config as the config core keeps it: [Daemon], then one slot per probe section. */
#pragma once

#include "config.h"
#include "probe.h"

typedef struct ConfigSectionData {
        const ProbeOps *probe;
        const ConfigSection *section;
        bool enabled;      /* Enable= */
        void *data;        /* section->size bytes, owned */
        uint64_t assigned; /* bit i: settings[i] was assigned since the load or its last reset */
} ConfigSectionData;

struct Config {
        unsigned n_ref;
        const ProbeOps *const *table;
        struct {
                char **probes;               /* Probes=: only these run; NULL means all */
                uint64_t probe_timeout_usec; /* ProbeTimeoutSec=: 0 means each probe's own */
        } daemon;
        uint64_t daemon_assigned; /* as ConfigSectionData.assigned, for [Daemon] */
        ConfigSectionData *sections;
        size_t n_sections;

        char **files; /* the files read, in order */
        ConfigProblem *problems;
        size_t n_problems;
};

/* The slot of the section named name ("Bluetooth"), or NULL. */
ConfigSectionData *config_find_section(const Config *c, const char *name);
