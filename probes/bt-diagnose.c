/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Names the cause when the kernel's hci_uart_bcm did not bring the controller up, with evidence. */
#include <assert.h>
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <sys/stat.h>

#include "bt-diagnose.h"
#include "util.h"

/* Kernel-internal errno values that reach the log but not <errno.h>. */
#define KERNEL_EPROBE_DEFER 517
#define BAUD_INIT           115200u
#define BAUD_NO_FLOW_MAX    921600u /* the Pi 3 B's speed without RTS/CTS (board table) */
#define BAUD_MINI_UART_MAX  460800u /* the mini-UART's ceiling (board table) */
#define PINS_FILE_MAX       (1u << 20)

/* ---------------------------------------------------------------------------------------------
 * Reading the kernel log. Record format, from Documentation/ABI/testing/dev-kmsg: each read() of
 * /dev/kmsg returns one record "prio,seq,usec,flags[,more];message\n", then dictionary lines
 * that start with a space (" SUBSYSTEM=...", " DEVICE=+serial:serial0-0"). The first read after
 * open() returns the oldest record still held, so no lseek() is needed (SEEK_DATA would skip
 * what `dmesg -C` cleared, which still matters here). EAGAIN (O_NONBLOCK) ends the log, EPIPE
 * says records were overwritten and the next read() goes on, EINVAL says the buffer was too
 * small for the record. The kernel escapes bytes below 0x20 and above 0x7e as \xNN.
 * --------------------------------------------------------------------------------------------- */

typedef struct Collector {
        BtKmsg *k;
        BtKmsgRecord *ring; /* BT_KMSG_RECORDS_MAX, the newest relevant records */
        size_t start, n;
        char *const *match;
} Collector;

static bool parse_u64(const char *s, size_t n, uint64_t *ret)
{
        uint64_t v = 0;

        if (n == 0 || n > 20)
                return false;
        for (size_t i = 0; i < n; i++) {
                unsigned d = (unsigned)(s[i] - '0');

                if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - d) / 10)
                        return false;
                v = v * 10 + d;
        }
        *ret = v;
        return true;
}

/* "prio,seq,usec,flags[,more]": three numbers, then at least a flag. */
static bool parse_header(const char *h, size_t n, uint64_t v[3])
{
        size_t start = 0, field = 0;

        for (size_t i = 0; i <= n && field < 3; i++)
                if (i == n || h[i] == ',') {
                        if (!parse_u64(h + start, i - start, &v[field]))
                                return false;
                        field++;
                        start = i + 1;
                }
        if (field < 3 || start >= n)
                return false;
        for (size_t i = start; i < n; i++)
                if (h[i] < 0x21 || h[i] > 0x7e)
                        return false;
        return true;
}

static bool has_serdev_name(const char *t)
{
        for (const char *p = strstr(t, "serial"); p; p = strstr(p + 6, "serial")) {
                size_t d = strspn(p + 6, "0123456789");

                if (d > 0 && p[6 + d] == '-' && isdigit((unsigned char)p[7 + d]))
                        return true;
        }
        return false;
}

bool bt_kmsg_relevant(const char *text, char *const *match)
{
        /* "Bluetooth: " is pr_fmt of net/bluetooth/lib.c (every bt_dev_*() line); "bluetooth
         * hciN:" is dev_printk on the hci device (firmware loader); "serial serialN" the serdev
         * bus before a driver binds; raspberrypi-exp-gpio drives BT_ON on the Pi 3/4. */
        static const char *const needles[] = {
                "Bluetooth: ",          "hci_uart",      "btbcm", "brcm/BCM", "bluetooth hci",
                "raspberrypi-exp-gpio", "serial serial",
        };

        if (!text)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(needles); i++)
                if (strstr(text, needles[i]))
                        return true;
        if (has_serdev_name(text))
                return true;
        STRV_FOREACH (m, match)
                if (!isempty(*m) && strstr(text, *m))
                        return true;
        return false;
}

/* One record, or one line of a saved log; dictionary lines are not passed here. */
static int collect(Collector *c, const char *rec, size_t len)
{
        char text[BT_KMSG_TEXT_MAX + 1];
        const char *semi, *nl, *msg;
        uint64_t v[3];
        size_t mlen;
        BtKmsgRecord *last, *slot;

        nl = memchr(rec, '\n', len);
        if (nl)
                len = (size_t)(nl - rec);
        if (len > 0 && rec[len - 1] == '\r')
                len--;
        semi = memchr(rec, ';', len);
        if (!semi || !parse_header(rec, (size_t)(semi - rec), v) || v[0] > 0x7ff) {
                c->k->n_malformed++;
                return 0;
        }
        c->k->n_read++;
        if ((v[0] >> 3) != 0) /* not the kernel's: user space writing to /dev/kmsg */
                return 0;

        msg = semi + 1;
        mlen = len - (size_t)(msg - rec);
        if (mlen > BT_KMSG_TEXT_MAX)
                mlen = BT_KMSG_TEXT_MAX;
        for (size_t i = 0; i < mlen; i++)
                text[i] = (msg[i] < 0x20 || msg[i] > 0x7e) ? '?' : msg[i];
        text[mlen] = 0;
        if (!bt_kmsg_relevant(text, c->match))
                return 0;

        /* A flood ("Frame reassembly failed" per byte) must not push out the lines before it. */
        last = c->n > 0 ? &c->ring[(c->start + c->n - 1) % BT_KMSG_RECORDS_MAX] : NULL;
        if (last && streq(last->text, text)) {
                last->repeats++;
                return 0;
        }
        if (c->n == BT_KMSG_RECORDS_MAX) {
                slot = &c->ring[c->start];
                free(slot->text);
                c->start = (c->start + 1) % BT_KMSG_RECORDS_MAX;
                c->k->n_dropped++;
        } else
                slot = &c->ring[(c->start + c->n++) % BT_KMSG_RECORDS_MAX];
        *slot = (BtKmsgRecord){
                .seq = v[1], .usec = v[2], .level = (uint8_t)(v[0] & 7), .text = strdup(text)};
        return slot->text ? 0 : -ENOMEM;
}

static int collector_init(Collector *c, char *const *match)
{
        *c = (Collector){.match = match};
        c->k = calloc(1, sizeof(BtKmsg));
        c->ring = calloc(BT_KMSG_RECORDS_MAX, sizeof(BtKmsgRecord));
        if (!c->k || !c->ring) {
                free(c->k);
                free(c->ring);
                return -ENOMEM;
        }
        return 0;
}

/* Frees everything on error; hands the records over in order on success. */
static int collector_finish(Collector *c, int r, BtKmsg **ret)
{
        if (r >= 0 && c->n > 0) {
                c->k->records = calloc(c->n, sizeof(BtKmsgRecord));
                if (!c->k->records)
                        r = -ENOMEM;
        }
        for (size_t i = 0; i < c->n; i++) {
                BtKmsgRecord *src = &c->ring[(c->start + i) % BT_KMSG_RECORDS_MAX];

                if (r >= 0)
                        c->k->records[c->k->n_records++] = *src;
                else
                        free(src->text);
        }
        free(c->ring);
        if (r < 0) {
                bt_kmsg_free(c->k);
                return r;
        }
        *ret = c->k;
        return 0;
}

int bt_kmsg_parse(const char *buf, size_t size, char *const *match, BtKmsg **ret)
{
        Collector c;
        int r = collector_init(&c, match);

        if (r < 0)
                return r;
        for (size_t pos = 0; buf && pos < size && r >= 0;) {
                const char *line = buf + pos, *nl = memchr(line, '\n', size - pos);
                size_t len = nl ? (size_t)(nl - line) : size - pos;

                pos += len + (nl ? 1 : 0);
                if (len == 0 || line[0] == ' ') /* dictionary of the record before */
                        continue;
                if (len > BT_KMSG_RECORD_MAX) {
                        c.k->n_malformed++;
                        continue;
                }
                r = collect(&c, line, len);
        }
        return collector_finish(&c, r, ret);
}

static int read_device(int fd, char *const *match, BtKmsg **ret)
{
        _cleanup_free_ char *buf = malloc(BT_KMSG_RECORD_MAX);
        size_t total = 0;
        Collector c;
        int r;

        if (!buf)
                return -ENOMEM;
        r = collector_init(&c, match);
        if (r < 0)
                return r;
        /* The total bound stops a log that grows as fast as it is read. */
        while (r >= 0 && total < BT_KMSG_INPUT_MAX) {
                ssize_t n = read(fd, buf, BT_KMSG_RECORD_MAX);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                break;
                        if (errno == EPIPE) {
                                c.k->overwritten = true;
                                continue;
                        }
                        if (errno == EINVAL) { /* a record too big stays in the way */
                                c.k->n_malformed++;
                                break;
                        }
                        r = -errno;
                        break;
                }
                if (n == 0)
                        break;
                total += (size_t)n;
                r = collect(&c, buf, (size_t)n);
        }
        return collector_finish(&c, r, ret);
}

