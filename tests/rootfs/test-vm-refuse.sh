#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Tier 2: hwctld refuses, with the reason and a remedy, layouts it cannot grow safely (root not
# last, read-only disk, unsupported filesystem, partition past the end, disk lock held), and does
# nothing to an already grown card; every image stays byte-for-byte unchanged.
. "$(dirname "$0")/lib.sh"
require_vm_tier
set -u
work=$(mktemp -d /var/tmp/hwctl-rootfs-refuse.XXXXXX)
trap 'rm -rf "$work"' EXIT

make_card "$work/not-last.img" dos ext4 512 2048 after
make_card "$work/read-only.img" dos ext4 512 2048
make_card "$work/filesystem.img" dos ext2 512 2048
make_card "$work/inconsistent.img" dos ext4 512 512 past-end
make_card "$work/grown.img" gpt ext4 2048 2048
make_card "$work/locked.img" gpt ext4 512 2048
names="not-last read-only filesystem inconsistent grown locked"
declare -A before
for n in $names; do before[$n]=$(image_sum "$work/$n.img"); done

start=$(date +%s)
"$RUN_VM" --timeout 400 --disk "$work/not-last.img" --disk "$work/read-only.img:ro" \
	--disk "$work/filesystem.img" --disk "$work/inconsistent.img" --disk "$work/grown.img" \
	--disk "$work/locked.img" "$top/tests/rootfs/vm-refuse.sh" /dev/vda:not-last \
	/dev/vdb:read-only /dev/vdc:filesystem /dev/vdd:inconsistent /dev/vde:grown /dev/vdf:locked
rc=$?
echo "VM run: $(($(date +%s) - start)) s, exit $rc"
[ $rc -eq 0 ] || exit $rc
for n in $names; do
	[ "$(image_sum "$work/$n.img")" = "${before[$n]}" ] || die "$n.img changed"
	ok "$n.img is byte-for-byte unchanged"
done
