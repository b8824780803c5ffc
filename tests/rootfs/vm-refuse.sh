#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# In the VM: layouts hwctld must not touch. Each argument is DEV:EXPECT where EXPECT is
# not-last, read-only, filesystem, inconsistent, locked or grown. Roots are mounted read-only
# without journal replay, so the host can check that not a byte of any image changed.
. "$HWCTL_SOURCE_DIR/tests/rootfs/vm-lib.sh"

for spec in "$@"; do
	dev=${spec%%:*}
	want=${spec#*:}
	part=${dev}2
	mnt=/mnt/$(basename "$dev")
	echo "== $dev (expect $want)"
	mount_root "$part" "$mnt" ro || { fail "mount $part"; continue; }
	holder=
	if [ "$want" = locked ]; then
		# What a partitioning tool (or udev) does: hold the whole disk's lock.
		flock -x "$dev" sleep 600 &
		holder=$!
		sleep 0.5
	fi
	run_probe "$mnt"
	[ -n "$holder" ] && kill "$holder"
	if [ "$want" = grown ]; then
		[ "$rc" -eq 0 ] && [ "$verdict" = ok ]
		check_rc $? "$dev: an already grown card is ok ($summary)"
		[ "$duration_usec" -lt 100000 ]
		check_rc $? "$dev: and takes little time even under TCG (${duration_usec} us)"
	else
		[ "$rc" -eq 1 ] && [ "$verdict" = degraded ] && [ -n "$remedy" ]
		check_rc $? "$dev: refused with a remedy ($summary; $remedy)"
		case $want in
		not-last) pat="not the last partition" ;;
		read-only) pat="read-only" ;;
		filesystem) pat="ext2, not ext4 or btrfs" ;;
		inconsistent) pat="past the end of the disk" ;;
		locked) pat="holds /dev/$(basename "$dev")'s lock" ;;
		esac
		echo "$summary" | grep -q "$pat"
		check_rc $? "$dev: the summary names the reason ($pat)"
		expect=$want
		[ "$want" = inconsistent ] && expect=inconsistent-table
		[ "$(detail refused)" = "$expect" ]
		check_rc $? "$dev: details say refused=$(detail refused)"
		ls /var/lib/hwctl/rootfs-"$(basename "$dev")"-*.sfdisk >/dev/null 2>&1
		[ $? -ne 0 ]
		check_rc $? "$dev: nothing was saved, as nothing was to be written"
	fi
	umount "$mnt"
done
finish
