/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An emulated Broadcom UART Bluetooth controller on the master side of a pty (or a socket). */
/* It answers what Linux 6.1 sends (hci_bcm + btbcm setup, then hci_sync's init stages) and what
 * hwctld, btattach and hciattach send, with the return-parameter lengths of the spec. Values are
 * from real Raspberry Pi controllers where a capture of them was at hand (marked "seen"), else
 * plausible for the chip (marked "assumed"). Every command it answers is listed in its Read Local
 * Supported Commands, and only those: anything else gets "Unknown HCI Command", as on a chip. */
#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "bcm-emu.h"
#include "bt-hcd.h"
#include "bt-tty.h"
#include "util.h"

#define LAUNCH_DEAF_USEC (200 * USEC_PER_MSEC)
/* An answer later than its model by more than this counts as late in the statistics. */
#define EMU_LATE_SLACK_USEC 100
#define NAME_LEN            248

/* HCI status codes. */
#define ST_OK              0x00
#define ST_UNKNOWN_COMMAND 0x01
#define ST_DISALLOWED      0x0c
#define ST_INVALID_PARAMS  0x12

/* LE features octet 0: encryption, connection parameters request, extended reject, peripheral
 * features exchange, ping (the Bluetooth 4.1 set), data length extension (4.2). */
#define LE_41  0x1f
#define LE_DLE 0x20

static const struct {
        const char *chip;
        uint16_t subversion, rom_build, patched_build; /* the ROM's build is 0 on these */
        uint8_t bdaddr[6];
        uint8_t hci_version;
        uint8_t chip_id;      /* Read Verbose Config (0xfc79); btbcm logs "BCM: chip id N" */
        uint8_t bcm_features; /* Read Controller Features (0xfc6e); "BCM: features 0x.." */
        uint8_t le_features;
} chips[] = {
        /* Pi 3B / Zero W: chip id 94, features 0x2e, HCI 4.1 seen. */
        {.chip = "BCM43430A1",
         .subversion = 0x2209,
         .patched_build = 0x01b0,
         .bdaddr = {0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa},
         .hci_version = 7,
         .chip_id = 94,
         .bcm_features = 0x2e,
         .le_features = LE_41},
        /* Zero 2 W: chip id and features assumed. */
        {.chip = "BCM43430B0",
         .subversion = 0x410c,
         .patched_build = 0x0120,
         .bdaddr = {0x43, 0x43, 0xb0, 0x00, 0x1f, 0xac},
         .hci_version = 9,
         .chip_id = 145,
         .bcm_features = 0x2f,
         .le_features = LE_41 | LE_DLE},
        /* Pi 3B+ / 4 / 400: chip id 107, features 0x2f seen. */
        {.chip = "BCM4345C0",
         .subversion = 0x6119,
         .patched_build = 0x0172,
         .bdaddr = {0x43, 0x45, 0xc0, 0x00, 0x1f, 0xac},
         .hci_version = 9,
         .chip_id = 107,
         .bcm_features = 0x2f,
         .le_features = LE_41 | LE_DLE},
        /* CM4 / Pi 400 / AP6256: chip id and features assumed. */
        {.chip = "BCM4345C5",
         .subversion = 0x6606,
         .patched_build = 0x03a5,
         .bdaddr = {0x43, 0x45, 0xc5, 0x00, 0x1f, 0xac},
         .hci_version = 9,
         .chip_id = 124,
         .bcm_features = 0x2f,
         .le_features = LE_41 | LE_DLE},
};

/* LMP features page 0 of a Pi 3B's BCM43430A1 (seen), assumed for the later chips too. */
static const uint8_t lmp_features[8] = {0xbf, 0xfe, 0xcf, 0xfe, 0xdb, 0xff, 0x7b, 0x87};
#define HOST_SSP 0x01 /* page 1, the host's own features as the host wrote them */
#define HOST_LE  0x02
#define HOST_SIM 0x04

/* What HCI Reset puts back; the patch, the address and the UART speed survive it. */
typedef struct Settings {
        char name[NAME_LEN];
        uint8_t host_features;
        uint8_t scan_enable, auth_enable, inquiry_mode, page_scan_type, ssp_mode, err_reporting;
        uint8_t class_of_device[3];
        uint16_t voice_setting, page_scan_interval, page_scan_window, link_policy;
        uint16_t inquiry_scan_interval, inquiry_scan_window;
        uint16_t le_tx_octets, le_tx_time;
} Settings;