int bt_kmsg_read(const char *path, char *const *match, BtKmsg **ret)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t size = 0;
        int r;

        assert(path && ret);
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISCHR(st.st_mode))
                return read_device(fd, match, ret);
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        r = read_full_fd(fd, BT_KMSG_INPUT_MAX, &buf, &size);
        if (r < 0)
                return r;
        return bt_kmsg_parse(buf, size, match, ret);
}

BtKmsg *bt_kmsg_free(BtKmsg *k)
{
        if (!k)
                return NULL;
        for (size_t i = 0; i < k->n_records; i++)
                free(k->records[i].text);
        free(k->records);
        free(k);
        return NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Findings. The formats, as Linux 6.1 and 6.12 print them (bt_dev_err()/bt_dev_info() give
 * "Bluetooth: hciN: ", include/net/bluetooth/bluetooth.h and net/bluetooth/lib.c):
 *  net/bluetooth/hci_core.c hci_cmd_timeout():   "command 0x%4.4x tx timeout"
 *  drivers/bluetooth/hci_serdev.c hci_uart_setup(): "Failed to set baudrate"
 *  drivers/bluetooth/hci_bcm.c bcm_set_baudrate(): "BCM: failed to write clock (%d)",
 *      "BCM: failed to write update baudrate (%d)"; bcm_recv(): "Frame reassembly failed (%d)";
 *      bcm_serdev_probe(): dev_warn "No reset resource, using default baud rate";
 *      bcm_close(): "Failed to power down"
 *  drivers/bluetooth/btbcm.c: "BCM: Reset failed (%d)", "BCM: chip id %u",
 *      "BCM: features 0x%2.2x", "%s (%3.3u.%3.3u.%3.3u) build %4.4u", "%s '%s' Patch",
 *      "BCM: firmware Patch file not found, tried:" then "BCM: '%s'" per name (since 5.8; 5.x
 *      before: "BCM: Patch %s not found"), "BCM: Patch failed (%d)", "BCM: Patch command %04x
 *      failed (%d)", "BCM: Download Minidrv command failed (%d)", "BCM: Patch is corrupted",
 *      "BCM: Using default device address (%pMR)"
 *  drivers/base/dd.c call_driver_probe(): 6.1 pr_warn "%s: probe of %s failed with error %d",
 *      6.12 (changed in 2024) dev_err "probe with driver %s failed with error %d";
 *      deferred_probe_timeout_work_func(): "deferred probe pending" (6.12, since 2024: "deferred
 * probe pending: %s", the reason set by device_links_check_suppliers() "wait for supplier %pfwP")
 *  drivers/base/core.c dev_err_probe(): "error %pe: %pV" (%pe: "-ENODEV" or "-19"), which
 *      drivers/regulator/core.c regulator_bulk_get() uses for "Failed to get supply '%s'"
 *  drivers/gpio/gpio-raspberrypi-exp.c: "Failed to set GPIO %u state (%d %x)",
 *      "Failed to get GPIO %u config (%d %x)"
 *  Debian's firmware_class logging patch: "firmware: failed to load %s (%d)",
 *      "firmware: direct-loading firmware %s"
 * --------------------------------------------------------------------------------------------- */

static const char *const event_table[_BT_EVENT_MAX] = {
        [BT_EVENT_BAUD_TIMEOUT] = "baud-timeout",
        [BT_EVENT_BAUD_WRITE_FAILED] = "baud-write-failed",
        [BT_EVENT_BAUD_SET_FAILED] = "baud-set-failed",
        [BT_EVENT_CLOCK_FAILED] = "clock-failed",
        [BT_EVENT_RESET_TIMEOUT] = "reset-timeout",
        [BT_EVENT_RESET_FAILED] = "reset-failed",
        [BT_EVENT_CMD_TIMEOUT] = "command-timeout",
        [BT_EVENT_CMD_FAILED] = "command-failed",
        [BT_EVENT_ANSWERED] = "answered",
        [BT_EVENT_CHIP] = "chip",
        [BT_EVENT_PATCH_LOADED] = "patch-loaded",
        [BT_EVENT_PATCH_NOT_FOUND] = "patch-not-found",
        [BT_EVENT_PATCH_FAILED] = "patch-failed",
        [BT_EVENT_DEFAULT_BDADDR] = "default-bdaddr",
        [BT_EVENT_FRAME_ERROR] = "frame-error",
        [BT_EVENT_NO_SHUTDOWN_GPIO] = "no-shutdown-gpio",
        [BT_EVENT_GPIO_FAILED] = "gpio-failed",
        [BT_EVENT_SUPPLY_FAILED] = "supply-failed",
        [BT_EVENT_PROBE_DEFERRED] = "probe-deferred",
        [BT_EVENT_PROBE_FAILED] = "probe-failed",
        [BT_EVENT_POWER_FAILED] = "power-failed",
        [BT_EVENT_REGISTER_FAILED] = "register-failed",
};

const char *bt_event_to_string(BtEvent e)
{
        return e >= 0 && e < _BT_EVENT_MAX ? event_table[e] : NULL;
}

bool bt_findings_seen(const BtFindings *f, BtEvent e)
{
        return f && e >= 0 && e < _BT_EVENT_MAX && f->events[e].count > 0;
}

static bool endswith(const char *s, const char *suffix)
{
        size_t a = strlen(s), b = strlen(suffix);

        return a >= b && streq(s + a - b, suffix);
}

/* "-110", "-ETIMEDOUT" (%pe with CONFIG_SYMBOLIC_ERRNAME), "110" -> -110; 0 when none. */
static int parse_errno(const char *s)
{
        static const struct {
                const char *name;
                int value;
        } names[] = {
                {"EPROBE_DEFER", KERNEL_EPROBE_DEFER},
                {"ETIMEDOUT", ETIMEDOUT},
                {"ENODEV", ENODEV},
                {"ENOENT", ENOENT},
                {"EBUSY", EBUSY},
                {"EINVAL", EINVAL},
                {"EIO", EIO},
                {"ENXIO", ENXIO},
                {"EOPNOTSUPP", EOPNOTSUPP},
                {"EPROTO", EPROTO},
                {"EILSEQ", EILSEQ},
                {"ENOMEM", ENOMEM},
        };
        char *end;
        long v;

        if (*s == '-' && isupper((unsigned char)s[1])) {
                size_t n = strspn(s + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_");

                for (size_t i = 0; i < ELEMENTSOF(names); i++)
                        if (strlen(names[i].name) == n && strncmp(s + 1, names[i].name, n) == 0)
                                return -names[i].value;
                return 0;
        }
        errno = 0;
        v = strtol(s, &end, 10);
        if (end == s || errno != 0 || v < -4095 || v > 4095)
                return 0;
        return v > 0 ? (int)-v : (int)v;
}

/* The errno in the last "(...)" of a line: "failed (-110)", "(-110 0)". */
static int paren_errno(const char *s)
{
        const char *p = strrchr(s, '(');

        return p ? parse_errno(p + 1) : 0;
}

/* "Bluetooth: hciN: rest" or "bluetooth hciN: rest" -> rest and N. */
static const char *hci_rest(const char *t, int *ret_index, bool *ret_device)
{
        const char *p;
        size_t d;
        uint64_t v;

        if (startswith(t, "Bluetooth: hci"))
                p = t + 14;
        else if (startswith(t, "bluetooth hci"))
                p = t + 13;
        else
                return NULL;
        d = strspn(p, "0123456789");
        if (d == 0 || d > 4 || !parse_u64(p, d, &v) || p[d] != ':' || p[d + 1] != ' ')
                return NULL;
        *ret_index = (int)v;
        *ret_device = t[0] == 'b';
        return p + d + 2;
}

/* Patch names as btbcm builds them: "brcm/%s%s.%s.hcd" in a 64-byte buffer. */
static bool fw_name_valid(const char *s, size_t n)
{
        if (n < 10 || n > 63 || strncmp(s, "brcm/", 5) != 0 || strncmp(s + n - 4, ".hcd", 4) != 0)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char)s[i]) && !strchr("._,/+-", s[i]))
                        return false;
        return true;
}

static int tried_add(BtFindings *f, const char *s, size_t n)
{
        _cleanup_free_ char *name = NULL;

        if (!fw_name_valid(s, n) || strv_length(f->fw_tried) >= BT_FW_TRIED_MAX)
                return 0;
        name = strndup(s, n);
        if (!name)
                return -ENOMEM;
        if (strv_contains(f->fw_tried, name))
                return 0;
        return strv_push(&f->fw_tried, TAKE_PTR(name));
}

