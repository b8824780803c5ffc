/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Raw serial settings for a Bluetooth UART: any baud rate (termios2/BOTHER), RTS/CTS on or off. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Raw 8N1, CLOCAL, receiver on, the given speed, RTS/CTS as asked. */
int bt_tty_configure(int fd, uint32_t baud, bool flow_control);
/* Changes the speed only (both directions), without waiting for output to drain. */
int bt_tty_set_speed(int fd, uint32_t baud);
int bt_tty_set_flow_control(int fd, bool flow_control);
/* The speed and RTS/CTS setting of the tty; on a pty master, those of its slave. */
int bt_tty_get(int fd, uint32_t *ret_baud, bool *ret_flow_control);
/* Drops bytes not yet read and not yet sent. */
int bt_tty_flush(int fd);