typedef struct Emu {
        int fd;
        const BcmEmuConfig *c;
        unsigned chip;
        BtHcd *hcd;
        uint32_t speed;
        bool tty;
        bool trace;
        bool timing; /* BCM_EMU_TIMING=1: when each command came and each answer went */
        uint64_t started_at, turn_usec;
        bool downloading;
        size_t record;
        uint16_t build;
        uint64_t launched_at;
        uint64_t overrun_count;
        /* The wire and the chip's clock (CLOCK_MONOTONIC): when the last byte read so far had
         * finished arriving at the line's speed, when the last answer's last byte is out, and
         * when that answer was written, where the host's turn begins. */
        uint64_t rx_done, tx_done, answered_at;
        char default_name[NAME_LEN]; /* the ROM's, then the one the patch's config carries */
        char patch_name[NAME_LEN];   /* that one, while the patch is still coming */
        uint8_t pcm[5];              /* PCM interface parameters, all 0 until written */
        Settings set;
        uint8_t commands[64];
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

static uint64_t max_u64(uint64_t a, uint64_t b)
{
        return a > b ? a : b;
}

static void sleep_until(uint64_t usec)
{
        struct timespec ts = {.tv_sec = (time_t)(usec / USEC_PER_SEC),
                              .tv_nsec = (long)(usec % USEC_PER_SEC) * 1000};

        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
                ;
}

static bool paced(const Emu *e)
{
        return !e->c->no_pacing && e->tty;
}

/* How long bytes take on the wire at the chip's speed: 10 bits each (8N1). */
static uint64_t wire_usec(const Emu *e, size_t bytes)
{
        return (uint64_t)bytes * 10 * USEC_PER_SEC / e->speed;
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

/* Holds an answer of n bytes until its last byte would reach the host over a real wire: it
 * starts latency_usec after the command's last byte arrived (the chip's own work), or when the
 * answer before it is out; time this emulator spent beyond that (a slow machine, TCG) is
 * counted as lateness, so a figure taken on it says whether the chip kept to its model. */
static void schedule(Emu *e, size_t n)
{
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        uint64_t start = max_u64(e->rx_done + e->c->latency_usec, e->tx_done);

        if (e->c->faults & BCM_EMU_LATE)
                start += e->c->late_usec;
        if (now > start) {
                uint64_t late = now - start;

                e->st.late_answers += late > EMU_LATE_SLACK_USEC;
                e->st.late_usec += late;
                e->st.late_usec_max = max_u64(e->st.late_usec_max, late);
                if (e->timing && late > EMU_LATE_SLACK_USEC)
                        fprintf(stderr, "bcm-emu: this answer is %.3f ms later than the model\n",
                                (double)late / 1000.0);
                start = now;
        }
        e->tx_done = start + wire_usec(e, n);
        sleep_until(e->tx_done);
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
        if ((e->c->faults & BCM_EMU_LATE) && !paced(e))
                sleep_usec(e->c->late_usec);
        pkt[0] = 0x04;
        pkt[1] = code;
        pkt[2] = (uint8_t)len;
        memcpy(pkt + 3, params, len);
        if (cut)
                n = cut;
        if (paced(e))
                schedule(e, n);
        host_side(e, &speed, &rtscts);
        if (speed != e->speed) {
                /* A receiver at the wrong speed sees framing errors: fewer bytes, none sane. */
                size_t g = speed > e->speed ? n : n * speed / e->speed + 1;

                memset(pkt, 0xf8, g);
                n = g;
        }
        write_all(e, pkt, n);
        e->answered_at = now_usec(CLOCK_MONOTONIC);
}

/* Command Complete: one more command may come, the opcode, the status, the return parameters. */
static void complete(Emu *e, uint16_t op, uint8_t status, const uint8_t *ret, size_t len)
{
        uint8_t p[255];

        assert(len <= sizeof(p) - 4);
        p[0] = 1;
        p[1] = op & 0xff;
        p[2] = op >> 8;
        p[3] = status;
        if (len)
                memcpy(p + 4, ret, len);
        if (e->trace)
                fprintf(stderr, "bcm-emu: 0x%04x -> status 0x%02x, %zu return bytes\n", op, status,
                        len);
        send_event(e, 0x0e, p, 4 + len, 0);
}

static void put16(uint8_t *p, uint16_t v)
{
        p[0] = v & 0xff;
        p[1] = v >> 8;
}

static void settings_reset(Emu *e)
{
        e->set = (Settings){
                .voice_setting = 0x0060,      /* seen */
                .page_scan_interval = 0x0800, /* the spec's defaults: 1.28 s, 11.25 ms */
                .page_scan_window = 0x0012,
                .inquiry_scan_interval = 0x1000, /* 2.56 s, 11.25 ms */
                .inquiry_scan_window = 0x0012,
                .le_tx_octets = 27, /* the 4.0 packet, until the host asks for more */
                .le_tx_time = 328,
        };
        memcpy(e->set.name, e->default_name, NAME_LEN);
}

/* --- Broadcom vendor commands and the patch download --- */

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
        if (e->trace)
                fprintf(stderr, "bcm-emu: 0x%04x -> version%s\n", op,
                        e->c->faults & (BCM_EMU_OVERSIZED | BCM_EMU_TRUNCATED) ? " (faulty)" : "");
        if (e->c->faults & BCM_EMU_OVERSIZED)
                send_event(e, 0x0e, p, sizeof(p), 0);
        else if (e->c->faults & BCM_EMU_TRUNCATED)
                send_event(e, 0x0e, p, 12, 3 + 7); /* the header promises 12, 7 come */
        else
                send_event(e, 0x0e, p, 12, 0);
}

/* The patched firmware names itself after the configuration the patch carries: a "BRCMcfgD"
 * block whose first entry (tag 0x0303) is the name, e.g. "BCM43455 37.4MHz Raspberry Pi 3+-0187".
 */
static void name_from_patch(Emu *e, const uint8_t *par, uint8_t len)
{
        static const char magic[] = "BRCMcfgD";
        const uint8_t *p = memmem(par, len, magic, sizeof(magic) - 1);
        size_t left, n;

        if (!p)
                return;
        p += sizeof(magic) - 1 + 8; /* reserved, total length */
        left = (size_t)(par + len - p);
        if (left < 3 || p[0] != 0x03 || p[1] != 0x03)
                return;
        n = p[2];
        if (n == 0 || n > left - 3 || n >= NAME_LEN)
                return;
        memset(e->patch_name, 0, NAME_LEN);
        memcpy(e->patch_name, p + 3, n);
}

static void patch_record(Emu *e, uint16_t op, const uint8_t *par, uint8_t len)
{
        const BtHcdRecord *want = NULL;

        if (!e->downloading) {
                complete(e, op, ST_DISALLOWED, NULL, 0);
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
        if (op == BT_HCD_OP_WRITE_RAM && len > 4)
                name_from_patch(e, par + 4, (uint8_t)(len - 4));
        complete(e, op, ST_OK, NULL, 0);
        if (op == BT_HCD_OP_LAUNCH_RAM) {
                e->st.patch_ok =
                        !e->st.patch_mismatch && (!e->hcd || e->st.records_ok == e->hcd->n_records);
                e->downloading = false;
                e->speed = 115200; /* the new firmware starts over */
                e->build = chips[e->chip].patched_build;
                e->launched_at = now_usec(CLOCK_MONOTONIC);
                if (e->patch_name[0])
                        memcpy(e->default_name, e->patch_name, NAME_LEN);
                settings_reset(e);
        }
}

static void update_baud_rate(Emu *e, uint16_t op, const uint8_t *par)
{
        if (e->c->faults & BCM_EMU_IGNORE_BAUD)
                return;
        complete(e, op, ST_OK, NULL, 0); /* at the old speed, then the switch */
        if (!(e->c->faults & BCM_EMU_ONLY_115200)) {
                e->speed = (uint32_t)par[2] | (uint32_t)par[3] << 8 | (uint32_t)par[4] << 16 |
                           (uint32_t)par[5] << 24;
                e->st.baud_changes++;
        }
}

static void bcm_command(Emu *e, uint16_t op, const uint8_t *par, uint8_t len)
{
        uint8_t r[8] = {};

        switch (op) {
        case 0xfc01: /* Write BD_ADDR, least significant byte first */
                for (int i = 0; i < 6; i++)
                        e->st.bdaddr[i] = par[5 - i];
                complete(e, op, ST_OK, NULL, 0);
                return;
        case 0xfc18: /* Update UART Baud Rate: 2 reserved bytes, then the rate */
                update_baud_rate(e, op, par);
                return;
        case 0xfc1c: /* Write PCM Int Params: routing, rate, frame sync, sync, clock */
                memcpy(e->pcm, par, sizeof(e->pcm));
                complete(e, op, ST_OK, NULL, 0);
                return;
        case 0xfc1d:
                complete(e, op, ST_OK, e->pcm, sizeof(e->pcm));
                return;
        case 0xfc27: /* Set Sleep Mode (hci_bcm, when the host-wake interrupt is wired) */
                complete(e, op, par[0] <= 3 ? ST_OK : ST_INVALID_PARAMS, NULL, 0);
                return;
        case 0xfc2e: /* Download Minidriver */
                e->downloading = true;
                e->patch_name[0] = 0;
                e->st.downloads++;
                e->record = 0;
                e->st.records_ok = 0;
                e->st.patch_mismatch = false;
                complete(e, op, ST_OK, NULL, 0);
                return;
        case 0xfc45: /* Write UART Clock Setting: 1 = 48 MHz, 2 = 24 MHz */
                complete(e, op, par[0] == 1 || par[0] == 2 ? ST_OK : ST_INVALID_PARAMS, NULL, 0);
                return;
        case 0xfc6e: /* Read Controller Features: 8 bytes */
                r[0] = chips[e->chip].bcm_features;
                complete(e, op, ST_OK, r, 8);
                return;
        case 0xfc79: /* Read Verbose Config Version Info: chip, target, build base, build */
                r[0] = chips[e->chip].chip_id;
                put16(r + 4, e->build);
                complete(e, op, ST_OK, r, 6);
                return;
        case BT_HCD_OP_WRITE_RAM:
        case BT_HCD_OP_LAUNCH_RAM:
                patch_record(e, op, par, len);
                return;
        }
}

/* --- The standard commands --- */

static void std_command(Emu *e, uint16_t op, const uint8_t *par, uint8_t len)
{
        uint8_t r[NAME_LEN] = {};
        Settings *s = &e->set;

        switch (op) {
        case 0x0c03: /* Reset */
                if (e->launched_at && now_usec(CLOCK_MONOTONIC) < e->launched_at + LAUNCH_DEAF_USEC)
                        return;
                e->downloading = false;
                settings_reset(e);
                complete(e, op, ST_OK, NULL, 0);
                return;
        case 0x080e: /* Read Default Link Policy Settings */
                put16(r, s->link_policy);
                complete(e, op, ST_OK, r, 2);
                return;
        case 0x080f:
                s->link_policy = (uint16_t)(par[0] | par[1] << 8);
                break;
        case 0x0c0d: /* Read Stored Link Key: max, read; this chip stores none (assumed) */
                complete(e, op, ST_OK, r, 4);
                return;
        case 0x0c12: /* Delete Stored Link Key: number deleted */
                complete(e, op, ST_OK, r, 2);
                return;
        case 0x0c13: /* Write Local Name */
                memcpy(s->name, par, NAME_LEN);
                s->name[NAME_LEN - 1] = 0;
                break;
        case 0x0c14: /* Read Local Name: always the full 248 bytes */
                memcpy(r, s->name, NAME_LEN);
                /* A name stored by a vendor tool in Latin-1, with a terminal escape and an
                 * erased byte: the controller returns whatever bytes it holds. */
                if (e->c->faults & BCM_EMU_BAD_NAME) {
                        static const char bad[] = "Caf\xe9 \x1b[2J\xff";
                        memset(r, 0, NAME_LEN);
                        memcpy(r, bad, sizeof(bad) - 1);
                }
                complete(e, op, ST_OK, r, NAME_LEN);
                return;
        case 0x0c19:
                complete(e, op, ST_OK, &s->scan_enable, 1);
                return;
        case 0x0c1a:
                s->scan_enable = par[0];
                break;
        case 0x0c1b: /* Read Page Scan Activity: interval, window */
                put16(r, s->page_scan_interval);
                put16(r + 2, s->page_scan_window);
                complete(e, op, ST_OK, r, 4);
                return;
        case 0x0c1c:
                s->page_scan_interval = (uint16_t)(par[0] | par[1] << 8);
                s->page_scan_window = (uint16_t)(par[2] | par[3] << 8);
                break;
        case 0x0c1d: /* Read Inquiry Scan Activity: interval, window */
                put16(r, s->inquiry_scan_interval);
                put16(r + 2, s->inquiry_scan_window);
                complete(e, op, ST_OK, r, 4);
                return;
        case 0x0c1e:
                s->inquiry_scan_interval = (uint16_t)(par[0] | par[1] << 8);
                s->inquiry_scan_window = (uint16_t)(par[2] | par[3] << 8);
                break;
        case 0x0c1f:
                complete(e, op, ST_OK, &s->auth_enable, 1);
                return;
        case 0x0c20:
                s->auth_enable = par[0];
                break;
        case 0x0c23: /* Read Class of Device */
                complete(e, op, ST_OK, s->class_of_device, 3);
                return;
        case 0x0c24:
                memcpy(s->class_of_device, par, 3);
                break;
        case 0x0c25: /* Read Voice Setting */
                put16(r, s->voice_setting);
                complete(e, op, ST_OK, r, 2);
                return;
        case 0x0c26:
                s->voice_setting = (uint16_t)(par[0] | par[1] << 8);
                break;
        case 0x0c38: /* Read Number of Supported IAC (assumed 4) */
                r[0] = 4;
                complete(e, op, ST_OK, r, 1);
                return;
        case 0x0c39: /* Read Current IAC LAP: one, the General Inquiry Access Code */
                r[0] = 1;
                r[1] = 0x33;
                r[2] = 0x8b;
                r[3] = 0x9e;
                complete(e, op, ST_OK, r, 4);
                return;
        case 0x0c3a: /* Write Current IAC LAP: how many, then 3 bytes each, up to 4 */
                if (len < 1 || par[0] < 1 || par[0] > 4 || len != 1 + 3 * par[0]) {
                        complete(e, op, ST_INVALID_PARAMS, NULL, 0);
                        return;
                }
                break;
        case 0x0c44:
                complete(e, op, ST_OK, &s->inquiry_mode, 1);
                return;
        case 0x0c45:
                if (par[0] > 2) {
                        complete(e, op, ST_INVALID_PARAMS, NULL, 0);
                        return;
                }
                s->inquiry_mode = par[0];
                break;
        case 0x0c46:
                complete(e, op, ST_OK, &s->page_scan_type, 1);
                return;
        case 0x0c47:
                s->page_scan_type = par[0];
                break;
        case 0x0c55:
                complete(e, op, ST_OK, &s->ssp_mode, 1);
                return;
        case 0x0c56: /* Write Simple Pairing Mode: also the host's SSP feature bit */
                s->ssp_mode = par[0];
                if (par[0])
                        s->host_features |= HOST_SSP;
                break;
        case 0x0c58: /* Read Inquiry Response TX Power Level (0 dBm seen) */
                complete(e, op, ST_OK, r, 1);
                return;
        case 0x0c5a:
                complete(e, op, ST_OK, &s->err_reporting, 1);
                return;
        case 0x0c5b:
                s->err_reporting = par[0];
                break;
        case 0x0c6c: /* Read LE Host Support: LE, simultaneous LE and BR/EDR */
                r[0] = !!(s->host_features & HOST_LE);
                r[1] = !!(s->host_features & HOST_SIM);
                complete(e, op, ST_OK, r, 2);
                return;
        case 0x0c6d:
                s->host_features &= (uint8_t) ~(HOST_LE | HOST_SIM);
                s->host_features |= (par[0] ? HOST_LE : 0) | (par[1] ? HOST_SIM : 0);
                break;
        case 0x1001:
                read_version(e, op);
                return;
        case 0x1002:
                complete(e, op, ST_OK, e->commands, 64);
                return;
        case 0x1003:
                complete(e, op, ST_OK, lmp_features, 8);
                return;
        case 0x1004: /* Read Local Extended Features: page, maximum page, features */
                if (par[0] > 1) {
                        complete(e, op, ST_INVALID_PARAMS, NULL, 0);
                        return;
                }
                r[0] = par[0];
                r[1] = 1;
                if (par[0] == 0)
                        memcpy(r + 2, lmp_features, 8);
                else
                        r[2] = s->host_features;
                complete(e, op, ST_OK, r, 10);
                return;
        case 0x1005: { /* Read Buffer Size: ACL 1021 x 8, SCO 64 x 1 (seen) */
                static const uint8_t buf[7] = {0xfd, 0x03, 0x40, 0x08, 0x00, 0x01, 0x00};

                complete(e, op, ST_OK, buf, 7);
                return;
        }
        case 0x1009: /* Read BD_ADDR, least significant byte first */
                for (int i = 0; i < 6; i++)
                        r[i] = e->st.bdaddr[5 - i];
                complete(e, op, ST_OK, r, 6);
                return;
        case 0x100b: /* Read Local Supported Codecs: CVSD and transparent, no vendor codec */
                r[0] = 2;
                r[1] = 0x02;
                r[2] = 0x03;
                r[3] = 0;
                complete(e, op, ST_OK, r, 4);
                return;
        case 0x140c: /* Get MWS Transport Layer Configuration: no transports */
                complete(e, op, ST_OK, r, 1);
                return;
        case 0x2002: /* LE Read Buffer Size: LE ACL length and count (assumed) */
                put16(r, chips[e->chip].le_features & LE_DLE ? 251 : 27);
                r[2] = 8;
                complete(e, op, ST_OK, r, 3);
                return;
        case 0x2003:
                r[0] = chips[e->chip].le_features;
                complete(e, op, ST_OK, r, 8);
                return;
        case 0x2007: /* LE Read Advertising Channel TX Power (assumed 0 dBm) */
                complete(e, op, ST_OK, r, 1);
                return;
        case 0x200f: /* LE Read Filter Accept List Size (assumed) */
                r[0] = 128;
                complete(e, op, ST_OK, r, 1);
                return;
        case 0x201c: { /* LE Read Supported States: all 41 combinations of 4.1 */
                static const uint8_t states[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0x03, 0, 0};

                complete(e, op, ST_OK, states, 8);
                return;
        }
        case 0x2023: /* LE Read Suggested Default Data Length */
                put16(r, s->le_tx_octets);
                put16(r + 2, s->le_tx_time);
                complete(e, op, ST_OK, r, 4);
                return;
        case 0x2024:
                s->le_tx_octets = (uint16_t)(par[0] | par[1] << 8);
                s->le_tx_time = (uint16_t)(par[2] | par[3] << 8);
                if (s->le_tx_octets < 27 || s->le_tx_octets > 251 || s->le_tx_time < 328 ||
                    s->le_tx_time > 2120) {
                        settings_reset(e);
                        complete(e, op, ST_INVALID_PARAMS, NULL, 0);
                        return;
                }
                break;
        case 0x202f: /* LE Read Maximum Data Length: TX octets, time, RX octets, time */
                put16(r, 251);
                put16(r + 2, 2120);
                put16(r + 4, 251);
                put16(r + 6, 2120);
                complete(e, op, ST_OK, r, 8);
                return;
        }
        /* A setting that was stored, or one this emulator accepts and forgets. */
        complete(e, op, ST_OK, NULL, 0);
}

typedef enum Family { FAMILY_STD, FAMILY_BCM } Family;

/* Every command the chip knows: its bit in Read Local Supported Commands (octet * 8 + bit;
 * -1 for vendor commands, which are not listed there) and its parameter length (VAR: any). */
#define VAR 0xffff
static const struct {
        uint16_t opcode;
        int16_t bit;
        uint16_t plen;
        Family family;
        bool dle; /* only on chips with LE data length extension */
} known[] = {
        {0x080e, 43, 0, FAMILY_STD},                 /* Read Default Link Policy Settings */
        {0x080f, 44, 2, FAMILY_STD},                 /* Write Default Link Policy Settings */
        {0x0c01, 46, 8, FAMILY_STD},                 /* Set Event Mask */
        {0x0c03, 47, 0, FAMILY_STD},                 /* Reset */
        {0x0c05, 48, VAR, FAMILY_STD},               /* Set Event Filter */
        {0x0c0d, 53, 7, FAMILY_STD},                 /* Read Stored Link Key */
        {0x0c12, 55, 7, FAMILY_STD},                 /* Delete Stored Link Key */
        {0x0c13, 56, 248, FAMILY_STD},               /* Write Local Name */
        {0x0c14, 57, 0, FAMILY_STD},                 /* Read Local Name */
        {0x0c16, 59, 2, FAMILY_STD},                 /* Write Connection Accept Timeout */
        {0x0c18, 61, 2, FAMILY_STD},                 /* Write Page Timeout */
        {0x0c19, 62, 0, FAMILY_STD},                 /* Read Scan Enable */
        {0x0c1a, 63, 1, FAMILY_STD},                 /* Write Scan Enable */
        {0x0c1b, 64, 0, FAMILY_STD},                 /* Read Page Scan Activity */
        {0x0c1c, 65, 4, FAMILY_STD},                 /* Write Page Scan Activity */
        {0x0c1d, 66, 0, FAMILY_STD},                 /* Read Inquiry Scan Activity */
        {0x0c1e, 67, 4, FAMILY_STD},                 /* Write Inquiry Scan Activity */
        {0x0c1f, 68, 0, FAMILY_STD},                 /* Read Authentication Enable */
        {0x0c20, 69, 1, FAMILY_STD},                 /* Write Authentication Enable */
        {0x0c23, 72, 0, FAMILY_STD},                 /* Read Class of Device */
        {0x0c24, 73, 3, FAMILY_STD},                 /* Write Class of Device */
        {0x0c25, 74, 0, FAMILY_STD},                 /* Read Voice Setting */
        {0x0c26, 75, 2, FAMILY_STD},                 /* Write Voice Setting */
        {0x0c38, 90, 0, FAMILY_STD},                 /* Read Number of Supported IAC */
        {0x0c39, 91, 0, FAMILY_STD},                 /* Read Current IAC LAP */
        {0x0c3a, 92, VAR, FAMILY_STD},               /* Write Current IAC LAP */
        {0x0c44, 102, 0, FAMILY_STD},                /* Read Inquiry Mode */
        {0x0c45, 103, 1, FAMILY_STD},                /* Write Inquiry Mode */
        {0x0c46, 104, 0, FAMILY_STD},                /* Read Page Scan Type */
        {0x0c47, 105, 1, FAMILY_STD},                /* Write Page Scan Type */
        {0x0c52, 137, 241, FAMILY_STD},              /* Write Extended Inquiry Response */
        {0x0c55, 141, 0, FAMILY_STD},                /* Read Simple Pairing Mode */
        {0x0c56, 142, 1, FAMILY_STD},                /* Write Simple Pairing Mode */
        {0x0c58, 144, 0, FAMILY_STD},                /* Read Inquiry Response TX Power Level */
        {0x0c5a, 146, 0, FAMILY_STD},                /* Read Default Erroneous Data Reporting */
        {0x0c5b, 147, 1, FAMILY_STD},                /* Write Default Erroneous Data Reporting */
        {0x0c63, 178, 8, FAMILY_STD},                /* Set Event Mask Page 2 */
        {0x0c6c, 197, 0, FAMILY_STD},                /* Read LE Host Support */
        {0x0c6d, 198, 2, FAMILY_STD},                /* Write LE Host Support */
        {0x1001, 115, 0, FAMILY_STD},                /* Read Local Version Information */
        {0x1002, 116, 0, FAMILY_STD},                /* Read Local Supported Commands */
        {0x1003, 117, 0, FAMILY_STD},                /* Read Local Supported Features */
        {0x1004, 118, 1, FAMILY_STD},                /* Read Local Extended Features */
        {0x1005, 119, 0, FAMILY_STD},                /* Read Buffer Size */
        {0x1009, 121, 0, FAMILY_STD},                /* Read BD_ADDR */
        {0x100b, 237, 0, FAMILY_STD},                /* Read Local Supported Codecs */
        {0x140c, 243, 0, FAMILY_STD},                /* Get MWS Transport Layer Configuration */
        {0x2001, 200, 8, FAMILY_STD},                /* LE Set Event Mask */
        {0x2002, 201, 0, FAMILY_STD},                /* LE Read Buffer Size */
        {0x2003, 202, 0, FAMILY_STD},                /* LE Read Local Supported Features */
        {0x2005, 204, 6, FAMILY_STD},                /* LE Set Random Address */
        {0x2006, 205, 15, FAMILY_STD},               /* LE Set Advertising Parameters */
        {0x2007, 206, 0, FAMILY_STD},                /* LE Read Advertising Channel TX Power */
        {0x2008, 207, 32, FAMILY_STD},               /* LE Set Advertising Data */
        {0x2009, 208, 32, FAMILY_STD},               /* LE Set Scan Response Data */
        {0x200a, 209, 1, FAMILY_STD},                /* LE Set Advertising Enable */
        {0x200b, 210, 7, FAMILY_STD},                /* LE Set Scan Parameters */
        {0x200c, 211, 2, FAMILY_STD},                /* LE Set Scan Enable */
        {0x200f, 214, 0, FAMILY_STD},                /* LE Read Filter Accept List Size */
        {0x2010, 215, 0, FAMILY_STD},                /* LE Clear Filter Accept List */
        {0x2011, 216, 7, FAMILY_STD},                /* LE Add Device To Filter Accept List */
        {0x2012, 217, 7, FAMILY_STD},                /* LE Remove Device From Filter Accept List */
        {0x201c, 227, 0, FAMILY_STD},                /* LE Read Supported States */
        {0x2023, 271, 0, FAMILY_STD, true},          /* LE Read Suggested Default Data Length */
        {0x2024, 272, 4, FAMILY_STD, true},          /* LE Write Suggested Default Data Length */
        {0x202f, 283, 0, FAMILY_STD, true},          /* LE Read Maximum Data Length */
        {0xfc01, -1, 6, FAMILY_BCM},                 /* Write BD_ADDR */
        {0xfc18, -1, 6, FAMILY_BCM},                 /* Update UART Baud Rate */
        {0xfc1c, -1, 5, FAMILY_BCM},                 /* Write PCM Int Params */
        {0xfc1d, -1, 0, FAMILY_BCM},                 /* Read PCM Int Params */
        {0xfc27, -1, 12, FAMILY_BCM},                /* Set Sleep Mode */
        {0xfc2e, -1, 0, FAMILY_BCM},                 /* Download Minidriver */
        {0xfc45, -1, 1, FAMILY_BCM},                 /* Write UART Clock Setting */
        {0xfc6e, -1, 0, FAMILY_BCM},                 /* Read Controller Features */
        {0xfc79, -1, 0, FAMILY_BCM},                 /* Read Verbose Config Version Info */
        {BT_HCD_OP_WRITE_RAM, -1, VAR, FAMILY_BCM},  /* Write RAM */
        {BT_HCD_OP_LAUNCH_RAM, -1, VAR, FAMILY_BCM}, /* Launch RAM */
};

static bool known_here(const Emu *e, size_t i)
{
        return !known[i].dle || (chips[e->chip].le_features & LE_DLE);
}

static void command(Emu *e, uint16_t op, const uint8_t *par, uint8_t len)
{
        e->st.commands++;
        if (e->timing)
                fprintf(stderr,
                        "bcm-emu: at %.3f ms: 0x%04x with %u bytes, %.3f ms after the answer "
                        "before\n",
                        (double)(now_usec(CLOCK_MONOTONIC) - e->started_at) / 1000.0, op, len,
                        (double)e->turn_usec / 1000.0);
        for (size_t i = 0; i < ELEMENTSOF(known); i++) {
                if (known[i].opcode != op || !known_here(e, i))
                        continue;
                if (known[i].plen != VAR && known[i].plen != len) {
                        complete(e, op, ST_INVALID_PARAMS, NULL, 0);
                        return;
                }
                if (known[i].family == FAMILY_BCM)
                        bcm_command(e, op, par, len);
                else
                        std_command(e, op, par, len);
                return;
        }
        e->st.unknown_commands++;
        e->st.last_unknown = op;
        complete(e, op, ST_UNKNOWN_COMMAND, NULL, 0);
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
        static const char *const names[] = {"silent",      "ignore-baud", "no-cts",
                                            "only-115200", "overrun",     "truncated",
                                            "oversized",   "late",        "bad-name"};

        for (unsigned i = 0; i < ELEMENTSOF(names); i++)
                if (streq(s, names[i]))
                        return 1u << i;
        return 0;
}

/* Read Local Supported Commands: exactly the commands this chip answers. */
static void supported_commands(Emu *e)
{
        memset(e->commands, 0, sizeof(e->commands));
        for (size_t i = 0; i < ELEMENTSOF(known); i++)
                if (known[i].bit >= 0 && known_here(e, i))
                        e->commands[known[i].bit / 8] |= (uint8_t)(1u << (known[i].bit % 8));
}

int bcm_emu_serve(int fd, const BcmEmuConfig *c, volatile bool *stop, BcmEmuStats *ret_stats)
{
        Emu e = {.fd = fd, .c = c, .speed = 115200};
        const char *trace = getenv("BCM_EMU_TRACE");
        uint32_t speed;
        bool rtscts;
        int r;

        for (e.chip = 0; e.chip < ELEMENTSOF(chips); e.chip++)
                if (streq(c->chip, chips[e.chip].chip))
                        break;
        if (e.chip == ELEMENTSOF(chips))
                return -EINVAL;
        supported_commands(&e);
        if (c->hcd_path) {
                r = bt_hcd_load(c->hcd_path, &e.hcd, NULL);
                if (r < 0)
                        return r;
        }
        e.trace = trace && streq(trace, "1");
        e.timing = streq_ptr(getenv("BCM_EMU_TIMING"), "1");
        e.started_at = now_usec(CLOCK_MONOTONIC);
        if (e.timing)
                fprintf(stderr, "bcm-emu: its clock starts at %llu us of CLOCK_MONOTONIC\n",
                        (unsigned long long)e.started_at);
        memcpy(e.st.bdaddr, chips[e.chip].bdaddr, 6);
        e.build = chips[e.chip].rom_build;
        snprintf(e.default_name, sizeof(e.default_name), "%s", chips[e.chip].chip);
        settings_reset(&e);
        e.tty = bt_tty_get(fd, &speed, &rtscts) >= 0;
        /* Wake-ups at the microsecond the wire model says, not 50 us later. */
        (void)prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

        while (!*stop) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                uint8_t buf[256];
                uint64_t now;
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
                k = read(fd, buf, sizeof(buf));
                if (k <= 0) {
                        if (k < 0 && (errno == EAGAIN || errno == EINTR || errno == EIO))
                                continue;
                        break;
                }
                now = now_usec(CLOCK_MONOTONIC);
                if (e.n == 0 && e.answered_at) {
                        /* A command starts: the host's turn since our last answer is over. */
                        e.turn_usec = now - e.answered_at;
                        e.st.host_usec += e.turn_usec;
                        e.st.host_turns++;
                        e.answered_at = 0;
                }
                e.st.bytes_received += (uint64_t)k;
                host_side(&e, &speed, &rtscts);
                if (paced(&e))
                        e.rx_done = max_u64(e.rx_done, now) + wire_usec(&e, (size_t)k);
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
