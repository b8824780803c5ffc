#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# hwctl boot-check on boot trees laid out here from the upstream DTBs (.cache/dtb): a NixOS-style
# extlinux layout for a Pi 4 (paths relative to extlinux/, FDTDIR), a Khadas one with FDT's exact
# path, a wrong FDT path, another board's tree, Ubuntu's runtime overlay helpers, a Pi firmware
# partition with a missing overlay, a dtparam the tree lacks and a cmdline.txt without root=, and
# broken inputs.
set -u
. "$HWCTL_SOURCE_DIR/tests/lib/check.sh"
need dtc python3
hwctl=$HWCTL_BUILD_DIR/cli/hwctl
pi4=$HWCTL_DTB_DIR/bcm2711-rpi-4-b.dtb
vim3l=$HWCTL_DTB_DIR/meson-sm1-khadas-vim3l.dtb
for f in "$pi4" "$vim3l"; do
	[ -f "$f" ] || skip "$f is missing (scripts/fetch-dtbs)"
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() {
	local name=$1
	shift
	"$hwctl" boot-check "$@" >"$tmp/$name.out" 2>&1
	rc=$?
	sed "s/^/   | /" "$tmp/$name.out" >&2
}
has() { grep -qF -- "$2" "$tmp/$1.out"; }

# A NixOS image's root for a Pi 4: /boot/extlinux/extlinux.conf, the kernel, initrd and DTBs
# under /boot/nixos, referred to relative to extlinux/.
nix=$tmp/nixos
mkdir -p "$nix/boot/extlinux" "$nix/boot/nixos/abc-dtbs/broadcom"
: >"$nix/boot/nixos/abc-Image"
: >"$nix/boot/nixos/abc-initrd"
cp "$pi4" "$nix/boot/nixos/abc-dtbs/broadcom/"
cat >"$nix/boot/extlinux/extlinux.conf" <<'CONF'
# Generated file, all changes will be lost on nixos-rebuild!
DEFAULT nixos-default
MENU TITLE ------------------------------------------------------------
TIMEOUT 50

LABEL nixos-default
  MENU LABEL NixOS - Default
  LINUX ../nixos/abc-Image
  INITRD ../nixos/abc-initrd
  APPEND init=/nix/store/xyz/init console=ttyS0,115200n8 root=/dev/disk/by-label/NIXOS_SD rootwait loglevel=4
  FDTDIR ../nixos/abc-dtbs
CONF
run nixos "$nix" --board rpi-4-b
check "a NixOS extlinux layout for a Pi 4: exit 0" [ "$rc" -eq 0 ]
check "... no errors or warnings" has nixos "0 error(s), 0 warning(s)"
run nixos-vim "$nix" --board khadas-vim3l
check "the same layout for a VIM3L: FDTDIR holds no tree for it" has nixos-vim "FDTDIR /boot/nixos/abc-dtbs holds no tree for khadas-vim3l"

# A Khadas boot partition: extlinux/ at its root, FDT with the exact path, and what Ubuntu's
# images carry for U-Boot's runtime overlays.
kh=$tmp/khadas
mkdir -p "$kh/extlinux" "$kh/dtb/amlogic" "$kh/dtb/amlogic/kvim3l.dtb.overlays"
: >"$kh/Image"
cp "$vim3l" "$kh/dtb/amlogic/"
cat >"$kh/extlinux/extlinux.conf" <<'CONF'
label vendor
    kernel /Image
    fdt /dtb/amlogic/meson-sm1-khadas-vim3l.dtb
    append root=UUID=1234 rootwait console=ttyAML0,115200
label wrong-path
    kernel /Image
    fdt /dtb/amlogic/kvim3l.dtb
    append root=UUID=1234 rootwait
label no-root
    kernel /Image
    fdt ../dtb/amlogic/meson-sm1-khadas-vim3l.dtb
    append console=ttyAML0,115200
CONF
run kh "$kh" --board khadas-vim3l
check "the Khadas partition: exit 1" [ "$rc" -eq 1 ]
check "the right label passes (no finding names it)" bash -c "! grep -q 'LABEL vendor' '$tmp/kh.out'"
check "a wrong FDT path is named with the line" has kh "extlinux/extlinux.conf:5: error: FDT /dtb/amlogic/kvim3l.dtb does not exist"
check "no root= is named" has kh "extlinux/extlinux.conf:9: error: the kernel command line has no root="
check "a relative FDT climbs to the partition's root (no finding for it)" bash -c "! grep -q 'FDT /dtb/amlogic/meson-sm1' '$tmp/kh.out'"
: >"$kh/uEnv.txt"
: >"$kh/dtb/amlogic/kvim3l.dtb.overlay.env"
printf 'verbosity=1\noverlays=uart3 i2c3\n' >"$kh/env.txt"
run helpers "$kh" --board khadas-vim3l
check "uEnv.txt is reported with what it does" has helpers "uEnv.txt: warning: an environment U-Boot's boot script imports at each boot"
check "*.dtb.overlay.env is reported" has helpers "dtb/amlogic/kvim3l.dtb.overlay.env: warning:"
check "*.dtb.overlays/ is reported" has helpers "dtb/amlogic/kvim3l.dtb.overlays: warning: a runtime overlay directory"
check "env.txt with overlays= is reported" has helpers "env.txt: warning: it sets overlays="
check "the fix names the merge at build time" has helpers "hwctl dt check BASE.dtb OVERLAY.dtbo... -o MERGED.dtb"
run other "$kh" --board rpi-4-b
check "another board's tree is named" has other "is the tree of Khadas VIM3L (khadas-vim3l), not of rpi-4-b"

