# SPDX-License-Identifier: LGPL-2.1-or-later
# Inside the VM: mount a test card's root, run hwctld's rootfs probe on it, read its verdict.
# shellcheck shell=bash

HWCTLD=$HWCTL_BUILD_DIR/daemon/hwctld
export HWCTL_LOG_TARGET=stderr DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/bus
# ok, fail, check_rc, finish: the one shell harness (the VM sees this tree where it is).
. "$HWCTL_SOURCE_DIR/tests/lib/check.sh"

# mount_root DEV MNT [ro]: the card's root partition, read-only ones without replaying a journal
# so that not a byte of the image changes.
mount_root() {
	local dev=$1 mnt=$2 mode=${3:-rw} fs opts
	fs=$(blkid -o value -s TYPE "$dev")
	mkdir -p "$mnt"
	opts=$mode
	[ "$mode" = ro ] && [ "$fs" = ext4 ] && opts=ro,noload
	[ "$mode" = ro ] && [ "$fs" = btrfs ] && opts=ro,nologreplay
	mount -t "$fs" -o "$opts" "$dev" "$mnt"
}

# run_probe MNT [RESERVE]: hwctld --once --only rootfs with Mount=MNT; sets rc, verdict,
# summary, remedy and details (JSON) from the status snapshot.
run_probe() {
	local mnt=$1 reserve=${2:-} conf=/tmp/hwctl-rootfs.conf t0 t1
	printf '[RootFS]\nMount=%s\n' "$mnt" >"$conf"
	[ -n "$reserve" ] && printf 'Reserve=%s\n' "$reserve" >>"$conf"
	t0=$(date +%s%N)
	"$HWCTLD" --sysroot / --config "$conf" --once --only rootfs 2>/tmp/hwctld.log
	rc=$?
	t1=$(date +%s%N)
	probe_ms=$(((t1 - t0) / 1000000))
	run_probe_read
	echo "hwctld rc=$rc verdict=$verdict in ${probe_ms} ms (probe ${duration_usec} us): $summary${remedy:+ (remedy: $remedy)}"
}

# run_probe_read: verdict, summary, remedy, duration_usec and details from the status snapshot.
run_probe_read() {
	eval "$(python3 - <<'EOF'
import json, shlex
doc = json.load(open("/run/hwctl/status.json"))
p = [p for p in doc["probes"] if p["name"] == "rootfs"][0]
for k in ("verdict", "summary", "remedy"):
    print(f"{k}={shlex.quote(p.get(k) or '')}")
print(f"duration_usec={int(p.get('duration_usec') or 0)}")
print(f"details={shlex.quote(json.dumps(p.get('details') or {}))}")
EOF
)"
}

detail() { python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], ""))' "$details" "$1"; }

# fsck_clean DEV: the filesystem's own checker finds nothing (read-only check).
fsck_clean() {
	local dev=$1 fs
	fs=$(blkid -o value -s TYPE "$dev")
	case $fs in
	ext4) e2fsck -fn "$dev" >/tmp/fsck.log 2>&1 ;;
	btrfs) btrfs check --readonly "$dev" >/tmp/fsck.log 2>&1 ;;
	*) return 1 ;;
	esac
	local r=$?
	[ $r -eq 0 ] || cat /tmp/fsck.log
	return $r
}
