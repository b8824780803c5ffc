#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Tier 2: under Debian's kernel, hwctld grows NixOS-sd-image-like cards (FAT32 firmware at
# 8 MiB, root after it, 512 MiB image on a 2 GiB disk): MBR+ext4, GPT+ext4, GPT+btrfs.
. "$(dirname "$0")/lib.sh"
require_vm_tier
set -u
work=$(mktemp -d /var/tmp/hwctl-rootfs-grow.XXXXXX)
trap 'rm -rf "$work"' EXIT

make_card "$work/mbr-ext4.img" dos ext4 512 2048
make_card "$work/gpt-ext4.img" gpt ext4 512 2048
make_card "$work/gpt-btrfs.img" gpt btrfs 512 2048
make_card "$work/daemon.img" dos ext4 512 2048
start=$(date +%s)
"$RUN_VM" --timeout 400 --disk "$work/mbr-ext4.img" --disk "$work/gpt-ext4.img" \
	--disk "$work/gpt-btrfs.img" --disk "$work/daemon.img" "$top/tests/rootfs/vm-grow.sh" \
	/dev/vda:ext4 /dev/vdb:ext4 /dev/vdc:btrfs daemon:/dev/vdd:ext4
rc=$?
echo "VM run: $(($(date +%s) - start)) s, exit $rc"
[ $rc -eq 0 ] || exit $rc

# From the host too: the GPT images are valid with their backup header at the end of the disk.
for img in "$work/gpt-ext4.img" "$work/gpt-btrfs.img"; do
	out=$(sfdisk --verify "$img" 2>&1)
	echo "$out" | grep -q "No errors detected" && ! echo "$out" | grep -qi "backup" ||
		die "sfdisk --verify $img: $out"
	ok "$(basename "$img"): sfdisk --verify clean from the host"
done
end=$(sfdisk -d "$work/mbr-ext4.img" | awk -F'[=,]' '/img2/ {print $2 + $4}')
[ "$end" -eq $((2048 * 2048)) ] || die "MBR root should end at 2 GiB (sector 4194304), ends at $end"
ok "MBR root ends at the end of the disk, aligned to 4 MiB"
end=$(sfdisk -d "$work/gpt-ext4.img" | awk -F'[=,]' '/img2/ {print $2 + $4}')
[ "$end" -eq $(((2048 - 4) * 2048)) ] || die "GPT root should end at 2044 MiB (backup area), ends at $end"
ok "GPT root ends at the last 4 MiB boundary before the backup area"
