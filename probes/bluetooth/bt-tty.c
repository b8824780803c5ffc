/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Raw serial settings for a Bluetooth UART: any baud rate (termios2/BOTHER), RTS/CTS on or off. */
/* The kernel's termios2 is used directly: glibc's <termios.h> cannot name 3000000 on every
 * architecture, and the two headers cannot be mixed, so this file includes only the kernel's. */
#include <asm/termbits.h>
#include <errno.h>
#include <sys/ioctl.h>

#include "bt-tty.h"

static int tty_get2(int fd, struct termios2 *t)
{
        if (ioctl(fd, TCGETS2, t) < 0)
                return -errno;
        return 0;
}

static int tty_set2(int fd, const struct termios2 *t)
{
        if (ioctl(fd, TCSETS2, t) < 0)
                return -errno;
        return 0;
}

static void tty_speed(struct termios2 *t, uint32_t baud)
{
        t->c_cflag &= ~(CBAUD | (CBAUD << IBSHIFT));
        t->c_cflag |= BOTHER | (BOTHER << IBSHIFT);
        t->c_ispeed = baud;
        t->c_ospeed = baud;
}

int bt_tty_configure(int fd, uint32_t baud, bool flow_control)
{
        struct termios2 t;
        int r;

        if (baud == 0)
                return -EINVAL;
        r = tty_get2(fd, &t);
        if (r < 0)
                return r;
        /* What cfmakeraw() does, plus a local line that never hangs up on modem signals. */
        t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXOFF);
        t.c_oflag &= ~OPOST;
        t.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
        t.c_cflag &= ~(CSIZE | PARENB | CSTOPB | HUPCL);
        t.c_cflag |= CS8 | CLOCAL | CREAD;
        if (flow_control)
                t.c_cflag |= CRTSCTS;
        else
                t.c_cflag &= ~CRTSCTS;
        t.c_cc[VMIN] = 1;
        t.c_cc[VTIME] = 0;
        tty_speed(&t, baud);
        return tty_set2(fd, &t);
}

int bt_tty_set_speed(int fd, uint32_t baud)
{
        struct termios2 t;
        int r;

        if (baud == 0)
                return -EINVAL;
        r = tty_get2(fd, &t);
        if (r < 0)
                return r;
        tty_speed(&t, baud);
        return tty_set2(fd, &t);
}

int bt_tty_set_flow_control(int fd, bool flow_control)
{
        struct termios2 t;
        int r;

        r = tty_get2(fd, &t);
        if (r < 0)
                return r;
        if (flow_control)
                t.c_cflag |= CRTSCTS;
        else
                t.c_cflag &= ~CRTSCTS;
        return tty_set2(fd, &t);
}

int bt_tty_get(int fd, uint32_t *ret_baud, bool *ret_flow_control)
{
        struct termios2 t;
        int r;

        r = tty_get2(fd, &t);
        if (r < 0)
                return r;
        if (ret_baud)
                *ret_baud = t.c_ospeed;
        if (ret_flow_control)
                *ret_flow_control = t.c_cflag & CRTSCTS;
        return 0;
}

int bt_tty_flush(int fd)
{
        if (ioctl(fd, TCFLSH, TCIOFLUSH) < 0)
                return -errno;
        return 0;
}
