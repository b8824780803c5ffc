#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# udev loads 60-hwctl-gpio.rules without a complaint: every key and operator is valid and the
# gpio group it names exists on an image where systemd-sysusers has run.
#
# systemd 252 has no `udevadm verify` (253 does). Instead `udevadm test` runs on any device with
# only our rules file in place; udev parses the whole file first and names file and line for
# each problem. Two broken copies show that such problems are really reported here.
# tests/pi3/test-udev-gpiochip.sh checks what the rule does to a real GPIO chip (the emulated Pi 3).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/udev-sandbox.sh"

need udevadm unshare mount systemd-sysusers pkg-config
need_root "udevadm test in a private mount namespace"
unshare --mount true 2>/dev/null || skip "cannot create a mount namespace here"

install_root units
mkdir -p "$root/etc"
systemd-sysusers --root="$root" >/dev/null 2>&1 || die "systemd-sysusers --root failed"
rules=$root$(pkg-config --variable=udevdir udev)/rules.d/60-hwctl-gpio.rules
[ -f "$rules" ] || die "60-hwctl-gpio.rules not installed"
device=/sys/devices/virtual/mem/null
[ -e "$device" ] || skip "$device missing"

udev_sandbox_test "$rules" "$root/etc/group" "$device"
grep -q "Reading rules file: /run/udev/rules.d/60-hwctl-gpio.rules" "$tmp/udevadm.log" || {
	cat "$tmp/udevadm.log" >&2
	die "udevadm did not read 60-hwctl-gpio.rules"
}
problems=$(udev_rule_problems "$rules")
[ -z "$problems" ] || die "udev reports problems in 60-hwctl-gpio.rules: $problems"

# Negative controls: a wrong operator, and a group that does not exist.
mkdir -p "$tmp/broken"
sed 's/SUBSYSTEM=="gpio"/SUBSYSTEM="gpio"/' "$rules" >"$tmp/broken/60-hwctl-gpio.rules"
udev_sandbox_test "$tmp/broken/60-hwctl-gpio.rules" "$root/etc/group" "$device"
[ -n "$(udev_rule_problems "$rules")" ] || die "udev did not report an invalid operator; this test proves nothing here"
sed 's/GROUP="gpio"/GROUP="hwctl-no-such-group"/' "$rules" >"$tmp/broken/60-hwctl-gpio.rules"
udev_sandbox_test "$tmp/broken/60-hwctl-gpio.rules" "$root/etc/group" "$device"
[ -n "$(udev_rule_problems "$rules")" ] || die "udev did not report an unknown group; this test proves nothing here"

note "udev reads 60-hwctl-gpio.rules without problems"
