#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# In the VM: for each pair HWCTL_DEV:PEER_DEV of identical ext4 cards, hwctld's grow against
# growpart + resize2fs: wall and CPU time, same partition end (± 4 MiB alignment), fsck clean.
. "$HWCTL_SOURCE_DIR/tests/rootfs/vm-lib.sh"

# timed CMD...: runs CMD, prints "wall_ms cpu_ms" (CPU: user + system of CMD and its children).
timed() {
	python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t0 = time.monotonic()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = (time.monotonic() - t0) * 1000
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{wall:.0f} {(ru.ru_utime + ru.ru_stime) * 1000:.0f} {r.returncode}")
PY
}
part_end() { sfdisk -d "$1" | awk -F'[=,]' -v p="${1}2" '$0 ~ "^"p" " {print $2 + $4}'; }

for pair in "$@"; do
	a=${pair%%:*} b=${pair#*:}
	mount_root "${a}2" /mnt/a && mount_root "${b}2" /mnt/b || { fail "mount"; continue; }
	printf '[RootFS]\nMount=/mnt/a\n' >/tmp/bench.conf
	sync
	read -r hw_wall hw_cpu hw_rc < <(timed "$HWCTLD" --sysroot / --config /tmp/bench.conf --once --only rootfs)
	probe_us=$(python3 -c 'import json; d=json.load(open("/run/hwctl/status.json")); print([p for p in d["probes"] if p["name"]=="rootfs"][0]["duration_usec"])')
	read -r gp_wall gp_cpu gp_rc < <(timed sh -c "growpart $b 2 && resize2fs ${b}2")
	read -r ok_wall ok_cpu ok_rc < <(timed "$HWCTLD" --sysroot / --config /tmp/bench.conf --once --only rootfs)
	ok_us=$(python3 -c 'import json; d=json.load(open("/run/hwctl/status.json")); print([p for p in d["probes"] if p["name"]=="rootfs"][0]["duration_usec"])')
	sync
	umount /mnt/a /mnt/b
	ea=$(part_end "$a") eb=$(part_end "$b")
	echo "BENCH $(sfdisk -d "$a" | sed -n 's/^label: //p') hwctld: ${hw_wall} ms wall, ${hw_cpu} ms CPU (probe ${probe_us} us), rc $hw_rc"
	echo "BENCH $(sfdisk -d "$a" | sed -n 's/^label: //p') growpart+resize2fs: ${gp_wall} ms wall, ${gp_cpu} ms CPU, rc $gp_rc"
	echo "BENCH ratio growpart+resize2fs / hwctld (wall): $(python3 -c "print(f'{$gp_wall / max($hw_wall, 1):.2f}')")"
	echo "BENCH already grown: hwctld ${ok_wall} ms wall, ${ok_cpu} ms CPU, probe ${ok_us} us"
	echo "BENCH partition ends: hwctld $ea, growpart $eb (sectors)"
	[ "$hw_rc" -eq 0 ] && [ "$gp_rc" -eq 0 ]
	check_rc $? "both grew"
	d=$((ea > eb ? ea - eb : eb - ea))
	[ "$d" -lt 8192 ]
	check_rc $? "both end at the same place, within 4 MiB alignment ($d sectors apart)"
	fsck_clean "${a}2"
	check_rc $? "hwctld's filesystem is fsck clean"
	fsck_clean "${b}2"
	check_rc $? "growpart+resize2fs's filesystem is fsck clean"
done
finish
