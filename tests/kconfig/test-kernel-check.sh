#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# hwctl kernel-check on Debian's real kernel configurations (the arm64 6.12 package the pi3 and
# board tiers use, the amd64 one of the VM tier; both fetched by scripts/setup) and on broken
# ones made from them here: a missing option, a gzip'd file, garbage, a file that is not there.
set -u
. "$HWCTL_SOURCE_DIR/tests/lib/check.sh"
need python3 gzip
hwctl=$HWCTL_BUILD_DIR/cli/hwctl
arm64=$(ls "$HWCTL_SOURCE_DIR"/.cache/pi3/kroot/boot/config-*-arm64 2>/dev/null | head -1)
amd64=$(ls "$HWCTL_SOURCE_DIR"/.cache/vm/kroot/boot/config-*-amd64 2>/dev/null | head -1)
pi4=$HWCTL_DTB_DIR/bcm2711-rpi-4-b.dtb
vim=$HWCTL_DTB_DIR/meson-gxl-s905x-khadas-vim.dtb
[ -n "$arm64" ] || skip "no arm64 kernel configuration under .cache/pi3 (scripts/setup)"
[ -n "$amd64" ] || skip "no amd64 kernel configuration under .cache/vm (scripts/setup)"
for f in "$pi4" "$vim"; do
	[ -f "$f" ] || skip "$f is missing (scripts/fetch-dtbs)"
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root" # a system root without a device tree or a kernel configuration

# run NAME ARGS...: hwctl --sysroot $tmp/root ARGS; output in $tmp/NAME.out, exit code in rc.
run() {
	local name=$1
	shift
	"$hwctl" --sysroot "$tmp/root" "$@" >"$tmp/$name.out" 2>&1
	rc=$?
	sed "s/^/   | /" "$tmp/$name.out" >&2
}
has() { grep -qF -- "$2" "$tmp/$1.out"; }
# json NAME PYTHON-EXPRESSION: the expression over d, the document, is true.
json() {
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" \
		"$tmp/$1.out"
}
opt() { echo "[o for p in d['probes'] for o in p['options'] if o['option'] == '$1'][0]"; }
probe_ok() { echo "all(o['ok'] for p in d['probes'] if p['probe'] == '$1' for o in p['options'])"; }

run pi4 kernel-check --json --config "$arm64" --dtb "$pi4"
check "Debian arm64 6.12 on a Pi 4: exit 0" [ "$rc" -eq 0 ]
check "... for the board rpi-4-b, nothing required missing" json pi4 "d['board'] == 'rpi-4-b' and d['missing_required'] == 0"
check "... gpio's needs met" json pi4 "$(probe_ok gpio) and $(opt GPIO_CDEV)['value'] == 'y'"
check "... bluetooth's needs met (the kernel path: hci_uart_bcm, serdev, btbcm)" \
	json pi4 "$(probe_ok bluetooth) and $(opt BT_HCIUART_BCM)['value'] == 'y' and $(opt SERIAL_DEV_BUS)['ok'] and $(opt BT_BCM)['value'] == 'm'"
check "... rootfs's needs met (DOS and GPT tables, ext4 and btrfs)" json pi4 "$(probe_ok rootfs)"
check "... audio: snd_bcm2835 and vc4 as modules, with the HDMI codec" \
	json pi4 "$(probe_ok audio) and [$(opt SND_BCM2835)['value'], $(opt DRM_VC4)['value'], $(opt SND_SOC_HDMI_CODEC)['value']] == ['m', 'm', 'm']"
check "... no Amlogic option on a Pi" json pi4 "not any(o['option'].startswith('SND_MESON') for p in d['probes'] for o in p['options'])"

run vim kernel-check --json --config "$arm64" --dtb "$vim"
check "the same kernel on a Khadas VIM: exit 0, the GX sound card and the Meson UART" \
	json vim "d['missing_required'] == 0 and $(opt SND_MESON_GX_SOUND_CARD)['value'] == 'm' and $(opt PINCTRL_MESON)['ok'] and not any(o['option'] == 'SND_BCM2835' for p in d['probes'] for o in p['options'])"

run amd64 kernel-check --config "$amd64" --dtb "$pi4"
check "Debian's amd64 kernel for a Pi 4: exit 1" [ "$rc" -eq 1 ]
check "... the Pi's GPIO controller driver named, with what breaks" \
	has amd64 "CONFIG_PINCTRL_BCM2835 MISSING: the SoC's GPIO controller (the 40-pin header) has no driver"
check "... and the Bluetooth UART's" has amd64 "CONFIG_SERIAL_AMBA_PL011 MISSING: the Bluetooth UART has no tty"
run amd64-all kernel-check --config "$amd64"
check "no device tree: every board's needs, each with its boards" has amd64-all "every board's needs"
check "... [Raspberry Pi] marks the Pi's" has amd64-all "[Raspberry Pi]"

# Broken configurations made from the real one.
sed 's/^CONFIG_GPIO_CDEV=y/# CONFIG_GPIO_CDEV is not set/' "$arm64" >"$tmp/no-cdev.config"
run nocdev kernel-check --config "$tmp/no-cdev.config" --dtb "$pi4"
check "GPIO_CDEV not set: exit 1" [ "$rc" -eq 1 ]
check "... named, with the call it breaks" has nocdev "CONFIG_GPIO_CDEV MISSING: gpiod_chip_open() on /dev/gpiochipN"
grep -v '^CONFIG_BT_HCIUART_BCM=' "$arm64" >"$tmp/no-bcm.config"
run nobcm kernel-check --json --config "$tmp/no-bcm.config" --dtb "$pi4"
check "BT_HCIUART_BCM gone: exit 1, the one missing" \
	json nobcm "d['missing_required'] == 1 and not $(opt BT_HCIUART_BCM)['ok'] and $(opt BT_HCIUART_BCM)['value'] == 'missing'"
sed 's/^CONFIG_SND_BCM2835=m/# CONFIG_SND_BCM2835 is not set/' "$arm64" >"$tmp/no-jack.config"
run nojack kernel-check --json --config "$tmp/no-jack.config" --dtb "$pi4"
check "SND_BCM2835 off: exit 0 (wanted, not required), counted as wanted" \
	json nojack "d['missing_required'] == 0 and d['missing_wanted'] == 1"
gzip -c "$arm64" >"$tmp/config.gz"
run gz kernel-check --json --config "$tmp/config.gz" --dtb "$pi4"
check "a gzip'd configuration (as /proc/config.gz) reads the same" json gz "d['missing_required'] == 0"
printf 'hello\nworld\n' >"$tmp/garbage"
run garbage kernel-check --config "$tmp/garbage"
check "garbage: exit 1 with a sentence" [ "$rc" -eq 1 ]
check "... that says it is no kernel configuration" grep -qi "kernel configuration" "$tmp/garbage.out"
run nofile kernel-check --config "$tmp/none"
check "a file that is not there: exit 1, named" [ "$rc" -eq 1 ]
check "... named" has nofile "$tmp/none"
run norunning kernel-check
check "no running configuration under the root: exit 1, says to give --config" \
	has norunning "give one with --config FILE"
run usage kernel-check extra
check "an extra argument: exit 2" [ "$rc" -eq 2 ]
finish
