/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The audio probe's settings: [Audio] in hwctl.conf. */
#pragma once

#include "config.h"

typedef struct AudioSettings {
        char *card;              /* Card=, NULL means choose */
        unsigned volume_percent; /* Volume=, default 80 */
} AudioSettings;

extern const ConfigSection audio_config_section;
