#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# In the VM: each disk given (DEV:FS) is a 512 MiB card image on a 2 GiB disk; hwctld grows its
# root online (waiting out a udev-like shared lock on the disk), the data survives, fsck is
# clean, and a second run finds nothing to do.
. "$HWCTL_SOURCE_DIR/tests/rootfs/vm-lib.sh"

for spec in "$@"; do
	dev=${spec%%:*}
	fs=${spec#*:}
	part=${dev}2
	mnt=/mnt/$(basename "$dev")
	echo "== $dev ($fs)"
	mount_root "$part" "$mnt" || { fail "mount $part"; continue; }
	before=$(df -B1 --output=size "$mnt" | tail -1)
	# udev takes a shared lock on the disk for a moment whenever it probes it: hwctld waits
	# that out rather than refusing.
	flock -s "$dev" sleep 0.7 &
	sleep 0.2
	run_probe "$mnt"
	wait
	after=$(df -B1 --output=size "$mnt" | tail -1)
	[ "$rc" -eq 0 ] && [ "$verdict" = changed ]
	check_rc $? "$dev: verdict changed ($summary)"
	echo "$summary" | grep -Eq "^grew /dev/$(basename "$part") .* -> .*, $fs online \(.*\)$"
	check_rc $? "$dev: the summary says what grew, to what, and how long it took"
	[ "$(detail partition)" = 2 ] && [ -n "$(detail new_sectors)" ] && [ -n "$(detail old_table)" ]
	check_rc $? "$dev: details carry partition, sizes and the old table"
	[ "$(cat /sys/class/block/$(basename "$part")/size)" = "$(detail new_sectors)" ]
	check_rc $? "$dev: the kernel sees the new partition size without a table re-read"
	[ "$after" -gt $((1800 * 1024 * 1024)) ] && [ "$after" -gt "$before" ]
	check_rc $? "$dev: df shows the new size ($before -> $after bytes)"
	ls /var/lib/hwctl/rootfs-"$(basename "$dev")"-*.sfdisk >/dev/null 2>&1
	check_rc $? "$dev: the old table is saved under /var/lib/hwctl"
	(cd "$mnt" && sha256sum --quiet -c MANIFEST)
	check_rc $? "$dev: every file written before the grow is intact"
	run_probe "$mnt"
	[ "$rc" -eq 0 ] && [ "$verdict" = ok ]
	check_rc $? "$dev: a second run finds nothing to do ($summary, ${probe_ms} ms)"
	umount "$mnt"
	fsck_clean "$part"
	check_rc $? "$dev: fsck is clean after the online grow"
	sfdisk --verify "$dev" >/tmp/verify.log 2>&1 && ! grep -qi "backup\|mismatch" /tmp/verify.log
	check_rc $? "$dev: sfdisk --verify is clean (GPT backup header at the new end)"
	sfdisk -d "$dev" | sed "s|^|   |"
done
finish
