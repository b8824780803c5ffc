/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What hwctld's calls need from the kernel, option by option. Each entry names the call that
 * needs it; `hwctl kernel-check` reads a configuration against the entries that apply to a
 * board. */
#include "kernel-needs.h"
#include "util.h"

static bool is_rpi(const Board *b)
{
        return b->family == BOARD_FAMILY_RPI;
}

static bool is_amlogic(const Board *b)
{
        return b->family == BOARD_FAMILY_AMLOGIC;
}

static bool has_bt(const Board *b)
{
        return b->bluetooth.present || b->bluetooth.uart_path;
}

static bool bt_kernel(const Board *b)
{
        return has_bt(b) && b->bluetooth.kernel_attach;
}

static bool bt_userspace(const Board *b)
{
        return has_bt(b) && !b->bluetooth.kernel_attach;
}

static bool bt_on_pl011(const Board *b)
{
        return has_bt(b) && b->bluetooth.uart_kind == UART_KIND_PL011;
}

static bool bt_on_mini(const Board *b)
{
        return has_bt(b) && b->bluetooth.uart_kind == UART_KIND_MINI;
}

static bool bt_on_meson(const Board *b)
{
        return has_bt(b) && b->bluetooth.uart_kind == UART_KIND_MESON;
}

static bool soc_starts(const Board *b, const char *const *prefixes)
{
        for (; b->soc && *prefixes; prefixes++)
                if (startswith(b->soc, *prefixes))
                        return true;
        return false;
}

/* GXL/GXM (S905X, S905W, S905D, S912): the GX sound card. */
static bool amlogic_gx(const Board *b)
{
        static const char *const p[] = {"s905x", "s905w", "s905d", "s912", "s905l", NULL};
        return is_amlogic(b) && soc_starts(b, p);
}

/* G12A/G12B/SM1 and later (S905X2/X3/Y4, A311D, S805X2): the AXG card and its HDMI glue. */
static bool amlogic_axg(const Board *b)
{
        return is_amlogic(b) && !amlogic_gx(b);
}

/* BT_REG_ON on the firmware's GPIO expander (Pi 3 B, Pi 4 B): shutdown-gpios = <&expgpio 0>. */
static bool rpi_expander(const Board *b)
{
        return is_rpi(b) && b->bluetooth.shutdown_gpio.controller_path &&
               strstr(b->bluetooth.shutdown_gpio.controller_path, "firmware");
}

