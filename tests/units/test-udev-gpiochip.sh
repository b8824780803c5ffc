#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# On a real GPIO chip, 60-hwctl-gpio.rules gives its character device to the gpio group, mode
# 0660: the match keys (SUBSYSTEM=="gpio", KERNEL=="gpiochip[0-9]*") fit what the kernel reports.
#
# Needs a GPIO chip: a board's own, or gpio-mockup, which this test loads (and unloads) when the
# machine has none and the module is available. Skipped otherwise, e.g. in containers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/udev-sandbox.sh"

need udevadm unshare mount mknod systemd-sysusers pkg-config
need_root "udevadm test in a private mount namespace"
unshare --mount true 2>/dev/null || skip "cannot create a mount namespace here"

chips() {
	ls -d /sys/bus/gpio/devices/gpiochip[0-9]* 2>/dev/null || true
}
if [ -z "$(chips)" ] && command -v modprobe >/dev/null && modprobe -n gpio-mockup 2>/dev/null; then
	if modprobe gpio-mockup gpio_mockup_ranges=-1,8 2>/dev/null; then
		at_exit+=("modprobe -r gpio-mockup")
		udevadm settle --timeout=5 2>/dev/null || sleep 1
	fi
fi
chip=$(chips | head -n1)
[ -n "$chip" ] || skip "no GPIO chip in /sys/bus/gpio/devices and no gpio-mockup module to make one"
name=$(basename "$chip")
[ -r "$chip/dev" ] || die "$chip has no dev attribute: not a character device?"
devnum=$(cat "$chip/dev")

install_root units
mkdir -p "$root/etc"
systemd-sysusers --root="$root" >/dev/null 2>&1 || die "systemd-sysusers --root failed"
gid=$(sed -n 's/^gpio:x:\([0-9]*\):.*/\1/p' "$root/etc/group")
rules=$root$(pkg-config --variable=udevdir udev)/rules.d/60-hwctl-gpio.rules

udev_sandbox_test "$rules" "$root/etc/group" "$(readlink -f "$chip")" "/dev/$name" "$devnum"
got=$(cat "$tmp/node.stat")
if [ "$got" != "660 $gid" ]; then
	cat "$tmp/udevadm.log" >&2
	die "/dev/$name is mode/gid '$got' after udev, expected '660 $gid' (group gpio)"
fi
note "/dev/$name ($devnum): mode 0660, group gpio"
