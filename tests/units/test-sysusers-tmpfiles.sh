#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# On a fresh image root, systemd-sysusers creates the gpio group and systemd-tmpfiles creates
# hwctl's directories with the owners and modes hwctld and `hwctl status` rely on.
. "$(dirname "$0")/lib.sh"

need systemd-sysusers systemd-tmpfiles

install_root units
mkdir -p "$root/etc"

# --- sysusers.d: the gpio group, a system group --------------------------------------------------
systemd-sysusers --root="$root" >"$tmp/sysusers.log" 2>&1 || {
	cat "$tmp/sysusers.log" >&2
	die "systemd-sysusers --root failed"
}
grep -E '^gpio:x:[0-9]+:' "$root/etc/group" >/dev/null ||
	die "systemd-sysusers did not create group gpio in /etc/group: $(cat "$root/etc/group" 2>&1)"
gid=$(sed -n 's/^gpio:x:\([0-9]*\):.*/\1/p' "$root/etc/group")
[ "$gid" -lt 1000 ] || die "group gpio got GID $gid, not a system GID (below 1000)"
# Idempotent: a second run (every boot runs systemd-sysusers) changes nothing.
cp "$root/etc/group" "$tmp/group.1"
systemd-sysusers --root="$root" >/dev/null 2>&1 || die "second systemd-sysusers run failed"
cmp -s "$tmp/group.1" "$root/etc/group" || die "a second systemd-sysusers run changed /etc/group"

# --- tmpfiles.d: the directories, root-owned, 0755 -------------------------------------------------
systemd-tmpfiles --root="$root" --create >"$tmp/tmpfiles.log" 2>&1 || {
	cat "$tmp/tmpfiles.log" >&2
	die "systemd-tmpfiles --root --create failed"
}
for d in /var/lib/hwctl /run/hwctl /etc/hwctl /etc/hwctl/hwctl.conf.d; do
	[ -d "$root$d" ] || die "systemd-tmpfiles did not create $d"
	got=$(stat -c '%a %u %g' "$root$d")
	[ "$got" = "755 0 0" ] || die "$d is '$got' (mode uid gid), expected '755 0 0'"
done

# A second run keeps what is there: a status snapshot and a configuration file survive.
echo '{}' >"$root/run/hwctl/status.json"
echo '[GPIO]' >"$root/etc/hwctl/hwctl.conf"
systemd-tmpfiles --root="$root" --create --remove --clean >/dev/null 2>&1 || die "second systemd-tmpfiles run failed"
[ -f "$root/run/hwctl/status.json" ] || die "systemd-tmpfiles removed /run/hwctl/status.json"
[ -f "$root/etc/hwctl/hwctl.conf" ] || die "systemd-tmpfiles removed /etc/hwctl/hwctl.conf"

note "group gpio (GID $gid) and /var/lib/hwctl /run/hwctl /etc/hwctl{,/hwctl.conf.d} created"