const KernelNeed kernel_needs[] = {
        /* sd-event (signalfd, timerfd, epoll), sd-bus and the journal (AF_UNIX), sd-device
         * (uevents through netlink and /run/udev), and what systemd itself refuses to boot
         * without (its README's list of required options). */
        {"hwctld", "SIGNALFD", KERNEL_NEED_REQUIRED, false, NULL, NULL,
         "sd_event_add_signal(): hwctld cannot take SIGTERM/SIGHUP, and systemd does not boot"},
        {"hwctld", "TIMERFD", KERNEL_NEED_REQUIRED, false, NULL, NULL,
         "sd_event_add_time(): no timers (timeouts, retries); systemd does not boot"},
        {"hwctld", "EPOLL", KERNEL_NEED_REQUIRED, false, NULL, NULL,
         "sd_event_new(): no event loop at all"},
        {"hwctld", "UNIX", KERNEL_NEED_REQUIRED, false, NULL, NULL,
         "sd_bus_open_system() and the journal: hwctl status has no daemon to ask"},
        {"hwctld", "INOTIFY_USER", KERNEL_NEED_REQUIRED, false, NULL, NULL,
         "systemd (path units, udev's rules reload) does not boot"},
        {"hwctld", "DEVTMPFS", KERNEL_NEED_REQUIRED, false, NULL, NULL,
         "systemd mounts /dev as devtmpfs; without it no device nodes appear"},
        {"hwctld", "CGROUPS", KERNEL_NEED_REQUIRED, false, NULL, NULL, "systemd does not boot"},
        {"hwctld", "FHANDLE", KERNEL_NEED_REQUIRED, false, NULL, NULL,
         "systemd and udev use name_to_handle_at(); systemd does not boot"},

        /* rootfs: BLKPG_RESIZE_PARTITION tells the kernel the new partition size, which it can
         * only do for a table it parsed itself; then the file system's online resize ioctl. */
        {"rootfs", "MSDOS_PARTITION", KERNEL_NEED_REQUIRED, false, NULL, NULL,
         "the kernel does not read a DOS table (Pi images): no partitions, no root to grow"},
        {"rootfs", "EFI_PARTITION", KERNEL_NEED_WANTED, false, NULL, NULL,
         "GPT disks (some Khadas and UEFI images) show no partitions"},
        {"rootfs", "EXT4_FS", KERNEL_NEED_REQUIRED, true, NULL, NULL,
         "EXT4_IOC_RESIZE_FS: an ext4 root is not grown online"},
        {"rootfs", "BTRFS_FS", KERNEL_NEED_WANTED, true, NULL, NULL,
         "BTRFS_IOC_RESIZE: a btrfs root is not grown"},

        /* gpio: libgpiod 2 speaks only the v2 character device uAPI. */
        {"gpio", "GPIO_CDEV", KERNEL_NEED_REQUIRED, false, NULL, NULL,
         "gpiod_chip_open() on /dev/gpiochipN: no GPIO chip can be opened, the gpio probe "
         "fails and no line can be requested"},
        {"gpio", "PINCTRL_BCM2835", KERNEL_NEED_REQUIRED, false, "Raspberry Pi", is_rpi,
         "the SoC's GPIO controller (the 40-pin header) has no driver"},
        {"gpio", "PINCTRL_MESON", KERNEL_NEED_REQUIRED, false, "Amlogic", is_amlogic,
         "the SoC's GPIO controller (the 40-pin header) has no driver"},

        /* bluetooth, both paths: HCIDEVUP / HCIGETDEVINFO on an AF_BLUETOOTH socket. */
        {"bluetooth", "BT", KERNEL_NEED_REQUIRED, true, "boards with a Bluetooth UART", has_bt,
         "socket(AF_BLUETOOTH): no hciN can exist or be brought up"},
        {"bluetooth", "BT_HCIUART", KERNEL_NEED_REQUIRED, true, "boards with a Bluetooth UART",
         has_bt, "the N_HCI line discipline and hci_uart: the UART cannot carry HCI"},
        {"bluetooth", "BT_HCIUART_H4", KERNEL_NEED_REQUIRED, false,
         "Bluetooth attached by hwctld (no serdev node)", bt_userspace,
         "ioctl(HCIUARTSETPROTO, HCI_UART_H4): hwctld brings the chip up but cannot hand it "
         "to the kernel"},
        {"bluetooth", "BT_HCIUART_BCM", KERNEL_NEED_REQUIRED, false,
         "Bluetooth attached by the kernel (a serdev node)", bt_kernel,
         "hci_uart_bcm never binds the tree's bluetooth node: no hciN"},
        {"bluetooth", "SERIAL_DEV_BUS", KERNEL_NEED_REQUIRED, false,
         "Bluetooth attached by the kernel (a serdev node)", bt_kernel,
         "serdev: the bluetooth node under the UART gets no device for hci_uart_bcm"},
        {"bluetooth", "BT_BCM", KERNEL_NEED_REQUIRED, true,
         "Bluetooth attached by the kernel (a serdev node)", bt_kernel,
         "btbcm: hci_uart_bcm cannot download the patch or set the address"},
        {"bluetooth", "RFKILL", KERNEL_NEED_WANTED, true, "boards with a Bluetooth UART", has_bt,
         "/dev/rfkill: a soft-blocked controller cannot be unblocked, nor a chip power-cycled"},
        {"bluetooth", "SERIAL_AMBA_PL011", KERNEL_NEED_REQUIRED, false, "Bluetooth on a PL011 UART",
         bt_on_pl011, "the Bluetooth UART has no tty"},
        {"bluetooth", "SERIAL_8250_BCM2835AUX", KERNEL_NEED_REQUIRED, false,
         "Bluetooth on the mini-UART", bt_on_mini, "the Bluetooth UART has no tty"},
        {"bluetooth", "SERIAL_MESON", KERNEL_NEED_REQUIRED, false, "Bluetooth on an Amlogic UART",
         bt_on_meson, "the Bluetooth UART has no tty"},
        {"bluetooth", "GPIO_RASPBERRYPI_EXP", KERNEL_NEED_REQUIRED, false,
         "Raspberry Pi with BT_REG_ON on the firmware's expander", rpi_expander,
         "the controller's shutdown-gpios line has no driver: it is never powered"},

        /* audio: alsa-lib opens /dev/snd/controlC*; the cards come from the board's drivers. */
        {"audio", "SND", KERNEL_NEED_REQUIRED, true, NULL, NULL,
         "no sound cards at all: the audio probe fails"},
        {"audio", "SND_BCM2835", KERNEL_NEED_WANTED, true, "Raspberry Pi", is_rpi,
         "the headphone jack (the firmware's audio through VCHIQ) has no card"},
        {"audio", "BCM2835_VCHIQ", KERNEL_NEED_WANTED, true, "Raspberry Pi", is_rpi,
         "snd_bcm2835 has no VCHIQ to reach the firmware's audio through"},
        {"audio", "DRM_VC4", KERNEL_NEED_WANTED, true, "Raspberry Pi", is_rpi,
         "HDMI audio with the KMS display driver has no card"},
        {"audio", "SND_SOC_HDMI_CODEC", KERNEL_NEED_WANTED, true, "Raspberry Pi", is_rpi,
         "vc4's HDMI audio registers no codec: HDMI has no sound"},
        {"audio", "SND_MESON_GX_SOUND_CARD", KERNEL_NEED_WANTED, true, "Amlogic GXL/GXM",
         amlogic_gx, "the board's sound card (HDMI, and the jack where it has one) is missing"},
        {"audio", "SND_MESON_AXG_SOUND_CARD", KERNEL_NEED_WANTED, true, "Amlogic G12 and later",
         amlogic_axg, "the board's sound card (HDMI, and the jack where it has one) is missing"},

        /* network: an FIB rule per uplink (RTM_NEWRULE) and a table each. */
        {"network", "IP_MULTIPLE_TABLES", KERNEL_NEED_REQUIRED, false, NULL, NULL,
         "RTM_NEWRULE fails: with Ethernet and Wi-Fi both up, replies leave by the wrong link "
         "and the board is unreachable on one of its addresses"},
        {"network", "IPV6_MULTIPLE_TABLES", KERNEL_NEED_WANTED, false, NULL, NULL,
         "the same for IPv6: its replies are not kept on their link"},
};

const size_t kernel_needs_count = ELEMENTSOF(kernel_needs);

bool kernel_need_applies(const KernelNeed *need, const Board *b)
{
        return !b || !need->applies || need->applies(b);
}
