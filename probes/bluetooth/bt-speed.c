/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* UART speeds: the standard ones, and the one a wiring allows. */
#include "bt-speed.h"
#include "util.h"

static const uint32_t standard_speeds[] = {
        115200, 230400, 460800, 921600, 1000000, 1500000, 2000000, 3000000, 4000000,
};

bool bt_speed_is_standard(uint64_t baud)
{
        for (size_t i = 0; i < ELEMENTSOF(standard_speeds); i++)
                if (baud == standard_speeds[i])
                        return true;
        return false;
}
