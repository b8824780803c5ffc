/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Bluetooth UART as sysfs shows it, and the controller as libbluetooth reads it. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/rfkill.h>

#include <bluetooth/bluetooth.h>
#include <bluetooth/hci.h>
#include <bluetooth/hci_lib.h>

#include "bt-sysfs.h"
#include "util.h"

/* Opens <sys>/<rel> for listing; *ret_path gets the directory's path. */
static int open_class(const char *sys, const char *rel, char **ret_path, DIR **ret)
{
        _cleanup_free_ char *path = strdup_printf("%s/%s", sys, rel);
        DIR *d;

        if (!path)
                return -ENOMEM;
        d = opendir(path);
        if (!d)
                return -ENOENT;
        *ret_path = TAKE_PTR(path);
        *ret = d;
        return 0;
}

char *bt_sysfs_of_node(const char *device_dir)
{
        _cleanup_free_ char *link = strdup_printf("%s/of_node", device_dir);
        char target[PATH_MAX];
        const char *base;
        ssize_t n;

        if (!link)
                return NULL;
        n = readlink(link, target, sizeof(target) - 1);
        if (n <= 0)
                return NULL;
        target[n] = 0;
        base = strstr(target, "/devicetree/base");
        if (!base)
                return NULL;
        base += strlen("/devicetree/base");
        return strdup(*base ? base : "/");
}

static bool dir_is_uart(const char *dir, const char *uart_path)
{
        _cleanup_free_ char *node = bt_sysfs_of_node(dir);
        return node && streq(node, uart_path);
}

int bt_sysfs_tty_for_uart(const char *sys, const char *uart_path, char **ret_name)
{
        _cleanup_free_ char *class = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r;

        r = open_class(sys, "class/tty", &class, &d);
        if (r < 0)
                return r;
        while ((de = readdir(d))) {
                _cleanup_free_ char *dev = NULL;

                if (de->d_name[0] == '.')
                        continue;
                dev = strdup_printf("%s/%s/device", class, de->d_name);
                if (!dev)
                        return -ENOMEM;
                if (dir_is_uart(dev, uart_path)) {
                        char *name = strdup(de->d_name);
                        if (!name)
                                return -ENOMEM;
                        *ret_name = name;
                        return 0;
                }
        }
        return -ENOENT;
}

/* Walks from dir up towards <sys>/devices, asking each directory whether it is the UART. */
static bool below_uart(const char *sys, const char *dir, const char *uart_path)
{
        _cleanup_free_ char *top = NULL, *p = realpath(dir, NULL);

        top = strdup_printf("%s/devices", sys);
        if (!p || !top)
                return false;
        {
                char *real_top = realpath(top, NULL);
                if (!real_top)
                        return false;
                free(top);
                top = real_top;
        }
        while (strlen(p) > strlen(top) && startswith(p, top)) {
                char *slash;

                if (dir_is_uart(p, uart_path))
                        return true;
                slash = strrchr(p, '/');
                if (!slash)
                        break;
                *slash = 0;
        }
        return false;
}

int bt_sysfs_hci_for_uart(const char *sys, const char *uart_path, int *ret_index)
{
        _cleanup_free_ char *class = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int best = -1;
        int r;

        r = open_class(sys, "class/bluetooth", &class, &d);
        if (r < 0)
                return r;
        while ((de = readdir(d))) {
                _cleanup_free_ char *dev = NULL;
                char *end;
                long idx;

                if (!startswith(de->d_name, "hci"))
                        continue;
                idx = strtol(de->d_name + 3, &end, 10);
                if (end == de->d_name + 3 || *end || idx < 0 || idx > 0xffff)
                        continue; /* hci0:12 connections and the like */
                dev = strdup_printf("%s/%s", class, de->d_name);
                if (!dev)
                        return -ENOMEM;
                if (below_uart(sys, dev, uart_path) && (best < 0 || idx < best))
                        best = (int)idx;
        }
        if (best < 0)
                return -ENOENT;
        *ret_index = best;
        return 0;
}

bool bt_sysfs_hci_exists(const char *sys, int index)
{
        _cleanup_free_ char *p = strdup_printf("%s/class/bluetooth/hci%d", sys, index);
        return p && access(p, F_OK) == 0;
}

static char *link_basename(const char *link)
{
        char target[PATH_MAX];
        ssize_t n = readlink(link, target, sizeof(target) - 1);
        const char *slash;

        if (n <= 0)
                return NULL;
        target[n] = 0;
        slash = strrchr(target, '/');
        return strdup(slash ? slash + 1 : target);
}

int bt_sysfs_serdev_for_uart(const char *sys, const char *uart_path, char **ret_dir,
                             char **ret_driver)
{
        _cleanup_free_ char *bus = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r;

        r = open_class(sys, "bus/serial/devices", &bus, &d);
        if (r < 0)
                return r;
        while ((de = readdir(d))) {
                _cleanup_free_ char *dev = NULL, *real = NULL, *drv = NULL;

                /* The serdev bus is "serial": serial0 is the controller, serial0-0 the device. */
                if (de->d_name[0] == '.' || !strchr(de->d_name, '-'))
                        continue;
                dev = strdup_printf("%s/%s", bus, de->d_name);
                if (!dev)
                        return -ENOMEM;
                real = realpath(dev, NULL);
                if (!real || !below_uart(sys, real, uart_path))
                        continue;
                drv = strdup_printf("%s/driver", real);
                if (!drv)
                        return -ENOMEM;
                *ret_driver = link_basename(drv);
                *ret_dir = TAKE_PTR(real);
                return 0;
        }
        return -ENOENT;
}

