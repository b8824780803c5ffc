/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kernel log as the Bluetooth diagnosis needs it: relevant records, and what they say. */
#include <assert.h>
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <sys/stat.h>

#include "bt-kmsg.h"
#include "util.h"

/* Kernel-internal errno values that reach the log but not <errno.h>. */
#define KERNEL_EPROBE_DEFER 517

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

bool bt_parse_u64(const char *s, size_t n, uint64_t *ret)
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
                        if (!bt_parse_u64(h + start, i - start, &v[field]))
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
        if (d == 0 || d > 4 || !bt_parse_u64(p, d, &v) || p[d] != ':' || p[d + 1] != ' ')
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