static int seen(BtFindings *f, BtEvent e, const BtKmsgRecord *rec, size_t idx, int error)
{
        BtEventSeen *s = &f->events[e];

        s->count += 1 + rec->repeats;
        s->last = idx;
        if (s->line)
                return 0;
        s->first = idx;
        s->error = error;
        s->line = strdup(rec->text);
        return s->line ? 0 : -ENOMEM;
}

/* "BCM4345C0 (003.001.025) build 0382" */
static bool version_line(BtFindings *f, const char *rest)
{
        unsigned a, b, c, build;
        size_t n = strcspn(rest, " ");
        int end = 0;

        if (n < 3 || n >= sizeof(f->chip) || strncmp(rest, "BCM", 3) != 0)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char)rest[i]))
                        return false;
        if (sscanf(rest + n, " (%3u.%3u.%3u) build %4u%n", &a, &b, &c, &build, &end) != 4 ||
            rest[n + (size_t)end] != 0)
                return false;
        memcpy(f->chip, rest, n);
        f->chip[n] = 0;
        if (f->events[BT_EVENT_CHIP].count == 0)
                f->rom_build = build;
        f->build = build;
        return true;
}

static int hci_message(BtFindings *f, const BtKmsgRecord *rec, size_t i, const char *rest,
                       bool device, bool *tried_open)
{
        const char *q;
        unsigned op;
        int end = 0;

        if (*tried_open && startswith(rest, "BCM: '") && endswith(rest, "'"))
                return tried_add(f, rest + 6, strlen(rest) - 7);
        *tried_open = false;

        if (device) { /* the firmware loader, on Debian kernels */
                if (startswith(rest, "firmware: failed to load "))
                        return tried_add(f, rest + 25, strcspn(rest + 25, " "));
                if (startswith(rest, "firmware: direct-loading firmware ") && !f->patch &&
                    fw_name_valid(rest + 34, strlen(rest + 34))) {
                        f->patch = strdup(rest + 34);
                        return f->patch ? seen(f, BT_EVENT_PATCH_LOADED, rec, i, 0) : -ENOMEM;
                }
                return 0;
        }
        if (sscanf(rest, "command 0x%4x tx timeout%n", &op, &end) == 1 && rest[end] == 0) {
                if (op == 0xfc18)
                        return seen(f, BT_EVENT_BAUD_TIMEOUT, rec, i, -ETIMEDOUT);
                if (op == 0x0c03)
                        return seen(f, BT_EVENT_RESET_TIMEOUT, rec, i, -ETIMEDOUT);
                if (f->timeout_opcode == 0)
                        f->timeout_opcode = (uint16_t)op;
                return seen(f, BT_EVENT_CMD_TIMEOUT, rec, i, -ETIMEDOUT);
        }
        if (streq(rest, "command tx timeout"))
                return seen(f, BT_EVENT_CMD_TIMEOUT, rec, i, -ETIMEDOUT);
        if (startswith(rest, "BCM: failed to write update baudrate"))
                return seen(f, BT_EVENT_BAUD_WRITE_FAILED, rec, i, paren_errno(rest));
        if (streq(rest, "Failed to set baudrate"))
                return seen(f, BT_EVENT_BAUD_SET_FAILED, rec, i, 0);
        if (startswith(rest, "BCM: failed to write clock"))
                return seen(f, BT_EVENT_CLOCK_FAILED, rec, i, paren_errno(rest));
        if (startswith(rest, "BCM: Reset failed"))
                return seen(f, BT_EVENT_RESET_FAILED, rec, i, paren_errno(rest));
        if (startswith(rest, "BCM: chip id ") || startswith(rest, "BCM: features 0x"))
                return seen(f, BT_EVENT_ANSWERED, rec, i, 0);
        if (startswith(rest, "BCM: firmware Patch file not found")) {
                *tried_open = true;
                return seen(f, BT_EVENT_PATCH_NOT_FOUND, rec, i, -ENOENT);
        }
        if (startswith(rest, "BCM: Patch ") && endswith(rest, " not found") && strlen(rest) > 21) {
                int r = tried_add(f, rest + 11, strlen(rest) - 21);
                return r < 0 ? r : seen(f, BT_EVENT_PATCH_NOT_FOUND, rec, i, -ENOENT);
        }
        if (startswith(rest, "BCM: Patch failed") || startswith(rest, "BCM: Patch command ") ||
            startswith(rest, "BCM: Download Minidrv command failed") ||
            streq(rest, "BCM: Patch is corrupted"))
                return seen(f, BT_EVENT_PATCH_FAILED, rec, i, paren_errno(rest));
        if (startswith(rest, "BCM: Using default device address"))
                return seen(f, BT_EVENT_DEFAULT_BDADDR, rec, i, 0);
        if (startswith(rest, "Frame reassembly failed"))
                return seen(f, BT_EVENT_FRAME_ERROR, rec, i, paren_errno(rest));
        if (streq(rest, "Failed to power down") || streq(rest, "Failed to power up"))
                return seen(f, BT_EVENT_POWER_FAILED, rec, i, 0);
        if (version_line(f, rest))
                return seen(f, BT_EVENT_CHIP, rec, i, 0);
        if (endswith(rest, "' Patch") && (q = strstr(rest, " '")) && startswith(rest, "BCM") &&
            strlen(q + 2) > 7) {
                size_t n = strlen(q + 2) - 7;

                if (fw_name_valid(q + 2, n)) {
                        free(f->patch);
                        f->patch = strndup(q + 2, n);
                        return f->patch ? seen(f, BT_EVENT_PATCH_LOADED, rec, i, 0) : -ENOMEM;
                }
        }
        if ((startswith(rest, "BCM: ") && strstr(rest, " failed (")) ||
            (startswith(rest, "Opcode 0x") && strstr(rest, " failed")))
                return seen(f, BT_EVENT_CMD_FAILED, rec, i, paren_errno(rest));
        return 0;
}

static bool contains_ci(const char *s, const char *needle)
{
        for (size_t n = strlen(needle); *s; s++)
                if (strncasecmp(s, needle, n) == 0)
                        return true;
        return false;
}

static int other_message(BtFindings *f, const BtKmsgRecord *rec, size_t i, const char *t)
{
        const char *p;

        if (strstr(t, "No reset resource, using default baud rate"))
                return seen(f, BT_EVENT_NO_SHUTDOWN_GPIO, rec, i, 0);
        if ((p = strstr(t, "Failed to get supply '"))) {
                const char *e = strstr(t, "error ");
                size_t n = strcspn(p + 22, "'");

                if (n < sizeof(f->supply) && !f->supply[0]) {
                        memcpy(f->supply, p + 22, n);
                        f->supply[n] = 0;
                }
                return seen(f, BT_EVENT_SUPPLY_FAILED, rec, i,
                            e && e < p ? parse_errno(e + 6) : -KERNEL_EPROBE_DEFER);
        }
        if ((p = strstr(t, "deferred probe pending")) && has_serdev_name(t)) {
                p += 22;
                if (startswith(p, ": ") && !f->defer_reason &&
                    !(f->defer_reason = strndup(p + 2, 120)))
                        return -ENOMEM;
                return seen(f, BT_EVENT_PROBE_DEFERRED, rec, i, -KERNEL_EPROBE_DEFER);
        }
        if (strstr(t, "hci_uart") && (p = strstr(t, " failed with error ")) &&
            (strstr(t, ": probe of ") || strstr(t, "probe with driver ")))
                return seen(f, BT_EVENT_PROBE_FAILED, rec, i, parse_errno(p + 19));
        if (strstr(t, "raspberrypi-exp-gpio") &&
            ((p = strstr(t, "Failed to set GPIO ")) || (p = strstr(t, "Failed to get GPIO ")))) {
                unsigned line;

                if (sscanf(p + 19, "%3u", &line) == 1 && f->gpio_line < 0)
                        f->gpio_line = (int)line;
                return seen(f, BT_EVENT_GPIO_FAILED, rec, i, paren_errno(p));
        }
        if (startswith(t, "Bluetooth: Can't register HCI device"))
                return seen(f, BT_EVENT_REGISTER_FAILED, rec, i, -ENODEV);
        if ((strstr(t, "hci_uart") || has_serdev_name(t)) &&
            (strstr(t, "Failed to power down") || strstr(t, "Failed to power up")))
                return seen(f, BT_EVENT_POWER_FAILED, rec, i, 0);
        /* Vendor and older drivers: "failed to get shutdown GPIO: -517" and the like. */
        if ((strstr(t, "hci_uart") || has_serdev_name(t) || contains_ci(t, "bluetooth")) &&
            contains_ci(t, "gpio") &&
            (contains_ci(t, "shutdown") || contains_ci(t, "reset") || contains_ci(t, "bt_en") ||
             contains_ci(t, "enable")) &&
            (contains_ci(t, "fail") || contains_ci(t, "can't") || contains_ci(t, "cannot") ||
             contains_ci(t, "unable"))) {
                const char *m = strrchr(t, '-');
                return seen(f, BT_EVENT_GPIO_FAILED, rec, i,
                            m && isdigit((unsigned char)m[1]) ? parse_errno(m) : paren_errno(t));
        }
        return 0;
}

