/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* HCI over H4 on a file descriptor (a tty, or a pty a test drives): commands out, events in. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bt-hci.h"
#include "util.h"

struct BtHci {
        int fd;
        uint8_t buf[1024];
        size_t n;
        uint8_t status;
        char error[200];
};

BtHci *bt_hci_free(BtHci *h)
{
        free(h);
        return NULL;
}

int bt_hci_new(int fd, BtHci **ret)
{
        BtHci *h;
        int flags;

        flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
                return -errno;
        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->fd = fd;
        *ret = h;
        return 0;
}

static int hci_fail(BtHci *h, int error, const char *fmt, ...) _printf_(3, 4);
static int hci_fail(BtHci *h, int error, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(h->error, sizeof(h->error), fmt, ap);
        va_end(ap);
        return -error;
}

const char *bt_hci_error(const BtHci *h)
{
        return h->error;
}

uint8_t bt_hci_status(const BtHci *h)
{
        return h->status;
}

void bt_hci_discard(BtHci *h)
{
        h->n = 0;
}

static int wait_fd(int fd, short events, uint64_t deadline)
{
        struct pollfd p = {.fd = fd, .events = events};
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        int r;

        if (now >= deadline)
                return -ETIMEDOUT;
        r = poll(&p, 1, (int)((deadline - now + 999) / 1000));
        if (r < 0)
                return errno == EINTR ? 0 : -errno;
        if (r == 0)
                return -ETIMEDOUT;
        if (p.revents & (POLLERR | POLLNVAL))
                return -EIO;
        return 0;
}

int bt_hci_send(BtHci *h, uint16_t opcode, const void *params, size_t len, uint64_t deadline)
{
        uint8_t pkt[4 + 255];
        size_t off = 0;
        int r;

        if (len > 255)
                return -EINVAL;
        pkt[0] = BT_H4_COMMAND;
        pkt[1] = opcode & 0xff;
        pkt[2] = opcode >> 8;
        pkt[3] = (uint8_t)len;
        if (len)
                memcpy(pkt + 4, params, len);
        while (off < 4 + len) {
                ssize_t k = write(h->fd, pkt + off, 4 + len - off);

                if (k > 0) {
                        off += (size_t)k;
                        continue;
                }
                if (k < 0 && errno != EAGAIN && errno != EINTR)
                        return hci_fail(h, errno, "writing command 0x%04x failed: %s", opcode,
                                        strerror(errno));
                r = wait_fd(h->fd, POLLOUT, deadline);
                if (r == -ETIMEDOUT)
                        return hci_fail(h, ETIMEDOUT,
                                        "command 0x%04x tx timeout: the UART could not send it "
                                        "(%zu of %zu bytes out)",
                                        opcode, off, 4 + len);
                if (r < 0)
                        return hci_fail(h, -r, "the line is gone while sending 0x%04x", opcode);
        }
        return 0;
}

/* Takes one event from the buffer: 1 when taken, 0 when more bytes are needed. */
static int take_event(BtHci *h, BtHciEvent *ret)
{
        size_t total;

        if (h->n == 0)
                return 0;
        if (h->buf[0] != BT_H4_EVENT) {
                uint8_t b = h->buf[0];
                size_t n = h->n;

                h->n = 0;
                return hci_fail(h, EBADMSG,
                                "received byte 0x%02x where an HCI event (0x04) should start (%zu "
                                "unparsable bytes): the two sides are not at the same speed, or "
                                "the line is noisy",
                                b, n);
        }
        if (h->n < 3)
                return 0;
        total = 3 + (size_t)h->buf[2];
        if (h->n < total)
                return 0;
        ret->code = h->buf[1];
        ret->len = h->buf[2];
        memcpy(ret->params, h->buf + 3, ret->len);
        memmove(h->buf, h->buf + total, h->n - total);
        h->n -= total;
        return 1;
}

