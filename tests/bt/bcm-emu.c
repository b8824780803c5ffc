/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An emulated Broadcom UART Bluetooth controller on the master side of a pty (or a socket). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bcm-emu.h"
#include "bt-hcd.h"
#include "bt-tty.h"
#include "util.h"

#define LAUNCH_DEAF_USEC (200 * USEC_PER_MSEC)

static const struct {
        const char *chip;
        uint16_t subversion, rom_build, patched_build;
        uint8_t bdaddr[6];
        uint8_t hci_version;
} chips[] = {
        {"BCM43430A1", 0x2209, 0x0000, 0x01b0, {0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa}, 7},
        {"BCM43430B0", 0x410c, 0x0000, 0x0120, {0x43, 0x43, 0xb0, 0x00, 0x1f, 0xac}, 9},
        {"BCM4345C0", 0x6119, 0x0000, 0x0172, {0x43, 0x45, 0xc0, 0x00, 0x1f, 0xac}, 9},
        {"BCM4345C5", 0x6606, 0x0000, 0x03a5, {0x43, 0x45, 0xc5, 0x00, 0x1f, 0xac}, 9},
};

typedef struct Emu {
        int fd;
        const BcmEmuConfig *c;
        unsigned chip;
        BtHcd *hcd;
        uint32_t speed;
        bool tty;
        bool downloading;
        size_t record;
        uint16_t build;
        uint64_t launched_at;
        uint64_t overrun_count;
        uint8_t rx[1024];
        size_t n;
        BcmEmuStats st;
} Emu;