int bt_findings_from_kmsg(const BtKmsg *k, int hci_index, BtFindings *ret)
{
        BtFindings f = {.hci_index = -1, .gpio_line = -1};
        bool tried_open = false;
        int r = 0;

        assert(k && ret);
        for (size_t i = 0; i < k->n_records && r >= 0; i++) {
                const BtKmsgRecord *rec = &k->records[i];
                bool device = false;
                int idx = -1;
                const char *rest = rec->text ? hci_rest(rec->text, &idx, &device) : NULL;

                if (!rec->text)
                        continue;
                if (!rest) {
                        tried_open = false;
                        r = other_message(&f, rec, i, rec->text);
                        continue;
                }
                if (hci_index >= 0 && idx != hci_index) {
                        tried_open = false;
                        continue;
                }
                if (f.hci_index < 0)
                        f.hci_index = idx;
                r = hci_message(&f, rec, i, rest, device, &tried_open);
        }
        f.n_records = k->n_records;
        if (r < 0) {
                bt_findings_done(&f);
                return r;
        }
        *ret = f;
        return 0;
}

void bt_findings_done(BtFindings *f)
{
        if (!f)
                return;
        free(f->patch);
        strv_free(f->fw_tried);
        free(f->defer_reason);
        for (size_t i = 0; i < _BT_EVENT_MAX; i++)
                free(f->events[i].line);
        *f = (BtFindings){.hci_index = -1, .gpio_line = -1};
}

/* ---------------------------------------------------------------------------------------------
 * Live pins, from pinctrl debugfs. drivers/pinctrl/pinmux.c pinmux_pins_show() prints
 * "Pinmux settings per pin", a "Format: ..." line, then per pin
 * "pin %d (%s): %s %s%s" (mux owner or "(MUX UNCLAIMED)", gpio owner or "(GPIO UNCLAIMED)",
 * " (HOG)"), for strict controllers "pin %d (%s): device %s%s" / ": GPIO %s" / ": UNCLAIMED",
 * then " function %s group %s" when a consumer set a mux. drivers/pinctrl/core.c
 * pinctrl_pins_show() prints "registered pins: %d", then "pin %d (%s) " and "%u:%s " (or
 * "0:? ") and the driver's part: pinctrl-bcm2835.c bcm2835_pctl_pin_dbg_show() prints
 * "function %s in %s; irq %d (%s)" from the FSEL register, functions gpio_in, gpio_out,
 * alt0..alt5 (bcm2835_functions[]). Pins are named "gpio30".
 * --------------------------------------------------------------------------------------------- */

/* Copies the next line into buf (NUL-terminated); false at the end. Over-long lines come back
 * empty so that they are skipped. */
static bool next_line(const char **p, char *buf, size_t size)
{
        const char *s = *p, *nl;
        size_t n;

        if (!s || !*s)
                return false;
        nl = strchr(s, '\n');
        n = nl ? (size_t)(nl - s) : strlen(s);
        *p = nl ? nl + 1 : s + n;
        if (n >= size)
                n = 0;
        memcpy(buf, s, n);
        buf[n] = 0;
        return true;
}

/* "pin 30 (gpio30)" -> pin, name, and what follows. */
static const char *pin_prefix(const char *line, unsigned *ret_pin, char name[24])
{
        const char *p = line + 4, *close;
        size_t d;
        uint64_t v;

        if (!startswith(line, "pin "))
                return NULL;
        d = strspn(p, "0123456789");
        if (d == 0 || d > 5 || !parse_u64(p, d, &v) || p[d] != ' ' || p[d + 1] != '(')
                return NULL;
        p += d + 2;
        close = strchr(p, ')');
        if (!close || close == p || (size_t)(close - p) >= 24)
                return NULL;
        memcpy(name, p, (size_t)(close - p));
        name[close - p] = 0;
        *ret_pin = (unsigned)v;
        return close + 1;
}

static bool copy_token(char *dst, size_t size, const char *s, size_t n)
{
        if (n == 0 || n >= size)
                return false;
        memcpy(dst, s, n);
        dst[n] = 0;
        return true;
}

static bool parse_owners(const char *s, size_t n, BtPinMux *m)
{
        char buf[160];
        const char *p;
        size_t k;

        if (n >= sizeof(buf))
                return false;
        memcpy(buf, s, n);
        buf[n] = 0;
        if (endswith(buf, " (HOG)")) {
                m->hog = true;
                buf[strlen(buf) - 6] = 0;
        }
        if (streq(buf, "UNCLAIMED"))
                return true;
        if (startswith(buf, "device "))
                return copy_token(m->mux_owner, sizeof(m->mux_owner), buf + 7, strlen(buf + 7));
        if (startswith(buf, "GPIO "))
                return copy_token(m->gpio_owner, sizeof(m->gpio_owner), buf + 5, strlen(buf + 5));
        if (startswith(buf, "(MUX UNCLAIMED) "))
                p = buf + 16;
        else {
                k = strcspn(buf, " ");
                if (buf[k] != ' ' || !copy_token(m->mux_owner, sizeof(m->mux_owner), buf, k))
                        return false;
                p = buf + k + 1;
        }
        if (streq(p, "(GPIO UNCLAIMED)"))
                return true;
        return strchr(p, ' ') == NULL &&
               copy_token(m->gpio_owner, sizeof(m->gpio_owner), p, strlen(p));
}

int bt_pinmux_pins_lookup(const char *text, unsigned pin, BtPinMux *ret)
{
        const char *p = text;
        bool known = false;
        char line[256];

        while (next_line(&p, line, sizeof(line))) {
                BtPinMux m = {};
                const char *rest, *fn;
                unsigned n;

                if (startswith(line, "Pinmux settings per pin") ||
                    startswith(line, "Format: pin ")) {
                        known = true;
                        continue;
                }
                rest = pin_prefix(line, &n, m.name);
                if (!rest || !startswith(rest, ": "))
                        continue;
                known = true;
                if (n != pin)
                        continue;
                rest += 2;
                m.pin = n;
                fn = strstr(rest, " function ");
                if (!parse_owners(rest, fn ? (size_t)(fn - rest) : strlen(rest), &m))
                        return -EBADMSG;
                if (fn && sscanf(fn, " function %23s group %31s", m.function, m.group) != 2)
                        return -EBADMSG;
                *ret = m;
                return 1;
        }
        return known ? 0 : -EBADMSG;
}

int bt_pinctrl_pins_function(const char *text, unsigned pin, char ret_function[24])
{
        const char *p = text;
        bool known = false;
        char line[256], name[24];

        while (next_line(&p, line, sizeof(line))) {
                const char *rest, *fn;
                unsigned n;
                size_t k;

                if (startswith(line, "registered pins: ")) {
                        known = true;
                        continue;
                }
                rest = pin_prefix(line, &n, name);
                if (!rest || *rest != ' ')
                        continue;
                known = true;
                if (n != pin)
                        continue;
                fn = strstr(rest, " function ");
                if (!fn)
                        return 0;
                fn += 10;
                k = strspn(fn, "abcdefghijklmnopqrstuvwxyz0123456789_");
                if (k == 0 || k >= 24 || (fn[k] != ' ' && fn[k] != 0))
                        return -EBADMSG;
                memcpy(ret_function, fn, k);
                ret_function[k] = 0;
                return 1;
        }
        return known ? 0 : -EBADMSG;
}

int bt_pinctrl_read(const char *pinctrl_dir, char **ret_pinmux_pins, char **ret_pins)
{
        _cleanup_free_ char *best = NULL, *pins = NULL, *pinmux = NULL, *path = NULL;
        DIR *d = opendir(pinctrl_dir);
        struct dirent *de;
        int r = -ENOENT;

        if (!d)
                return -errno;
        /* The controller whose pins list GPIO 30; ties go to the first name, for stable output. */
        while ((de = readdir(d))) {
                _cleanup_free_ char *p = NULL, *text = NULL;

                if (de->d_name[0] == '.' || (best && strcmp(de->d_name, best) >= 0))
                        continue;
                p = strdup_printf("%s/%s/pins", pinctrl_dir, de->d_name);
                if (!p) {
                        r = -ENOMEM;
                        break;
                }
                if (read_full_file(p, PINS_FILE_MAX, &text, NULL) < 0 || !strstr(text, "(gpio30)"))
                        continue;
                free(best);
                free(pins);
                best = strdup(de->d_name);
                pins = TAKE_PTR(text);
                if (!best) {
                        r = -ENOMEM;
                        break;
                }
                r = 0;
        }
        closedir(d);
        if (r < 0)
                return r;
        path = strdup_printf("%s/%s/pinmux-pins", pinctrl_dir, best);
        if (!path)
                return -ENOMEM;
        r = read_full_file(path, PINS_FILE_MAX, &pinmux, NULL);
        if (r < 0 && r != -ENOENT && r != -EACCES)
                return r;
        *ret_pinmux_pins = TAKE_PTR(pinmux);
        *ret_pins = TAKE_PTR(pins);
        return 0;
}