int bt_sysfs_rebind(const char *sys, const char *serdev_dir, const char *driver)
{
        const char *name = strrchr(serdev_dir, '/');
        _cleanup_free_ char *unbind = NULL, *bind = NULL;
        int r;

        if (!name || !driver)
                return -EINVAL;
        name++;
        unbind = strdup_printf("%s/bus/serial/drivers/%s/unbind", sys, driver);
        bind = strdup_printf("%s/bus/serial/drivers/%s/bind", sys, driver);
        if (!unbind || !bind)
                return -ENOMEM;
        r = write_attribute(unbind, name);
        if (r < 0 && r != -ENODEV)
                return r;
        return write_attribute(bind, name);
}

int bt_hci_bring_up(int index, bool read_version, BtHciInfo *ret)
{
        struct hci_dev_info di = {};
        struct hci_version ver = {};
        _cleanup_close_ int ctl = -EBADF;
        int dd, r = 0;

        *ret = (BtHciInfo){};
        ctl = socket(AF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC, BTPROTO_HCI);
        if (ctl < 0)
                return -errno;
        /* The kernel runs the controller's setup (for hci_uart_bcm: patch and speed) inside
         * this ioctl when nothing has powered it yet. */
        if (ioctl(ctl, HCIDEVUP, index) < 0 && errno != EALREADY)
                r = -errno;
        di.dev_id = (uint16_t)index;
        if (ioctl(ctl, HCIGETDEVINFO, &di) < 0)
                return r < 0 ? r : -errno;
        snprintf(ret->name, sizeof(ret->name), "%s", di.name);
        ret->up = hci_test_bit(HCI_UP, &di.flags);
        for (int i = 0; i < 6; i++)
                ret->bdaddr[i] = di.bdaddr.b[5 - i];
        if (r < 0)
                return r;
        /* Up but raw: the kernel marks an unconfigured controller so. An HCIDEVUP that came
         * while the kernel's own power-on was still running the setup waits for it, and then
         * opens the controller the setup has just found unconfigured (a default address) without
         * initialising it. Nothing but a user channel can use it like that: take it down again
         * and answer as the kernel does when it is unconfigured from the start. */
        if (ret->up && hci_test_bit(HCI_RAW, &di.flags)) {
                if (ioctl(ctl, HCIDEVDOWN, index) < 0)
                        return -errno;
                ret->up = false;
                return -EOPNOTSUPP;
        }
        if (!read_version)
                return 0;
        dd = hci_open_dev(index);
        if (dd < 0)
                return 0;
        if (hci_read_local_version(dd, &ver, 2000) == 0) {
                ret->manufacturer = ver.manufacturer;
                ret->lmp_subversion = ver.lmp_subver;
                ret->hci_revision = ver.hci_rev;
                ret->have_version = true;
        }
        hci_close_dev(dd);
        return 0;
}

/* The management protocol (doc/mgmt-api.txt in BlueZ): a 6-byte little-endian header of opcode,
 * controller index and parameter length, on an HCI socket bound to the control channel. */
#define MGMT_OP_SET_PUBLIC_ADDRESS 0x0039
#define MGMT_EV_CMD_COMPLETE       0x0001
#define MGMT_EV_CMD_STATUS         0x0002
#define MGMT_TIMEOUT_MSEC          3000