static void sleep_usec(uint64_t usec)
{
        struct timespec ts = {.tv_sec = (time_t)(usec / USEC_PER_SEC),
                              .tv_nsec = (long)(usec % USEC_PER_SEC) * 1000};

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static void pace(Emu *e, size_t bytes)
{
        if (!e->c->no_pacing && e->tty)
                sleep_usec((uint64_t)bytes * 10 * USEC_PER_SEC / e->speed);
}

/* What the host's side is set to; a socket always matches. */
static void host_side(Emu *e, uint32_t *speed, bool *rtscts)
{
        if (!e->tty || bt_tty_get(e->fd, speed, rtscts) < 0) {
                *speed = e->speed;
                *rtscts = false;
        }
}

static void write_all(Emu *e, const uint8_t *p, size_t n)
{
        while (n > 0) {
                ssize_t k = write(e->fd, p, n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0 && errno == EAGAIN) {
                        poll(&(struct pollfd){.fd = e->fd, .events = POLLOUT}, 1, 10);
                        continue;
                }
                if (k <= 0)
                        return;
                p += k;
                n -= (size_t)k;
        }
}

/* Sends an event at the chip's speed: a host at another speed receives only noise. */
static void send_event(Emu *e, uint8_t code, const uint8_t *params, size_t len, size_t cut)
{
        uint8_t pkt[3 + 255 + 16];
        uint32_t speed;
        bool rtscts;
        size_t n = 3 + len;

        if (e->c->faults & BCM_EMU_SILENT)
                return;
        if (e->c->faults & BCM_EMU_LATE)
                sleep_usec(e->c->late_usec);
        pkt[0] = 0x04;
        pkt[1] = code;
        pkt[2] = (uint8_t)len;
        memcpy(pkt + 3, params, len);
        if (cut)
                n = cut;
        pace(e, n);
        host_side(e, &speed, &rtscts);
        if (speed != e->speed) {
                /* A receiver at the wrong speed sees framing errors: fewer bytes, none sane. */
                size_t g = speed > e->speed ? n : n * speed / e->speed + 1;

                memset(pkt, 0xf8, g);
                n = g;
        }
        write_all(e, pkt, n);
}

static void complete(Emu *e, uint16_t op, uint8_t status, const uint8_t *ret, size_t len)
{
        uint8_t p[255];

        p[0] = 1;
        p[1] = op & 0xff;
        p[2] = op >> 8;
        p[3] = status;
        if (len)
                memcpy(p + 4, ret, len);
        send_event(e, 0x0e, p, 4 + len, 0);
}

static void read_version(Emu *e, uint16_t op)
{
        uint8_t p[4 + 8 + 8] = {1, op & 0xff, op >> 8, 0};
        uint16_t sub = chips[e->chip].subversion, rev = (uint16_t)(0x1000 | e->build);

        p[4] = chips[e->chip].hci_version;
        p[5] = rev & 0xff;
        p[6] = rev >> 8;
        p[7] = chips[e->chip].hci_version;
        p[8] = 0x0f; /* Broadcom */
        p[9] = 0x00;
        p[10] = sub & 0xff;
        p[11] = sub >> 8;
        if (e->c->faults & BCM_EMU_OVERSIZED)
                send_event(e, 0x0e, p, sizeof(p), 0);
        else if (e->c->faults & BCM_EMU_TRUNCATED)
                send_event(e, 0x0e, p, 12, 3 + 7); /* the header promises 12, 7 come */
        else
                send_event(e, 0x0e, p, 12, 0);
}

static void patch_record(Emu *e, uint16_t op, const uint8_t *par, uint8_t len)
{
        const BtHcdRecord *want = NULL;

        if (!e->downloading) {
                complete(e, op, 0x0c, NULL, 0); /* command disallowed */
                return;
        }
        if (e->hcd) {
                if (e->record < e->hcd->n_records)
                        want = &e->hcd->records[e->record];
                if (!want || want->opcode != op || want->len != len ||
                    memcmp(want->params, par, len) != 0)
                        e->st.patch_mismatch = true;
                else
                        e->st.records_ok++;
        } else
                e->st.records_ok++;
        e->record++;
        complete(e, op, 0, NULL, 0);
        if (op == BT_HCD_OP_LAUNCH_RAM) {
                e->st.patch_ok =
                        !e->st.patch_mismatch && (!e->hcd || e->st.records_ok == e->hcd->n_records);
                e->downloading = false;
                e->speed = 115200; /* the new firmware starts over */
                e->build = chips[e->chip].patched_build;
                e->launched_at = now_usec(CLOCK_MONOTONIC);
        }
}

static void command(Emu *e, uint16_t op, const uint8_t *par, uint8_t len)
{
        static const uint8_t features[8] = {0xbf, 0xfe, 0xcf, 0xfe, 0xdb, 0xff, 0x7b, 0x87};
        uint8_t r[248] = {};

        e->st.commands++;
        switch (op) {
        case 0x0c03: /* Reset */
                if (e->launched_at && now_usec(CLOCK_MONOTONIC) < e->launched_at + LAUNCH_DEAF_USEC)
                        return;
                e->downloading = false;
                complete(e, op, 0, NULL, 0);
                return;
        case 0x1001:
                read_version(e, op);
                return;
        case 0x0c14:
                snprintf((char *)r, sizeof(r), "%s", chips[e->chip].chip);
                complete(e, op, 0, r, 248);
                return;
        case 0x1009:
                for (int i = 0; i < 6; i++)
                        r[i] = e->st.bdaddr[5 - i];
                complete(e, op, 0, r, 6);
                return;
        case 0x1003:
                complete(e, op, 0, features, 8);
                return;
        case 0x1002:
                memset(r, 0xff, 64);
                complete(e, op, 0, r, 64);
                return;
        case 0x1005: {
                const uint8_t buf[7] = {0xfd, 0x03, 0x40, 0x08, 0x00, 0x01, 0x00};

                complete(e, op, 0, buf, 7);
                return;
        }
        case 0xfc01:
                if (len != 6) {
                        complete(e, op, 0x12, NULL, 0);
                        return;
                }
                for (int i = 0; i < 6; i++)
                        e->st.bdaddr[i] = par[5 - i];
                complete(e, op, 0, NULL, 0);
                return;
        case 0xfc18:
                if (len != 6) {
                        complete(e, op, 0x12, NULL, 0);
                        return;
                }
                if (e->c->faults & BCM_EMU_IGNORE_BAUD)
                        return;
                complete(e, op, 0, NULL, 0); /* at the old speed, then the switch */
                if (!(e->c->faults & BCM_EMU_ONLY_115200)) {
                        e->speed = (uint32_t)par[2] | (uint32_t)par[3] << 8 |
                                   (uint32_t)par[4] << 16 | (uint32_t)par[5] << 24;
                        e->st.baud_changes++;
                }
                return;
        case 0xfc2e:
                e->downloading = true;
                e->st.downloads++;
                e->record = 0;
                e->st.records_ok = 0;
                e->st.patch_mismatch = false;
                complete(e, op, 0, NULL, 0);
                return;
        case BT_HCD_OP_WRITE_RAM:
        case BT_HCD_OP_LAUNCH_RAM:
                patch_record(e, op, par, len);
                return;
        default:
                complete(e, op, 0x01, NULL, 0); /* unknown command */
        }
}

static void parse(Emu *e)
{
        for (;;) {
                size_t total;

                while (e->n > 0 && e->rx[0] != 0x01) { /* not a command: resynchronise */
                        memmove(e->rx, e->rx + 1, --e->n);
                }
                if (e->n < 4)
                        return;
                total = 4 + (size_t)e->rx[3];
                if (e->n < total)
                        return;
                command(e, (uint16_t)(e->rx[1] | e->rx[2] << 8), e->rx + 4, e->rx[3]);
                memmove(e->rx, e->rx + total, e->n - total);
                e->n -= total;
        }
}

unsigned bcm_emu_fault_from_string(const char *s)
{
        static const char *const names[] = {"silent",  "ignore-baud", "no-cts",    "only-115200",
                                            "overrun", "truncated",   "oversized", "late"};

        for (unsigned i = 0; i < ELEMENTSOF(names); i++)
                if (streq(s, names[i]))
                        return 1u << i;
        return 0;
}

int bcm_emu_serve(int fd, const BcmEmuConfig *c, volatile bool *stop, BcmEmuStats *ret_stats)
{
        Emu e = {.fd = fd, .c = c, .speed = 115200};
        uint32_t speed;
        bool rtscts;
        int r;

        e.chip = ELEMENTSOF(chips);
        for (unsigned i = 0; i < ELEMENTSOF(chips); i++)
                if (streq(c->chip, chips[i].chip))
                        e.chip = i;
        if (e.chip == ELEMENTSOF(chips))
                return -EINVAL;
        if (c->hcd_path) {
                r = bt_hcd_load(c->hcd_path, &e.hcd, NULL);
                if (r < 0)
                        return r;
        }
        memcpy(e.st.bdaddr, chips[e.chip].bdaddr, 6);
        e.build = chips[e.chip].rom_build;
        e.tty = bt_tty_get(fd, &speed, &rtscts) >= 0;

        while (!*stop) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                uint8_t buf[256];
                ssize_t k;

                host_side(&e, &speed, &rtscts);
                if ((c->faults & BCM_EMU_NO_CTS) && rtscts) {
                        sleep_usec(2 * USEC_PER_MSEC); /* our RTS never lets the host send */
                        continue;
                }
                r = poll(&p, 1, 10);
                if (r <= 0 || !(p.revents & POLLIN)) {
                        if (r > 0 && (p.revents & (POLLHUP | POLLERR)))
                                sleep_usec(2 * USEC_PER_MSEC); /* no slave open right now */
                        continue;
                }
                /* Small reads at low speed, so pacing stays close to the wire. */
                k = read(fd, buf, speed <= 115200 ? 64 : sizeof(buf));
                if (k <= 0) {
                        if (k < 0 && (errno == EAGAIN || errno == EINTR || errno == EIO))
                                continue;
                        break;
                }
                e.st.bytes_received += (uint64_t)k;
                host_side(&e, &speed, &rtscts);
                pace(&e, (size_t)k);
                if (c->faults & BCM_EMU_SILENT)
                        continue;
                if (speed != e.speed) {
                        e.st.garbage_received += (uint64_t)k;
                        e.n = 0;
                        continue;
                }
                for (ssize_t i = 0; i < k; i++) {
                        if ((c->faults & BCM_EMU_OVERRUN) && e.downloading && e.speed > 115200 &&
                            ++e.overrun_count % 1000 == 0) {
                                e.st.dropped++;
                                continue;
                        }
                        if (e.n < sizeof(e.rx))
                                e.rx[e.n++] = buf[i];
                }
                parse(&e);
        }
        e.st.baud = e.speed;
        if (ret_stats)
                *ret_stats = e.st;
        bt_hcd_free(e.hcd);
        return 0;
}

struct BcmEmu {
        pthread_t thread;
        int fd;
        BcmEmuConfig c;
        volatile bool stop;
        BcmEmuStats st;
        int r;
};

static void *emu_thread(void *userdata)
{
        BcmEmu *e = userdata;

        e->r = bcm_emu_serve(e->fd, &e->c, &e->stop, &e->st);
        return NULL;
}

int bcm_emu_start(int fd, const BcmEmuConfig *c, BcmEmu **ret)
{
        BcmEmu *e = calloc(1, sizeof(*e));
        int r;

        if (!e)
                return -ENOMEM;
        e->fd = fd;
        e->c = *c;
        r = pthread_create(&e->thread, NULL, emu_thread, e);
        if (r != 0) {
                free(e);
                return -r;
        }
        *ret = e;
        return 0;
}

void bcm_emu_stop(BcmEmu *e, BcmEmuStats *ret_stats)
{
        if (!e)
                return;
        e->stop = true;
        pthread_join(e->thread, NULL);
        if (ret_stats)
                *ret_stats = e->st;
        free(e);
}