/* uart0, the PL011 on GPIO 30..33 ALT3 of BCM2835/6/7 and BCM2711 (peripheral manuals'
 * alternate-function tables; the same facts lib/board-pins.c uses). */
static bool bcm283x_uart0(const Board *b)
{
        const BoardBluetooth *bt = &b->bluetooth;

        return b->soc && (startswith(b->soc, "bcm283") || streq(b->soc, "bcm2711")) &&
               bt->uart_kind == UART_KIND_PL011 &&
               (streq_ptr(bt->uart_label, "uart0") ||
                (bt->uart_path && endswith(bt->uart_path, "@7e201000")));
}

int bt_live_rtscts(const Board *b, const char *pinmux_pins, const char *pins, Tristate *ret,
                   char **ret_evidence)
{
        static const struct {
                unsigned pin;
                const char *signal;
        } want[] = {{30, "CTS"}, {31, "RTS"}};
        _cleanup_free_ char *ev = NULL;
        Tristate t = TRISTATE_YES;

        assert(b && ret && ret_evidence);
        if (!bcm283x_uart0(b) || (!pinmux_pins && !pins)) {
                ev = strdup(!bcm283x_uart0(b)
                                    ? "live pinmux: not checked (only BCM2835/BCM2711 uart0 is "
                                      "known)"
                                    : "live pinmux: not available (pinctrl debugfs not readable)");
                if (!ev)
                        return -ENOMEM;
                *ret = TRISTATE_UNKNOWN;
                *ret_evidence = TAKE_PTR(ev);
                return 0;
        }
        ev = strdup("live pinmux:");
        for (size_t i = 0; i < ELEMENTSOF(want) && ev; i++) {
                char fn[24] = "", what[160], *n;
                BtPinMux m = {};
                int r1 = pinmux_pins ? bt_pinmux_pins_lookup(pinmux_pins, want[i].pin, &m) : 0;
                int r2 = 0;

                /* A claimed mux says what the kernel set; the register says what is set, by
                 * the kernel or by the firmware. */
                if (r1 > 0 && m.function[0]) {
                        snprintf(fn, sizeof(fn), "%s", m.function);
                        snprintf(what, sizeof(what), "function %s (pinmux-pins%s%s)", fn,
                                 m.mux_owner[0] ? ", owner " : "", m.mux_owner);
                } else if (pins && (r2 = bt_pinctrl_pins_function(pins, want[i].pin, fn)) > 0)
                        snprintf(what, sizeof(what), "function %s (pins: the register%s)", fn,
                                 r1 > 0 ? "; no driver claimed it" : "");
                else
                        snprintf(what, sizeof(what), "unknown (%s)",
                                 r1 < 0 || r2 < 0 ? "debugfs text unreadable"
                                 : r1 > 0         ? "no driver claimed it and the register "
                                                    "view is missing"
                                                  : "not listed");
                if (!fn[0])
                        t = t == TRISTATE_NO ? t : TRISTATE_UNKNOWN;
                else if (!streq(fn, "alt3"))
                        t = TRISTATE_NO;
                n = strdup_printf("%s%s GPIO %u (%s) %s", ev, i ? "," : "", want[i].pin,
                                  want[i].signal, what);
                free(ev);
                ev = n;
        }
        if (!ev)
                return -ENOMEM;
        *ret = t;
        *ret_evidence = TAKE_PTR(ev);
        return 0;
}

/* ---------------------------------------------------------------------------------------------
 * The diagnosis.
 * --------------------------------------------------------------------------------------------- */

static const char *const cause_table[_BT_CAUSE_MAX] = {
        [BT_CAUSE_NONE] = "none",
        [BT_CAUSE_NOT_ATTACHED] = "not-attached",
        [BT_CAUSE_DRIVER_SILENT] = "driver-silent",
        [BT_CAUSE_REGULATOR] = "regulator",
        [BT_CAUSE_POWER_GPIO] = "power-gpio",
        [BT_CAUSE_PROBE_FAILED] = "probe-failed",
        [BT_CAUSE_NO_RTSCTS_PINS] = "no-rtscts-pins",
        [BT_CAUSE_NO_FLOW_WIRING] = "no-flow-wiring",
        [BT_CAUSE_MINI_UART_SPEED] = "mini-uart-speed",
        [BT_CAUSE_BAUD_TIMEOUT] = "baud-timeout",
        [BT_CAUSE_NO_RESPONSE] = "no-response",
        [BT_CAUSE_NO_SHUTDOWN_GPIO] = "no-shutdown-gpio",
        [BT_CAUSE_PATCH_MISSING] = "patch-missing",
        [BT_CAUSE_PATCH_FAILED] = "patch-failed",
        [BT_CAUSE_FRAMING] = "framing",
        [BT_CAUSE_UNKNOWN] = "unknown",
};

const char *bt_cause_to_string(BtCause c)
{
        return c >= 0 && c < _BT_CAUSE_MAX ? cause_table[c] : NULL;
}

typedef enum LinkPattern {
        LINK_DEAD,    /* no answer even at 115200 */
        LINK_NO_ACK,  /* 0xfc18 not acknowledged, the rest went on at 115200 */
        LINK_LOST,    /* the speed was switched, then the controller went silent */
        LINK_FRAMING, /* bytes lost or corrupted */
} LinkPattern;

typedef struct Ctx {
        const BtDiagnoseInput *in;
        const Board *b;
        const BoardBluetooth *bt;
        const BtFindings *f;
        const char *uart, *node;
        BtDiagnosis d;
} Ctx;

static int evidence(Ctx *c, const char *fmt, ...) _printf_(2, 3);
static int evidence(Ctx *c, const char *fmt, ...)
{
        _cleanup_free_ char *s = NULL;
        json_object *o;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        for (size_t i = 0; i < json_object_array_length(c->d.evidence); i++)
                if (streq(json_object_get_string(json_object_array_get_idx(c->d.evidence, i)), s))
                        return 0;
        o = json_object_new_string(s);
        if (!o || json_object_array_add(c->d.evidence, o) < 0) {
                json_object_put(o);
                return -ENOMEM;
        }
        return 0;
}

static int evidence_events(Ctx *c, const BtEvent *events, size_t n)
{
        int r = 0;

        for (size_t i = 0; i < n && r >= 0; i++) {
                const BtEventSeen *s = &c->f->events[events[i]];

                if (!s->line)
                        continue;
                /* Version lines differ (ROM build, patched build): no count for them. */
                if (s->count > 1 && events[i] != BT_EVENT_CHIP && events[i] != BT_EVENT_ANSWERED)
                        r = evidence(c, "kernel log: %s (%u times)", s->line, s->count);
                else
                        r = evidence(c, "kernel log: %s", s->line);
        }
        return r;
}

/* Takes cause_text and remedy, even on failure. */
static int conclude(Ctx *c, BtCause cause, uint32_t speed, char *cause_text, char *remedy)
{
        c->d.cause = cause;
        c->d.max_speed = speed;
        c->d.cause_text = cause_text;
        c->d.remedy = remedy;
        return cause_text ? 0 : -ENOMEM;
}

static int also(Ctx *c, char *sentence)
{
        if (!sentence)
                return -ENOMEM;
        if (streq_ptr(sentence, c->d.cause_text)) {
                free(sentence);
                return 0;
        }
        return strv_push(&c->d.also, sentence);
}

static bool seen_any(const BtFindings *f, const BtEvent *e, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (bt_findings_seen(f, e[i]))
                        return true;
        return false;
}

static const BtEvent baud_events[] = {BT_EVENT_BAUD_TIMEOUT, BT_EVENT_BAUD_WRITE_FAILED,
                                      BT_EVENT_BAUD_SET_FAILED, BT_EVENT_CLOCK_FAILED};
static const BtEvent fail_events[] = {BT_EVENT_RESET_TIMEOUT, BT_EVENT_RESET_FAILED,
                                      BT_EVENT_CMD_TIMEOUT, BT_EVENT_CMD_FAILED};
static const BtEvent answer_events[] = {BT_EVENT_ANSWERED, BT_EVENT_CHIP, BT_EVENT_PATCH_LOADED,
                                        BT_EVENT_PATCH_NOT_FOUND};