int bt_mgmt_set_public_address(int index, const uint8_t bdaddr[6], uint8_t *ret_status)
{
        struct sockaddr_hci sa = {
                .hci_family = AF_BLUETOOTH,
                .hci_dev = HCI_DEV_NONE,
                .hci_channel = HCI_CHANNEL_CONTROL,
        };
        _cleanup_close_ int fd = -EBADF;
        uint8_t cmd[6 + 6], ev[512];
        uint64_t deadline = now_usec(CLOCK_MONOTONIC) + MGMT_TIMEOUT_MSEC * USEC_PER_MSEC;

        fd = socket(AF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, BTPROTO_HCI);
        if (fd < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return -errno;
        cmd[0] = MGMT_OP_SET_PUBLIC_ADDRESS & 0xff;
        cmd[1] = MGMT_OP_SET_PUBLIC_ADDRESS >> 8;
        cmd[2] = (uint8_t)(index & 0xff);
        cmd[3] = (uint8_t)(index >> 8);
        cmd[4] = 6;
        cmd[5] = 0;
        for (int i = 0; i < 6; i++)
                cmd[6 + i] = bdaddr[5 - i];
        if (write(fd, cmd, sizeof(cmd)) != (ssize_t)sizeof(cmd))
                return -errno;
        for (;;) {
                uint64_t now = now_usec(CLOCK_MONOTONIC);
                struct pollfd p = {.fd = fd, .events = POLLIN};
                ssize_t n;
                uint16_t code, idx, len, op;

                if (now >= deadline)
                        return -ETIMEDOUT;
                if (poll(&p, 1, (int)((deadline - now) / USEC_PER_MSEC) + 1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                n = read(fd, ev, sizeof(ev));
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n < 9)
                        continue; /* other events, or garbage: not ours */
                code = (uint16_t)(ev[0] | ev[1] << 8);
                idx = (uint16_t)(ev[2] | ev[3] << 8);
                len = (uint16_t)(ev[4] | ev[5] << 8);
                op = (uint16_t)(ev[6] | ev[7] << 8);
                if ((code != MGMT_EV_CMD_COMPLETE && code != MGMT_EV_CMD_STATUS) ||
                    idx != (uint16_t)index || op != MGMT_OP_SET_PUBLIC_ADDRESS || len < 3 ||
                    (size_t)n < 6u + len)
                        continue;
                if (ret_status)
                        *ret_status = ev[8];
                return ev[8] == 0 ? 0 : -EREMOTEIO;
        }
}

static int read_attr_u32(const char *dir, const char *name, uint32_t *ret)
{
        _cleanup_free_ char *p = strdup_printf("%s/%s", dir, name), *v = NULL;
        char *end;
        unsigned long n;

        if (!p)
                return -ENOMEM;
        if (read_one_line_file(p, &v) < 0)
                return -ENOENT;
        n = strtoul(v, &end, 10);
        if (end == v || *end || n > UINT32_MAX)
                return -EBADMSG;
        *ret = (uint32_t)n;
        return 0;
}

int bt_rfkill_unblock_hci(const char *sys, const char *rfkill_dev, int index)
{
        _cleanup_free_ char *hci = strdup_printf("%s/class/bluetooth/hci%d", sys, index);
        _cleanup_free_ char *sw = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        uint32_t idx, soft = 0, hard = 0;
        int r;

        if (!hci)
                return -ENOMEM;
        d = opendir(hci);
        if (!d)
                return -ENOENT;
        while ((de = readdir(d)))
                if (startswith(de->d_name, "rfkill")) {
                        sw = strdup_printf("%s/%s", hci, de->d_name);
                        break;
                }
        if (!sw)
                return -ENOENT;
        if (read_attr_u32(sw, "index", &idx) < 0)
                return -ENOENT;
        (void)read_attr_u32(sw, "soft", &soft);
        (void)read_attr_u32(sw, "hard", &hard);
        if (hard)
                return -EPERM;
        if (!soft)
                return 0;
        r = bt_rfkill_set(rfkill_dev, idx, false);
        return r < 0 ? r : 1;
}

int bt_rfkill_set(const char *rfkill_dev, uint32_t index, bool block)
{
        struct rfkill_event ev = {
                .idx = index,
                .type = RFKILL_TYPE_BLUETOOTH,
                .op = RFKILL_OP_CHANGE,
                .soft = block,
        };
        /* O_APPEND means nothing to the rfkill device; it keeps each event in a capture file. */
        _cleanup_close_ int fd = open(rfkill_dev, O_WRONLY | O_APPEND | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        if (write(fd, &ev, sizeof(ev)) != (ssize_t)sizeof(ev))
                return -errno;
        return 0;
}

int bt_rfkill_find_power_switch(const char *sys, uint32_t *ret_index, char **ret_name)
{
        _cleanup_free_ char *class = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r;

        r = open_class(sys, "class/rfkill", &class, &d);
        if (r < 0)
                return r;
        while ((de = readdir(d))) {
                _cleanup_free_ char *dir = NULL, *real = NULL, *type = NULL, *tp = NULL, *np = NULL,
                                    *name = NULL;
                uint32_t idx, hard = 0;

                if (!startswith(de->d_name, "rfkill"))
                        continue;
                dir = strdup_printf("%s/%s", class, de->d_name);
                tp = strdup_printf("%s/type", dir);
                np = strdup_printf("%s/name", dir);
                if (!dir || !tp || !np)
                        return -ENOMEM;
                if (read_one_line_file(tp, &type) < 0 || !streq(type, "bluetooth"))
                        continue;
                /* hciN's own switch lives below it: .../bluetooth/hci0/rfkill3 */
                real = realpath(dir, NULL);
                if (real && strstr(real, "/bluetooth/hci"))
                        continue;
                if (read_attr_u32(dir, "index", &idx) < 0)
                        continue;
                (void)read_attr_u32(dir, "hard", &hard);
                if (hard)
                        return -EPERM;
                (void)read_one_line_file(np, &name);
                *ret_index = idx;
                *ret_name = name ? TAKE_PTR(name) : strdup(de->d_name);
                return 0;
        }
        return -ENOENT;
}

void bt_format_bdaddr(const uint8_t a[6], char ret[18])
{
        snprintf(ret, 18, "%02X:%02X:%02X:%02X:%02X:%02X", a[0], a[1], a[2], a[3], a[4], a[5]);
}
