/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* [Network] in hwctl.conf: which links are uplinks, which kind is preferred, how long to wait
 * for IPv4. */
#pragma once

#include <stdint.h>

#include "config.h"

typedef struct NetworkSettings {
        char **uplinks;             /* Uplinks= */
        char **prefer;              /* Prefer=, default "wired wireless" */
        uint64_t ipv4_timeout_usec; /* IPv4TimeoutSec=, default 30 s */
} NetworkSettings;

extern const ConfigSection network_config_section;