static size_t first_of(const BtFindings *f, const BtEvent *e, size_t n)
{
        size_t m = SIZE_MAX;

        for (size_t i = 0; i < n; i++)
                if (bt_findings_seen(f, e[i]) && f->events[e[i]].first < m)
                        m = f->events[e[i]].first;
        return m;
}

/* From the board table: which boards connect CTS/RTS between SoC and controller. */
static Tristate rtscts_wired(const Board *b)
{
        if (b->id == BOARD_RPI_3_B)
                return TRISTATE_NO;
        return b->id != BOARD_GENERIC && b->id != BOARD_RPI_5_B ? TRISTATE_YES : TRISTATE_UNKNOWN;
}

/* Live pins outrank the tree: the Pi firmware muxes pins the tree does not list. */
static Tristate rtscts_muxed(const Ctx *c)
{
        return c->in->live_rtscts != TRISTATE_UNKNOWN ? c->in->live_rtscts : c->bt->pins_rtscts;
}

static uint32_t next_lower_speed(uint32_t speed)
{
        static const uint32_t speeds[] = {4000000, 3000000, 2000000, 1500000,
                                          1000000, 921600,  460800,  230400};

        for (size_t i = 0; i < ELEMENTSOF(speeds); i++)
                if (speeds[i] < speed)
                        return speeds[i];
        return BAUD_INIT;
}

static int evidence_tree(Ctx *c)
{
        int r = 0;

        if (c->bt->max_speed)
                r = evidence(c, "device tree: max-speed %u on %s", c->bt->max_speed, c->node);
        else
                r = evidence(c, "device tree: no max-speed on %s, so the kernel stays at 115200",
                             c->node);
        if (r >= 0 && c->bt->pins_evidence)
                r = evidence(c, "device tree: %s", c->bt->pins_evidence);
        if (r >= 0)
                r = evidence(c, "%s%s",
                             c->in->live_evidence && startswith(c->in->live_evidence, "live ")
                                     ? ""
                                     : "live pinmux: ",
                             c->in->live_evidence ? c->in->live_evidence
                                                  : "not available (pinctrl debugfs not read)");
        if (r >= 0 && rtscts_wired(c->b) == TRISTATE_NO)
                r = evidence(c,
                             "board: %s has no RTS/CTS lines between the SoC and the "
                             "Bluetooth controller (board table)",
                             strna(c->b->model));
        return r;
}

static char *pins_remedy(const Ctx *c)
{
        static const char alt3[] = "GPIO 30-33 on ALT3 (30 CTS, 31 RTS, 32 TXD, 33 RXD) with "
                                   "pulls up, none, none, up";
        static const char brcm[] = "brcm,pins = <30 31 32 33>; brcm,function = <7>; "
                                   "brcm,pull = <2 0 0 2>;";

        if (!bcm283x_uart0(c->b))
                return strdup_printf("Give %s its RTS/CTS pins: add the UART's CTS and RTS pin "
                                     "group to pinctrl-0 of %s (with uart-has-rtscts where the "
                                     "UART driver needs it).",
                                     c->uart, strna(c->bt->uart_path));
        if (c->b->flavour == TREE_FLAVOUR_RPI_DOWNSTREAM)
                return strdup_printf("Mux RTS/CTS for %s: %s, i.e. an overlay on &uart0_pins "
                                     "with %s (what nixos-hardware's raspberry-pi/4 bluetooth "
                                     "overlay sets).",
                                     c->uart, alt3, brcm);
        return strdup_printf("Mux RTS/CTS for %s: %s, i.e. pinctrl-0 = <&uart0_ctsrts_gpio30 "
                             "&uart0_gpio32>; on %s, or an overlay on its pin group with %s (as "
                             "nixos-hardware's raspberry-pi/4 bluetooth overlay does on "
                             "&uart0_pins).",
                             c->uart, alt3, strna(c->bt->uart_path), brcm);
}

static char *power_check(const Ctx *c)
{
        const BoardGpioRef *g = &c->bt->shutdown_gpio;

        if (!g->controller_path)
                return strdup_printf("%s has no shutdown-gpios, so nothing powers the "
                                     "controller up: add shutdown-gpios naming its BT_REG_ON "
                                     "line.",
                                     c->node);
        return strdup_printf("check the controller's power: hci_uart_bcm raises shutdown GPIO %u "
                             "of %s (BT_REG_ON) when it opens the UART, so that GPIO "
                             "controller needs its driver and the line must not be held "
                             "elsewhere; TXD/RXD must be on the UART too.",
                             g->line, g->controller_path);
}

/* Nothing got through, even at 115200: the pins or the controller's power. */
static int dead_link_cause(Ctx *c, Tristate muxed, Tristate wired)
{
        _cleanup_free_ char *check = power_check(c), *pins = NULL;
        char *remedy;
        int r;

        if (!check)
                return -ENOMEM;
        if (c->bt->max_speed > BAUD_NO_FLOW_MAX && wired == TRISTATE_NO) {
                r = also(c, strdup_printf("max-speed %u on %s is above the 921600 baud this "
                                          "board holds without RTS/CTS: set "
                                          "max-speed = <921600>; as well.",
                                          c->bt->max_speed, c->node));
                if (r < 0)
                        return r;
        }
        if (muxed == TRISTATE_YES)
                remedy = strdup_printf(
                        "RTS/CTS are on the UART (%s), so the pin group is not "
                        "the cause; %s",
                        c->in->live_rtscts == TRISTATE_YES ? "live pinmux" : "device tree", check);
        else if (wired != TRISTATE_NO && bcm283x_uart0(c->b)) {
                pins = pins_remedy(c);
                if (!pins)
                        return -ENOMEM;
                remedy = strdup_printf("Check GPIO 30 and 31 first (mount debugfs, read "
                                       "/sys/kernel/debug/pinctrl/*/pins): if they are not on "
                                       "alt3: %s If they are, %s",
                                       pins, check);
        } else
                remedy = strdup_printf("Check the UART wiring; %s", check);
        return conclude(c, BT_CAUSE_NO_RESPONSE, 0,
                        strdup("The controller answered nothing, not even its first command at "
                               "the 115200 init speed."),
                        remedy);
}

static int link_cause(Ctx *c, LinkPattern p)
{
        static const BtEvent link_events[] = {
                BT_EVENT_BAUD_TIMEOUT, BT_EVENT_BAUD_WRITE_FAILED, BT_EVENT_BAUD_SET_FAILED,
                BT_EVENT_CLOCK_FAILED, BT_EVENT_RESET_TIMEOUT,     BT_EVENT_RESET_FAILED,
                BT_EVENT_CMD_TIMEOUT,  BT_EVENT_CMD_FAILED,        BT_EVENT_FRAME_ERROR,
                BT_EVENT_CHIP,
        };
        static const char *const effect[] = {
                [LINK_DEAD] = "never answered",
                [LINK_NO_ACK] = "did not acknowledge the speed change",
                [LINK_LOST] = "stopped answering at the higher speed",
                [LINK_FRAMING] = "lost bytes",
        };
        const BoardBluetooth *bt = c->bt;
        Tristate muxed = rtscts_muxed(c), wired = rtscts_wired(c->b);
        uint32_t speed = bt->max_speed ? bt->max_speed : BAUD_INIT;
        uint32_t lower = next_lower_speed(speed);
        int r;

        r = evidence_events(c, link_events, ELEMENTSOF(link_events));
        if (r >= 0)
                r = evidence_tree(c);
        if (r < 0)
                return r;

        if (p != LINK_DEAD && bt->uart_kind == UART_KIND_MINI && speed > BAUD_MINI_UART_MAX)
                return conclude(c, BT_CAUSE_MINI_UART_SPEED, BAUD_MINI_UART_MAX,
                                strdup_printf("Bluetooth is on the mini-UART (%s), which tops "
                                              "out near 460800 baud, but max-speed asks for %u.",
                                              c->uart, speed),
                                strdup_printf("Set max-speed = <460800>; on %s.", c->node));
        /* Pi 3 B: a pin group cannot mux lines the board does not have. */
        if (p != LINK_DEAD && wired == TRISTATE_NO && speed > BAUD_NO_FLOW_MAX)
                return conclude(c, BT_CAUSE_NO_FLOW_WIRING, BAUD_NO_FLOW_MAX,
                                strdup_printf("The %s wires no RTS/CTS between the SoC and the "
                                              "controller, and %u baud (max-speed) does not hold "
                                              "without flow control.",
                                              strna(c->b->model), speed),
                                strdup_printf("Set max-speed = <921600>; on %s: 921600 without "
                                              "flow control is the most this board holds, and "
                                              "no pin-group change can help (the RTS/CTS lines "
                                              "are not wired).",
                                              c->node));
        if (muxed == TRISTATE_NO && wired != TRISTATE_NO && bt->uart_kind != UART_KIND_MINI)
                return conclude(c, BT_CAUSE_NO_RTSCTS_PINS, 0,
                                strdup_printf("%s has no RTS/CTS on its pins (%s), but the "
                                              "kernel opens it with hardware flow control "
                                              "(serdev sets CRTSCTS), so the controller %s.",
                                              c->uart,
                                              c->in->live_rtscts == TRISTATE_NO
                                                      ? "live pinmux"
                                                      : "device tree pin group",
                                              effect[p]),
                                pins_remedy(c));
        if (p == LINK_DEAD)
                return dead_link_cause(c, muxed, wired);
        if (p == LINK_FRAMING)
                return conclude(c, BT_CAUSE_FRAMING, lower,
                                strdup_printf("The kernel lost or garbled bytes from the "
                                              "controller at %u baud (frame reassembly failed).",
                                              speed),
                                strdup_printf("Lower max-speed on %s to <%u>; (RTS/CTS muxed: "
                                              "%s).",
                                              c->node, lower, tristate_to_string(muxed)));
        return conclude(
                c, BT_CAUSE_BAUD_TIMEOUT, lower,
                p == LINK_NO_ACK
                        ? strdup_printf("The controller did not acknowledge the switch to %u baud "
                                        "(Broadcom command 0xfc18 %s), so it runs at the 115200 "
                                        "init speed.",
                                        speed,
                                        bt_findings_seen(c->f, BT_EVENT_BAUD_TIMEOUT) ? "timed out"
                                                                                      : "failed")
                        : strdup_printf("The controller acknowledged the switch to %u baud "
                                        "(0xfc18) but did not answer at that speed.",
                                        speed),
                strdup_printf("Lower max-speed on %s to <%u>; (the next lower speed)%s.", c->node,
                              lower,
                              muxed == TRISTATE_YES ? "; RTS/CTS are muxed, so flow control is "
                                                      "not the reason"
                                                    : ""));
}

