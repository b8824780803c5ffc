/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What UART speeds exist and which one a wiring allows: the one place that decides baud rates. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Every Broadcom controller starts at this speed, and goes back to it after a patch. */
#define BT_SPEED_INIT 115200U

/* Whether baud is one of the standard UART speeds Baud= accepts. */
bool bt_speed_is_standard(uint64_t baud);
