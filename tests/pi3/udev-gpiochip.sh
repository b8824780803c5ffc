# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash disable=SC1090,SC1091,SC2154
# Runs inside the emulated Pi 3 (tests/pi3/run-pi3 --udev): Debian's udevadm for arm64 runs
# `udevadm test` with only 60-hwctl-gpio.rules, in a private mount namespace (the host tests'
# udev-sandbox.sh), on the kernel's real gpiochip0 (pinctrl-bcm2835, brcm,bcm2835-gpio); then
# prints what the kernel reports and what udev did, in sections test-udev-gpiochip.sh checks.
#
#     udev-gpiochip.sh RULES GROUP_FILE SANDBOX
#
# GROUP_FILE is the /etc/group systemd-sysusers wrote on the host from hwctl's sysusers.d.
# Exits 1, with the reason, when a prerequisite is missing or the node does not end up mode
# 0660, group gpio.
. /pi3/lib.sh
rules=$1 group_file=$2 sandbox=$3

# On the console as a progress line, which run-pi3 --quiet still shows.
fail() {
	say "udev-gpiochip: FAIL: $*"
	exit 1
}
die() { fail "$@"; } # what tests/units/udev-sandbox.sh calls
tmp=/tmp/udev-gpiochip
mkdir -p "$tmp"

# The rig's side first: a failure here is the rig's, not the rule's.
for f in "$rules" "$group_file" "$sandbox"; do
	[ -s "$f" ] || fail "$f is missing or empty (run-pi3 --add)"
done
command -v udevadm >/dev/null || fail "udevadm is not in the guest (run-pi3 --udev)"
version=$(udevadm --version 2>&1) || fail "udevadm does not run in the guest: $version"
for t in unshare mount umount mknod stat; do
	command -v "$t" >/dev/null || fail "$t is missing in the guest (busybox)"
done
gid=$(sed -n 's/^gpio:x:\([0-9]*\):.*/\1/p' "$group_file")
[ -n "$gid" ] || fail "$group_file has no gpio group"

# The SoC's own GPIO controller, as the device tree and the kernel name it.
chip=
for c in /sys/bus/gpio/devices/gpiochip*; do
	if grep -qx 'OF_COMPATIBLE_0=brcm,bcm2835-gpio' "$c/uevent" 2>/dev/null; then
		chip=$c
		break
	fi
done
[ -n "$chip" ] || fail "no gpiochip with OF_COMPATIBLE_0=brcm,bcm2835-gpio in /sys/bus/gpio/devices: $(ls /sys/bus/gpio/devices)"
name=${chip##*/}
[ -r "$chip/dev" ] || fail "$chip has no dev attribute: not a character device?"
devnum=$(cat "$chip/dev")
syspath=$(readlink -f "$chip")
say "udevadm $version: udevadm test on $syspath ($devnum)"

# udev-sandbox.sh bind-mounts the group file over /etc/group, which the initramfs lacks.
[ -e /etc/group ] || : >/etc/group
. "$sandbox"
udev_sandbox_test "$rules" "$group_file" "$syspath" "/dev/$name" "$devnum"

section uevent cat "$chip/uevent"
section devpath echo "$syspath"
section subsystem readlink -f "$chip/subsystem"
section dev echo "$devnum"
section label sh -c "cat $syspath/../gpio/gpiochip*/label"
section udevadm.log cat "$tmp/udevadm.log"
section node.stat cat "$tmp/node.stat"

problems=$(udev_rule_problems "$rules")
[ -z "$problems" ] || fail "udev reports problems in $(basename "$rules"): $problems"
got=$(cat "$tmp/node.stat")
[ "$got" = "660 $gid" ] ||
	fail "/dev/$name is mode/gid '$got' after udev, expected '660 $gid' (group gpio)"
say "/dev/$name ($devnum): mode 0660, group gpio ($gid)"
exit 0