# A Raspberry Pi firmware partition with the upstream tree.
pi=$tmp/pifw
mkdir -p "$pi/overlays"
cp "$pi4" "$pi/"
dtc -@ -q -I dts -O dtb -o "$pi/overlays/i2s-on.dtbo" "$HWCTL_SOURCE_DIR/tests/dt/i2s-on.dts"
dtc -@ -q -I dts -O dtb -o "$pi/overlays/audio-on.dtbo" "$HWCTL_SOURCE_DIR/tests/dt/audio-on.dts"
cat >"$pi/config.txt" <<'CONF'
[all]
arm_64bit=1
dtoverlay=i2s-on
[pi4]
dtoverlay=vc4-kms-v3d
dtoverlay=audio-on
dtparam=audio=on
[pi3]
dtoverlay=never-on-a-pi4
CONF
printf 'console=serial0,115200 console=tty1 rootwait\n' >"$pi/cmdline.txt"
run pi "$pi" --board rpi-4-b
check "the Pi partition: exit 1" [ "$rc" -eq 1 ]
check "a missing overlay is named with its line" has pi "config.txt:5: error: dtoverlay=vc4-kms-v3d: overlays/vc4-kms-v3d.dtbo does not exist"
check "an overlay that does not apply to the firmware's DTB says why" has pi "config.txt:6: error: overlays/audio-on.dtbo: fragment@0 refers to the label 'audio'"
check "... with the known fix" has pi "snd_bcm2835.enable_headphones=1"
check "dtparam= on a tree without __overrides__ is named" has pi "dtparam=audio: bcm2711-rpi-4-b.dtb has no __overrides__"
check "an overlay that applies gives no finding" bash -c "! grep -q 'i2s-on' '$tmp/pi.out'"
check "a [pi3] section is not read for a Pi 4" bash -c "! grep -q never-on-a-pi4 '$tmp/pi.out'"
check "cmdline.txt without root= is named" has pi "cmdline.txt:1: error: the kernel command line has no root="
rm "$pi/bcm2711-rpi-4-b.dtb"
run pi-nodtb "$pi" --board rpi-4-b
check "without the board's DTB: the one the firmware loads is named" has pi-nodtb "the firmware loads bcm2711-rpi-4-b.dtb for this board, and the partition has none"

# JSON, and broken inputs.
"$hwctl" --json boot-check "$kh" --board khadas-vim3l >"$tmp/json.out" 2>&1
check "--json: findings with severity, file, line and fix" python3 - "$tmp/json.out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f = [x for x in d["findings"] if x.get("line") == 5]
sys.exit(0 if d["errors"] == 2 and f and f[0]["severity"] == "error" and f[0]["file"] == "extlinux/extlinux.conf" and "fix" in f[0] else 1)
PY
mkdir -p "$tmp/junk/extlinux"
head -c 4096 /dev/urandom >"$tmp/junk/extlinux/extlinux.conf"
run junk "$tmp/junk"
check "binary garbage as extlinux.conf: exit 1, said to be no text" has junk "it is not text"
printf 'DEFAULT x\nTIMEOUT 3\n' >"$tmp/junk/extlinux/extlinux.conf"
run nolabel "$tmp/junk"
check "no LABEL: named" has nolabel "it has no LABEL"
python3 -c "print('LABEL ' + 'x' * 200000)" >"$tmp/junk/extlinux/extlinux.conf"
run long "$tmp/junk"
check "a 200 kB line: no crash, the label checked" [ "$rc" -eq 1 ]
check "... its name cut short in the report" [ "$(wc -c <"$tmp/long.out")" -lt 4000 ]
mkdir -p "$tmp/empty"
run empty "$tmp/empty"
check "an empty directory: exit 1, nothing a boot loader reads" has empty "nothing a boot loader reads"
run notdir "$tmp/none"
check "not a directory: exit 2" [ "$rc" -eq 2 ]
run badboard "$kh" --board pi-99
check "an unknown board: exit 2" [ "$rc" -eq 2 ]
finish
