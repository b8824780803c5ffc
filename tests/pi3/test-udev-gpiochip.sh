#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# On a real GPIO chip, 60-hwctl-gpio.rules gives its character device to the gpio group, mode
# 0660: the match keys (SUBSYSTEM=="gpio", KERNEL=="gpiochip[0-9]*") fit what the kernel reports.
#
# The chip is the emulated Raspberry Pi 3's gpiochip0 (tests/pi3/run-pi3): the real
# pinctrl-bcm2835 driver of Debian's arm64 kernel, bound to the upstream device tree's
# /soc/gpio@7e200000. Inside the guest, Debian's udevadm for arm64 (udev:arm64, unpacked by
# run-pi3 --prepare) runs `udevadm test` on it with only our rules file, in a private mount
# namespace (tests/units/udev-sandbox.sh, as in test-udev-rules.sh); the gpio group comes from
# hwctl's sysusers.d through systemd-sysusers --root on the host. Nothing about the device is
# made up: its uevent, devpath and dev attribute are the guest kernel's, at test time.
# (This machine's own kernel has no GPIO chip and no gpio-mockup.)
#
# Fails when the rule does not match the chip, or the node does not end up 0660 group gpio;
# skips (77) only when run-pi3 says this machine cannot run the rig.
. "$(dirname "$0")/../units/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
need systemd-sysusers pkg-config
need_root "run-pi3 and udevadm test in a private mount namespace"

install_root units
mkdir -p "$root/etc"
systemd-sysusers --root="$root" >/dev/null 2>&1 || die "systemd-sysusers --root failed"
gid=$(sed -n 's/^gpio:x:\([0-9]*\):.*/\1/p' "$root/etc/group")
[ -n "$gid" ] || die "systemd-sysusers made no gpio group from hwctl's sysusers.d"
rules=$root$(pkg-config --variable=udevdir udev)/rules.d/60-hwctl-gpio.rules
[ -f "$rules" ] || die "60-hwctl-gpio.rules not installed"

out=$HWCTL_BUILD_DIR/tests/pi3-out/udev-gpiochip
rm -rf "$out"
set +e
"$here/run-pi3" --quiet --without-hwctl --modules '' --udev --timeout 90 --out "$out" \
	--add "$rules:/pi3/udev/60-hwctl-gpio.rules" \
	--add "$root/etc/group:/pi3/udev/group" \
	--add "$HWCTL_SOURCE_DIR/tests/units/udev-sandbox.sh:/pi3/udev/sandbox.sh" \
	"$here/udev-gpiochip.sh" /pi3/udev/60-hwctl-gpio.rules /pi3/udev/group /pi3/udev/sandbox.sh
rc=$?
set -e
section() { cat "$out/$1" 2>/dev/null || true; }
case $rc in
0) ;;
77) skip "run-pi3 cannot run the emulated Pi 3 here (see above)" ;;
*)
	echo "--- the guest's udevadm test log ---" >&2
	section udevadm.log >&2
	echo "--- last console lines ---" >&2
	tail -n 30 "$out/console.log" >&2 2>/dev/null || true
	why=$(sed -n 's/^pi3: \[[^]]*\] udev-gpiochip: FAIL: //p' "$out/console.log" 2>/dev/null || true)
	die "in the emulated Pi 3: ${why:-run-pi3 exit $rc (124: timeout, 125: the rig broke)}"
	;;
esac

# The guest decided; check again from what it printed, so a scenario that stopped short fails.
grep -qx 'DEVNAME=gpiochip[0-9]*' "$out/uevent" || die "the guest's uevent has no DEVNAME: $(section uevent)"
[ "$(section subsystem)" = /sys/bus/gpio ] || die "the chip's subsystem is '$(section subsystem)', not /sys/bus/gpio"
got=$(section node.stat)
[ "$got" = "660 $gid" ] || die "the node is mode/gid '$got' after udev, expected '660 $gid' (group gpio)"
note "kernel: $(section devpath) ($(section label)), $(tr '\n' ' ' <"$out/uevent")"
note "/dev/$(sed -n 's/^DEVNAME=//p' "$out/uevent") ($(section dev)): mode 0660, group gpio, in the emulated Pi 3"