static char *patch_names(const Ctx *c)
{
        if (c->f->fw_tried)
                return strv_join(c->f->fw_tried, ", ");
        return strdup_printf("brcm/%s.hcd", c->f->chip[0] ? c->f->chip : strna(c->bt->chip));
}

/* The name to install: brcm/<chip>.hcd, which every board with that chip shares; when the kernel
 * did not recognise the chip it tried only brcm/BCM*.hcd, so the generic one of those. */
static char *patch_target(const Ctx *c)
{
        const char *chip = c->f->chip[0] ? c->f->chip : c->bt->chip;
        _cleanup_free_ char *want = strdup_printf("brcm/%s.hcd", chip ?: "BCM");

        if (!want)
                return NULL;
        if (c->f->fw_tried && !strv_contains(c->f->fw_tried, want))
                STRV_FOREACH (t, c->f->fw_tried)
                        if (strchr(*t, '.') == *t + strlen(*t) - 4) /* no board part */
                                return strdup(*t);
        return TAKE_PTR(want);
}

static int patch_cause(Ctx *c, bool failed, bool primary)
{
        static const BtEvent ev[] = {BT_EVENT_PATCH_NOT_FOUND, BT_EVENT_PATCH_FAILED,
                                     BT_EVENT_CHIP};
        _cleanup_free_ char *names = patch_names(c), *target = patch_target(c);
        char *text, *remedy;
        int r;

        if (!names || !target)
                return -ENOMEM;
        r = evidence_events(c, ev, ELEMENTSOF(ev));
        STRV_FOREACH (t, c->f->fw_tried)
                if (r >= 0)
                        r = evidence(c, "kernel log: tried %s", *t);
        if (r < 0)
                return r;
        if (failed)
                text = strdup_printf("Loading the firmware patch %s failed (%s), so the "
                                     "controller runs its ROM firmware.",
                                     c->f->patch ?: target,
                                     c->f->events[BT_EVENT_PATCH_FAILED].line ?: "");
        else if (streq(c->f->chip, "BCM"))
                text = strdup_printf("No firmware patch: the kernel did not recognise the "
                                     "controller (the board's is a %s), tried %s and found none, "
                                     "so the controller runs its ROM firmware.",
                                     strna(c->bt->chip), names);
        else
                text = strdup_printf("No firmware patch for %s: the kernel tried %s and found "
                                     "none, so the controller runs its ROM firmware.",
                                     c->f->chip[0] ? c->f->chip : strna(c->bt->chip), names);
        remedy = strdup_printf("%s Debian's bluez-firmware package (section non-free-firmware), "
                               "or copy the patch to /lib/firmware/%s (the kernel looks for %s); "
                               "then reload hci_uart or reboot.",
                               failed ? "Reinstall" : "Install", target, names);
        if (!primary) {
                free(remedy);
                return also(c, text);
        }
        return conclude(c, failed ? BT_CAUSE_PATCH_FAILED : BT_CAUSE_PATCH_MISSING, 0, text,
                        remedy);
}

static int no_shutdown_cause(Ctx *c, bool primary)
{
        static const BtEvent ev[] = {BT_EVENT_NO_SHUTDOWN_GPIO};
        char *text;
        int r;

        r = evidence_events(c, ev, ELEMENTSOF(ev));
        if (r < 0)
                return r;
        text = strdup_printf("%s has no shutdown GPIO, so hci_uart_bcm keeps the 115200 init "
                             "speed instead of max-speed%s.",
                             c->node, c->bt->max_speed ? "" : " (none is set either)");
        if (!primary)
                return also(c, text);
        return conclude(c, BT_CAUSE_NO_SHUTDOWN_GPIO, 0, text,
                        strdup_printf("Add shutdown-gpios naming the controller's BT_REG_ON line "
                                      "to %s.",
                                      c->node));
}

/* Probe-time failures: the driver never got to talk to the controller. */
static int probe_cause(Ctx *c)
{
        static const BtEvent ev[] = {BT_EVENT_SUPPLY_FAILED,   BT_EVENT_GPIO_FAILED,
                                     BT_EVENT_PROBE_DEFERRED,  BT_EVENT_PROBE_FAILED,
                                     BT_EVENT_REGISTER_FAILED, BT_EVENT_POWER_FAILED};
        const BtFindings *f = c->f;
        const BoardGpioRef *g =
                c->bt->shutdown_gpio.controller_path ? &c->bt->shutdown_gpio : &c->bt->reset_gpio;
        const char *reason = f->defer_reason;
        bool deferred = bt_findings_seen(f, BT_EVENT_PROBE_DEFERRED);
        bool gpio_failed = bt_findings_seen(f, BT_EVENT_GPIO_FAILED);
        int err = f->events[BT_EVENT_PROBE_FAILED].error;
        int r;

        r = evidence_events(c, ev, ELEMENTSOF(ev));
        if (r < 0)
                return r;
        if (bt_findings_seen(f, BT_EVENT_SUPPLY_FAILED) || (reason && strstr(reason, "supply")))
                return conclude(c, BT_CAUSE_REGULATOR, 0,
                                strdup_printf("hci_uart_bcm cannot get the controller's %s "
                                              "supply, so it never powers the controller.",
                                              f->supply[0] ? f->supply : "vbat/vddio"),
                                strdup_printf("%s-supply of %s names a regulator without a "
                                              "driver: load that regulator's driver or fix the "
                                              "property.",
                                              f->supply[0] ? f->supply : "vbat", c->node));
        /* The expander's error names its line: another line's failure is not ours. */
        if ((gpio_failed &&
             (f->gpio_line < 0 || !g->controller_path || (unsigned)f->gpio_line == g->line)) ||
            (g->controller_path && (deferred || err == -EBUSY || err == -KERNEL_EPROBE_DEFER ||
                                    bt_findings_seen(f, BT_EVENT_POWER_FAILED)))) {
                if (!g->controller_path)
                        return conclude(c, BT_CAUSE_POWER_GPIO, 0,
                                        strdup("The controller's shutdown GPIO could not be got "
                                               "or driven."),
                                        strdup_printf("Check shutdown-gpios of %s and the "
                                                      "driver of its GPIO controller.",
                                                      c->node));
                return conclude(
                        c, BT_CAUSE_POWER_GPIO, 0,
                        strdup_printf("hci_uart_bcm %s GPIO %u of %s (its shutdown/reset line%s%s"
                                      "), so the controller is never powered up.",
                                      deferred ? "keeps waiting (-EPROBE_DEFER) for"
                                               : "could not get or drive",
                                      g->line, g->controller_path, reason ? "; the kernel: " : "",
                                      strempty(reason)),
                        strstr(g->controller_path, "firmware")
                                ? strdup_printf("Line %u of %s is on the Raspberry Pi firmware "
                                                "GPIO expander: load its driver "
                                                "(gpio-raspberrypi-exp, "
                                                "CONFIG_GPIO_RASPBERRYPI_EXP, with the "
                                                "raspberrypi firmware driver) before hci_uart, "
                                                "e.g. in the initramfs.",
                                                g->line, g->controller_path)
                                : strdup_printf("Make sure the GPIO controller %s has its driver "
                                                "loaded and that no gpio-hog or other driver "
                                                "holds line %u.",
                                                g->controller_path, g->line));
        }
        if (deferred || bt_findings_seen(f, BT_EVENT_PROBE_FAILED) ||
            bt_findings_seen(f, BT_EVENT_REGISTER_FAILED))
                return conclude(c, BT_CAUSE_PROBE_FAILED, 0,
                                deferred ? strdup_printf("hci_uart_bcm keeps waiting for a "
                                                         "resource (%s).",
                                                         reason ?: "deferred probe pending")
                                         : strdup_printf("hci_uart_bcm failed to attach the "
                                                         "controller (%s%s).",
                                                         err ? "error " : "no hci device",
                                                         err ? strerror(-err) : ""),
                                strdup_printf("Check the resources %s names (GPIOs, clocks, "
                                              "supplies) and that their drivers are loaded.",
                                              c->node));
        return 0; /* none: go on */
}

