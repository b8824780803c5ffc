/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bluetooth probe's userspace path: hwctld brings the chip up on the tty itself and hands
 * the tty to the kernel's N_HCI line discipline. */
#pragma once

#include "bluetooth.h"

/* The tty for the userspace path: Device=, else the one the kernel made from the board's UART
 * node, else the name the UART's kind has on these boards. NULL when nothing names one. */
char *bt_userspace_device(const Board *b, const BluetoothSettings *s, const char *sys);

/* Whether to run with RTS/CTS: FlowControl=, else what the board's wiring allows. */
bool bt_userspace_flow_control(const Board *b, const BluetoothSettings *s);

/* The operating speed to bring the controller up at: Baud=, else what the wiring allows. */
uint32_t bt_userspace_baud(const Board *b, const BluetoothSettings *s, bool flow);

/* Fills in the userspace half of *j and starts the bring-up on a worker thread; on success the
 * job belongs to the worker (*j is NULL). Returns what probe_done()/probe_fail() return when the
 * path cannot start. */
int bt_userspace_start(ProbeContext *ctx, BtJob **j);
