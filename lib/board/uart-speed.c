/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The UART speed policy: the standard speeds, the ceilings, the step-down ladder. */
#include "uart-speed.h"
#include "util.h"

static const uint32_t standard_speeds[] = {
        UART_B115200,  UART_B230400,  UART_B460800,  UART_B921600,  UART_B1000000,
        UART_B1500000, UART_B2000000, UART_B3000000, UART_B4000000,
};

/* Where a bring-up steps down to when a speed does not hold, best first: the flow-control
 * ceiling, the Khadas boards' ceiling, then the no-flow and mini-UART ceilings. */
static const uint32_t ladder_steps[] = {
        UART_SPEED_FLOW_MAX,
        UART_B2000000,
        UART_SPEED_NO_FLOW_MAX,
        UART_SPEED_MINI_MAX,
};

bool uart_speed_is_standard(uint64_t baud)
{
        for (size_t i = 0; i < ELEMENTSOF(standard_speeds); i++)
                if (baud == standard_speeds[i])
                        return true;
        return false;
}

uint32_t uart_speed_next_lower(uint32_t baud)
{
        for (size_t i = ELEMENTSOF(standard_speeds); i > 1; i--)
                if (standard_speeds[i - 1] < baud)
                        return standard_speeds[i - 1];
        return UART_SPEED_INIT;
}

size_t uart_speed_ladder(uint32_t target, uint32_t ret[UART_SPEED_LADDER_MAX])
{
        bool listed = false;
        size_t n = 0;

        if (target <= UART_SPEED_INIT)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(ladder_steps); i++)
                listed = listed || ladder_steps[i] == target;
        if (!listed)
                ret[n++] = target;
        for (size_t i = 0; i < ELEMENTSOF(ladder_steps); i++)
                if (ladder_steps[i] <= target)
                        ret[n++] = ladder_steps[i];
        return n;
}

uint32_t uart_speed_for_wiring(UartKind kind, bool rtscts, uint32_t board_max)
{
        if (kind == UART_KIND_MINI)
                return UART_SPEED_MINI_MAX;
        if (!rtscts)
                return UART_SPEED_NO_FLOW_MAX;
        return board_max > 0 && board_max < UART_SPEED_FLOW_MAX ? board_max : UART_SPEED_FLOW_MAX;
}

bool uart_speed_needs_flow_control(uint32_t baud)
{
        return baud > UART_SPEED_NO_FLOW_MAX;
}
