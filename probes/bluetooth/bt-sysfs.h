/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Where the kernel shows a Bluetooth UART: its tty, the hciN on it, its serdev driver; and the
 * controller read back through libbluetooth. Paths are under a sysfs root given by the caller, so
 * the tests can build one. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* The device-tree node a sysfs device directory was made from ("/soc/serial@7e201000"), from its
 * of_node link; NULL when it has none. The link is read, not resolved, so a fixture tree needs
 * no /sys/firmware. */
char *bt_sysfs_of_node(const char *device_dir);

/* The tty whose device was made from the UART node: "ttyAMA0"; -ENOENT when none is. */
int bt_sysfs_tty_for_uart(const char *sys, const char *uart_path, char **ret_name);

/* The hciN whose device (or one of its parents) was made from the UART node: its index, -ENOENT
 * when there is none yet. */
int bt_sysfs_hci_for_uart(const char *sys, const char *uart_path, int *ret_index);

/* Whether hciN exists. */
bool bt_sysfs_hci_exists(const char *sys, int index);

/* The serdev device that the UART's Bluetooth node became (".../serial0/serial0-0"), and the
 * name of the driver bound to it (NULL when none is). -ENOENT when the kernel made no serdev
 * device: hci_uart not loaded or serdev support missing. */
int bt_sysfs_serdev_for_uart(const char *sys, const char *uart_path, char **ret_dir,
                             char **ret_driver);

/* Unbinds and binds the serdev device again, so its driver probes the controller anew. */
int bt_sysfs_rebind(const char *sys, const char *serdev_dir, const char *driver);

/* What libbluetooth reads back from a registered controller. */
typedef struct BtHciInfo {
        char name[8]; /* "hci0" */
        bool up;
        uint8_t bdaddr[6]; /* most significant first */
        uint16_t manufacturer;
        uint16_t lmp_subversion;
        uint16_t hci_revision;
        bool have_version;
} BtHciInfo;

/* Brings hciN up (HCIDEVUP; already up is fine) and reads it back, with Read Local Version when
 * read_version (a caller that brought the chip up itself knows it). Blocks for as long as the
 * kernel's setup takes: call it from a worker thread. Returns the ioctl's -errno when the
 * kernel could not bring it up. */
int bt_hci_bring_up(int index, bool read_version, BtHciInfo *ret);

/* Gives an unconfigured controller (one the kernel found with a default address, "Using default
 * device address") its public address over the management channel (Set Public Address), after
 * which the kernel configures it and runs its setup again. bdaddr most significant first.
 * -EREMOTEIO with *ret_status for a refusal, -ETIMEDOUT when the kernel does not answer. */
int bt_mgmt_set_public_address(int index, const uint8_t bdaddr[6], uint8_t *ret_status);

/* Lifts a soft block (rfkill) from hciN through rfkill_dev (normally /dev/rfkill). Returns 1
 * when it was soft-blocked and now is not, 0 when it was not blocked, -EPERM when a hardware
 * switch blocks it (nothing software can do), -ENOENT when hciN has no rfkill switch. */
int bt_rfkill_unblock_hci(const char *sys, const char *rfkill_dev, int index);

/* A Bluetooth rfkill switch that powers the controller itself (a platform driver's, such as
 * Amlogic's aml-bt or rfkill-gpio), not the one each hciN gets: its index and name. -ENOENT
 * when there is none, -EPERM when it is hard-blocked. */
int bt_rfkill_find_power_switch(const char *sys, uint32_t *ret_index, char **ret_name);

/* Blocks or unblocks one rfkill switch by index. */
int bt_rfkill_set(const char *rfkill_dev, uint32_t index, bool block);

/* "01:23:45:67:89:AB" */
void bt_format_bdaddr(const uint8_t a[6], char ret[18]);
