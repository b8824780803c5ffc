/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* [RootFS] in hwctl.conf: which mount to grow and how much of the medium to leave free. */
#pragma once

#include <stdint.h>

#include "config.h"

typedef struct RootfsSettings {
        char *mount;              /* Mount=, default "/" */
        uint64_t reserve_bytes;   /* Reserve= as a size */
        unsigned reserve_percent; /* Reserve= as a percentage */
} RootfsSettings;

extern const ConfigSection rootfs_config_section;
