/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What speeds a UART to a Bluetooth controller runs at, and which one a wiring allows: the one
 * place that decides baud rates. The board says what is wired; this says what that allows. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"

/* The standard UART speeds, named as termios names them, for tables that state a fact in one. */
#define UART_B115200  115200U
#define UART_B230400  230400U
#define UART_B460800  460800U
#define UART_B921600  921600U
#define UART_B1000000 1000000U
#define UART_B1500000 1500000U
#define UART_B2000000 2000000U
#define UART_B3000000 3000000U
#define UART_B4000000 4000000U

/* Every Broadcom controller starts at this speed, and its patched firmware starts over at it. */
#define UART_SPEED_INIT UART_B115200
/* The BCM283x mini-UART divides the VPU clock, which does not hold its rate under load: above
 * this its baud rate drifts too far for the controller. */
#define UART_SPEED_MINI_MAX UART_B460800
/* Without RTS/CTS the controller's receive FIFO overruns above this (Raspberry Pi's hciattach
 * ran the Pi 3 B at "bcm43xx 921600 noflow"). */
#define UART_SPEED_NO_FLOW_MAX UART_B921600
/* With RTS/CTS: what the Raspberry Pi trees set as max-speed; above it btbcm has to switch the
 * controller's UART clock first ("BCM: failed to write clock" when that fails). */
#define UART_SPEED_FLOW_MAX UART_B3000000

/* The standard speeds as a person reads them, for messages and the Baud= expectation; a unit
 * test holds it equal to what uart_speed_is_standard() accepts. */
#define UART_SPEED_STANDARD_TEXT                                                                   \
        "115200 230400 460800 921600 1000000 1500000 2000000 3000000 4000000"

/* The most entries uart_speed_ladder() returns. */
#define UART_SPEED_LADDER_MAX 8

/* Whether baud is one of the standard UART speeds (what Baud= accepts). */
bool uart_speed_is_standard(uint64_t baud);

/* The next standard speed below baud, or UART_SPEED_INIT when there is none above it. */
uint32_t uart_speed_next_lower(uint32_t baud);

/* The speeds to try when target does not hold, best first: target itself, then the steps of
 * the step-down ladder below it, down to (not including) UART_SPEED_INIT. 0 entries for a target
 * at or below UART_SPEED_INIT. */
size_t uart_speed_ladder(uint32_t target, uint32_t ret[UART_SPEED_LADDER_MAX]);

/* The operating speed a wiring allows: kind is the UART, rtscts whether RTS/CTS connect it to
 * the controller end to end, board_max the board's own ceiling with flow control (0: none, the
 * flow-control ceiling applies). */
uint32_t uart_speed_for_wiring(UartKind kind, bool rtscts, uint32_t board_max);

/* Whether baud holds only with RTS/CTS, i.e. is above what runs without flow control. */
bool uart_speed_needs_flow_control(uint32_t baud);
