#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# In the VM: each disk given (DEV:FS) is a 512 MiB card image on a 2 GiB disk; hwctld grows its
# root online (waiting out a udev-like shared lock on the disk), the data survives, fsck is
# clean, and a second run finds nothing to do.
. "$HWCTL_SOURCE_DIR/tests/rootfs/vm-lib.sh"

# daemon:DEV:FS: hwctld as it runs from its unit, with udevd: once the grow is done it holds
# nothing of the disk (no descriptor, no lock), and udev's record of the partition has the new
# size, because hwctld told it to look again.
daemon_grow() {
	local dev=$1 part=${1}2 mnt=/mnt/daemon pid fds locks want got i
	echo "== $dev (daemon, with udevd)"
	/lib/systemd/systemd-udevd --daemon 2>/tmp/udevd.err || { fail "udevd: $(cat /tmp/udevd.err)"; return; }
	udevadm settle -t 10
	mount_root "$part" "$mnt" || { fail "mount $part"; return; }
	printf '[RootFS]\nMount=%s\n' "$mnt" >/tmp/hwctl-daemon.conf
	rm -f /run/hwctl/status.json
	"$HWCTLD" --sysroot / --config /tmp/hwctl-daemon.conf --only rootfs 2>/tmp/hwctld-daemon.log &
	pid=$!
	for i in $(seq 300); do
		python3 -c 'import json,sys; d=json.load(open("/run/hwctl/status.json")); p=[p for p in d["probes"] if p["name"]=="rootfs"][0]; sys.exit(p.get("state")!="done")' 2>/dev/null && break
		sleep 0.1
	done
	run_probe_read
	[ "$verdict" = changed ]
	check_rc $? "$dev: the daemon grew it ($summary)"
	udevadm settle -t 10
	fds=$(for f in /proc/$pid/fd/*; do readlink "$f"; done | grep -c "^$dev" || true)
	[ "$fds" -eq 0 ]
	check_rc $? "$dev: after the grow hwctld has no descriptor on the disk ($fds)"
	locks=$(awk -v p="$pid" '$5 == p' /proc/locks)
	[ -z "$locks" ]
	check_rc $? "$dev: and holds no lock (/proc/locks: ${locks:-none})"
	[ "$(detail udev_change)" = sent ]
	check_rc $? "$dev: it asked udev to look at the partition again ($(detail udev_change))"
	want=$(cat "/sys/class/block/$(basename "$part")/size")
	got=$(udevadm info --query=property --name="$part" | sed -n 's/^ID_PART_ENTRY_SIZE=//p')
	[ -n "$got" ] && [ "$got" = "$want" ]
	check_rc $? "$dev: udevadm info shows the new size (ID_PART_ENTRY_SIZE $got, kernel $want)"
	kill "$pid"
	wait "$pid"
	umount "$mnt"
	pkill -f systemd-udevd
}

for spec in "$@"; do
	case $spec in daemon:*)
		spec=${spec#daemon:}
		daemon_grow "${spec%%:*}"
		continue
		;;
	esac
	dev=${spec%%:*}
	fs=${spec#*:}
	part=${dev}2
	mnt=/mnt/$(basename "$dev")
	echo "== $dev ($fs)"
	mount_root "$part" "$mnt" || { fail "mount $part"; continue; }
	before=$(df -B1 --output=size "$mnt" | tail -1)
	# udev takes a shared lock on the disk whenever it probes it, for seconds on a loaded first
	# boot: hwctld waits that out rather than refusing (an exclusive lock it refuses after 2 s,
	# vm-refuse.sh).
	flock -s "$dev" sleep 3.5 &
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
