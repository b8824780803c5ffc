#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# In the VM, one boot of the power-cut series. check=DEV:FS: the card cut in the previous boot
# boots again as a real system would (mount, journal replay) and hwctld finishes the grow; then
# it must be fully grown, fsck clean, its files intact. grow=DEV:FS: hwctld starts growing a
# fresh card and the harness kills qemu at a chosen instant after hwctld says "growing".
. "$HWCTL_SOURCE_DIR/tests/rootfs/vm-lib.sh"

state_of() { # the partition's and the filesystem's size, as found at boot
	local dev=$1 part=${1}2 fs=$2
	local psize fsb
	psize=$(cat /sys/class/block/$(basename "$part")/size)
	case $fs in
	ext4) fsb=$(dumpe2fs -h "$part" 2>/dev/null | awk -F: '/^Block count/ {c=$2} /^Block size/ {s=$2} END {print c*s}') ;;
	btrfs) fsb=$(btrfs inspect-internal dump-super "$part" 2>/dev/null | awk '/^dev_item.total_bytes/ {print $2}') ;;
	esac
	echo "partition=$((psize / 2048))MiB fs=$((fsb / 1048576))MiB"
}

for arg in "$@"; do
	case $arg in
	check=*)
		spec=${arg#check=}
		dev=${spec%%:*} fs=${spec#*:} part=${dev}2 mnt=/mnt/check
		echo "CUT-FOUND $(state_of "$dev" "$fs")"
		mount_root "$part" "$mnt" || { fail "mount $part after the cut"; continue; }
		run_probe "$mnt"
		[ "$rc" -eq 0 ] && { [ "$verdict" = changed ] || [ "$verdict" = ok ]; }
		check_rc $? "after the cut hwctld finishes: $verdict: $summary"
		size=$(df -B1 --output=size "$mnt" | tail -1)
		[ "$size" -gt $((1800 * 1048576)) ]
		check_rc $? "fully grown ($size bytes)"
		(cd "$mnt" && sha256sum --quiet -c MANIFEST)
		check_rc $? "files written before the grow are intact"
		umount "$mnt"
		fsck_clean "$part"
		check_rc $? "fsck clean"
		out=$(sfdisk --verify "$dev" 2>&1)
		echo "$out" | grep -q "No errors detected" && ! echo "$out" | grep -qi backup
		check_rc $? "sfdisk --verify clean"
		echo "CUT-RESULT $([ "$check_failures" -eq 0 ] && echo pass || echo FAIL) verdict=$verdict"
		;;
	grow=*)
		spec=${arg#grow=}
		dev=${spec%%:*} part=${dev}2 mnt=/mnt/grow
		mount_root "$part" "$mnt" || { fail "mount $part"; continue; }
		printf '[RootFS]\nMount=%s\n' "$mnt" >/tmp/cut.conf
		sync
		# Its "growing ..." progress line on the console starts the harness's clock.
		"$HWCTLD" --sysroot / --config /tmp/cut.conf --once --only rootfs
		echo "CUT-GROW-DONE rc=$?"
		sync
		sleep 60 # the cut lands here if it comes after the grow
		;;
	esac
done
[ "$check_failures" -eq 0 ] || exit 1
exit 0