static int ctx_init(Ctx *c, const BtDiagnoseInput *in, BtFindings *empty)
{
        assert(in && in->board);
        *c = (Ctx){.in = in, .b = in->board, .bt = &in->board->bluetooth};
        c->f = in->findings ?: empty;
        c->uart = c->bt->uart_label ?: c->bt->uart_alias ?: c->bt->uart_path ?: "the UART";
        c->node = c->bt->node_path ?: "the bluetooth node";
        c->d.evidence = json_object_new_array();
        return c->d.evidence ? 0 : -ENOMEM;
}

static int ctx_finish(Ctx *c, int r, BtDiagnosis *ret)
{
        if (r >= 0 && !c->d.cause_text && c->d.cause != BT_CAUSE_NONE)
                r = -ENOMEM;
        if (r < 0) {
                bt_diagnosis_done(&c->d);
                return r;
        }
        *ret = c->d;
        return 0;
}

static LinkPattern link_pattern(const Ctx *c, bool *ret_any)
{
        const BtFindings *f = c->f;
        bool baud = seen_any(f, baud_events, ELEMENTSOF(baud_events));
        size_t fail = first_of(f, fail_events, ELEMENTSOF(fail_events));
        size_t answer = first_of(f, answer_events, ELEMENTSOF(answer_events));
        bool no_switch =
                c->bt->max_speed <= BAUD_INIT || bt_findings_seen(f, BT_EVENT_NO_SHUTDOWN_GPIO);

        *ret_any = baud || fail != SIZE_MAX || bt_findings_seen(f, BT_EVENT_FRAME_ERROR);
        /* hci_uart_setup() sends 0xfc18 first, at 115200: a failure before any answer, with
         * 0xfc18 failed or never sent, means nothing got through at all. */
        if (fail != SIZE_MAX && fail < answer && (baud || no_switch))
                return LINK_DEAD;
        if (fail != SIZE_MAX)
                return LINK_LOST;
        if (baud)
                return LINK_NO_ACK;
        return LINK_FRAMING;
}

int bt_diagnose_failure(const BtDiagnoseInput *in, BtDiagnosis *ret)
{
        BtFindings empty = {.hci_index = -1, .gpio_line = -1};
        const BtFindings *f;
        LinkPattern p;
        bool link;
        Ctx c;
        int r;

        r = ctx_init(&c, in, &empty);
        if (r < 0)
                return r;
        f = c.f;
        if (!c.bt->present || !c.bt->kernel_attach) {
                r = conclude(&c, BT_CAUSE_NOT_ATTACHED, 0,
                             strdup_printf("The device tree has no enabled Bluetooth node under "
                                           "%s, so no kernel driver attaches the controller.",
                                           c.uart),
                             strdup("Attach the controller from user space (hwctld does), or "
                                    "enable the bluetooth node under the UART."));
                return ctx_finish(&c, r, ret);
        }
        if (!in->findings) {
                r = evidence_tree(&c);
                if (r >= 0)
                        r = conclude(&c, BT_CAUSE_UNKNOWN, 0,
                                     strdup("The kernel log could not be read, so the cause is "
                                            "not known."),
                                     strdup("Run hwctld as root so that it can read /dev/kmsg."));
                return ctx_finish(&c, r, ret);
        }

        r = probe_cause(&c);
        if (r < 0 || c.d.cause_text)
                return ctx_finish(&c, r, ret);

        p = link_pattern(&c, &link);
        if (link)
                r = link_cause(&c, p);
        else if (bt_findings_seen(f, BT_EVENT_PATCH_FAILED))
                r = patch_cause(&c, true, true);
        else if (bt_findings_seen(f, BT_EVENT_PATCH_NOT_FOUND) &&
                 !bt_findings_seen(f, BT_EVENT_PATCH_LOADED))
                r = patch_cause(&c, false, true);
        else if (bt_findings_seen(f, BT_EVENT_NO_SHUTDOWN_GPIO))
                r = no_shutdown_cause(&c, true);
        else if (f->hci_index < 0 && !bt_findings_seen(f, BT_EVENT_CHIP)) {
                r = evidence(&c,
                             "kernel log: no message from hci_uart_bcm or btbcm among %zu "
                             "Bluetooth records",
                             f->n_records);
                if (r >= 0)
                        r = conclude(&c, BT_CAUSE_DRIVER_SILENT, 0,
                                     strdup_printf("The kernel log shows no attempt to bring up "
                                                   "the controller on %s.",
                                                   c.uart),
                                     strdup_printf("Load hci_uart (CONFIG_BT_HCIUART_BCM, with "
                                                   "CONFIG_SERIAL_DEV_BUS) so that it binds %s.",
                                                   c.node));
        } else
                r = conclude(&c, BT_CAUSE_UNKNOWN, 0,
                             strdup_printf("The kernel log shows hci%d answering and no failure "
                                           "this diagnosis knows.",
                                           f->hci_index),
                             NULL);

        if (r >= 0 && c.d.cause != BT_CAUSE_PATCH_MISSING && c.d.cause != BT_CAUSE_PATCH_FAILED &&
            bt_findings_seen(f, BT_EVENT_PATCH_NOT_FOUND) &&
            !bt_findings_seen(f, BT_EVENT_PATCH_LOADED))
                r = patch_cause(&c, false, false);
        if (r >= 0 && c.d.cause != BT_CAUSE_NO_SHUTDOWN_GPIO &&
            bt_findings_seen(f, BT_EVENT_NO_SHUTDOWN_GPIO))
                r = no_shutdown_cause(&c, false);
        return ctx_finish(&c, r, ret);
}

int bt_diagnose_degraded(const BtDiagnoseInput *in, BtDiagnosis *ret)
{
        BtFindings empty = {.hci_index = -1, .gpio_line = -1};
        const BtFindings *f;
        bool link, patch_missing, patch_failed;
        LinkPattern p;
        Ctx c;
        int r;

        r = ctx_init(&c, in, &empty);
        if (r < 0)
                return r;
        f = c.f;
        if (!in->findings) {
                r = evidence(&c, "kernel log: not readable, so a degraded start cannot be seen");
                return ctx_finish(&c, r, ret);
        }
        p = link_pattern(&c, &link);
        patch_failed = bt_findings_seen(f, BT_EVENT_PATCH_FAILED);
        patch_missing = bt_findings_seen(f, BT_EVENT_PATCH_NOT_FOUND) &&
                        !bt_findings_seen(f, BT_EVENT_PATCH_LOADED);

        /* Up although 0xfc18 failed: it kept the init speed. */
        if (link && (p == LINK_NO_ACK || p == LINK_FRAMING))
                r = link_cause(&c, p);
        else if (bt_findings_seen(f, BT_EVENT_NO_SHUTDOWN_GPIO))
                r = no_shutdown_cause(&c, true);
        else if (patch_failed || patch_missing)
                r = patch_cause(&c, patch_failed, true);

        if (r >= 0 && c.d.cause_text && c.d.cause != BT_CAUSE_PATCH_MISSING &&
            c.d.cause != BT_CAUSE_PATCH_FAILED && (patch_failed || patch_missing))
                r = patch_cause(&c, patch_failed, false);
        if (r >= 0 && c.d.cause_text && c.d.cause != BT_CAUSE_NO_SHUTDOWN_GPIO &&
            bt_findings_seen(f, BT_EVENT_NO_SHUTDOWN_GPIO))
                r = no_shutdown_cause(&c, false);
        return ctx_finish(&c, r, ret);
}

void bt_diagnosis_done(BtDiagnosis *d)
{
        if (!d)
                return;
        free(d->cause_text);
        free(d->remedy);
        strv_free(d->also);
        json_object_put(d->evidence);
        *d = (BtDiagnosis){};
}