int bt_hci_read_event(BtHci *h, uint64_t deadline, BtHciEvent *ret)
{
        for (;;) {
                ssize_t k;
                int r;

                r = take_event(h, ret);
                if (r != 0)
                        return r < 0 ? r : 0;

                /* Wait first: right after a command the answer is still on the wire, and a read
                 * that says EAGAIN is a system call taken from whoever sends it. */
                r = wait_fd(h->fd, POLLIN, deadline);
                if (r == -ETIMEDOUT) {
                        if (h->n > 0) {
                                size_t n = h->n;

                                h->n = 0;
                                return hci_fail(h, EBADMSG,
                                                "an HCI event was cut short: %zu of %u bytes came "
                                                "before the deadline",
                                                n, n >= 3 ? 3u + h->buf[2] : 3u);
                        }
                        return hci_fail(h, ETIMEDOUT, "no answer before the deadline");
                }
                if (r < 0)
                        return hci_fail(h, -r, "the line is gone (%s)", strerror(-r));

                k = read(h->fd, h->buf + h->n, sizeof(h->buf) - h->n);
                if (k > 0) {
                        h->n += (size_t)k;
                        continue;
                }
                if (k == 0 || (errno != EAGAIN && errno != EINTR))
                        return hci_fail(h, EIO, "the line is gone (%s)",
                                        k == 0 ? "end of file" : strerror(errno));
        }
}

/* Whether ev answers opcode; -EBADMSG when it is a malformed completion. */
static int event_answers(BtHci *h, const BtHciEvent *ev, uint16_t opcode)
{
        if (ev->code == BT_EVT_COMMAND_COMPLETE) {
                if (ev->len < 3)
                        return hci_fail(h, EBADMSG,
                                        "a Command Complete event of %u bytes is too short",
                                        ev->len);
                return (uint16_t)(ev->params[1] | ev->params[2] << 8) == opcode;
        }
        if (ev->code == BT_EVT_COMMAND_STATUS) {
                if (ev->len != 4)
                        return hci_fail(h, EBADMSG,
                                        "a Command Status event has %u bytes instead of 4",
                                        ev->len);
                return (uint16_t)(ev->params[2] | ev->params[3] << 8) == opcode;
        }
        return 0;
}

int bt_hci_command(BtHci *h, uint16_t opcode, const void *params, size_t len, uint64_t timeout_usec,
                   void *ret_params, size_t ret_size)
{
        uint64_t deadline = now_usec(CLOCK_MONOTONIC) + timeout_usec;
        BtHciEvent ev;
        int r;

        h->error[0] = 0;
        h->status = 0;
        r = bt_hci_send(h, opcode, params, len, deadline);
        if (r < 0)
                return r;
        for (;;) {
                size_t n;

                r = bt_hci_read_event(h, deadline, &ev);
                if (r < 0)
                        return r;
                if (ev.code == BT_EVT_HARDWARE_ERROR)
                        return hci_fail(h, EIO, "the controller reported a hardware error (0x%02x)",
                                        ev.len >= 1 ? ev.params[0] : 0);
                r = event_answers(h, &ev, opcode);
                if (r < 0)
                        return r;
                if (r == 0)
                        continue; /* another event, or a late answer to an earlier command */

                if (ev.code == BT_EVT_COMMAND_STATUS) {
                        h->status = ev.params[0];
                        if (h->status != 0)
                                return hci_fail(h, EREMOTEIO,
                                                "command 0x%04x failed with status 0x%02x", opcode,
                                                h->status);
                        return 0;
                }
                if (ev.len < 4)
                        return hci_fail(h, EBADMSG,
                                        "the Command Complete for 0x%04x has no status byte",
                                        opcode);
                h->status = ev.params[3];
                if (h->status != 0)
                        return hci_fail(h, EREMOTEIO, "command 0x%04x failed with status 0x%02x",
                                        opcode, h->status);
                n = (size_t)ev.len - 4;
                if (n > ret_size)
                        return hci_fail(h, EBADMSG,
                                        "the answer to 0x%04x has %zu bytes where at most %zu "
                                        "belong",
                                        opcode, n, ret_size);
                if (n > 0)
                        memcpy(ret_params, ev.params + 4, n);
                return (int)n;
        }
}

int bt_hci_wait_for(BtHci *h, uint16_t opcode, uint64_t deadline)
{
        BtHciEvent ev;

        for (;;) {
                int r = bt_hci_read_event(h, deadline, &ev);

                if (r < 0)
                        return r;
                if (event_answers(h, &ev, opcode) > 0)
                        return 0;
        }
}
