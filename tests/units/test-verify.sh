#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# systemd accepts the installed hwctld.service without a single warning: every setting is known
# to this systemd, every value parses, the commands it runs exist, its dependencies resolve.
#
# This works without systemd as PID 1 (containers, CI): `systemd-analyze verify --root=` loads
# the unit from a temporary root, which gets this machine's own units (sysinit.target, ...) and
# kill(1) for ExecReload= next to what `cmake --install` put there, and checks ExecStart= there.
. "$(dirname "$0")/lib.sh"

need systemd-analyze pkg-config

install_root all
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd)
[ -f "$root$unitdir/hwctld.service" ] || die "hwctld.service not installed to $unitdir"

# The units hwctld.service depends on, from this machine; -n keeps the installed hwctld.service.
mkdir -p "$root/usr/lib/systemd/system"
for d in /usr/lib/systemd/system /lib/systemd/system; do
	if [ -d "$d" ]; then
		mkdir -p "$root$d"
		cp -a -n "$d/." "$root$d/" 2>/dev/null || true
	fi
done
# ExecReload=kill -HUP $MAINPID: systemd finds kill in its fixed search path (procps on Debian).
kill_bin=$(type -P kill) || die "no kill(1) on this machine, which ExecReload= needs (package procps)"
mkdir -p "$root/usr/bin"
[ -e "$root/usr/bin/kill" ] || cp "$kill_bin" "$root/usr/bin/kill"

# --man=no: hwctl(1) in Documentation= has no man page in this tree yet, so man would fail.
# --recursive-errors=no: judge hwctld.service, not this machine's other units.
if ! systemd-analyze verify --root="$root" --man=no --recursive-errors=no hwctld.service \
	>"$tmp/verify.log" 2>&1; then
	cat "$tmp/verify.log" >&2
	die "systemd-analyze verify rejected hwctld.service"
fi
# verify exits 0 on some warnings (an unknown setting is "ignoring"): any line about our unit fails.
if grep -E "hwctld\.service|$unitdir/hwctld" "$tmp/verify.log" >&2; then
	die "systemd-analyze verify warned about hwctld.service (above)"
fi

# A negative control, so this test can fail: a misspelt setting must be reported.
sed 's/^ProtectHome=yes$/ProtectHomeDir=yes/' "$root$unitdir/hwctld.service" >"$tmp/broken.service"
cp "$tmp/broken.service" "$root$unitdir/hwctld.service"
systemd-analyze verify --root="$root" --man=no --recursive-errors=no hwctld.service \
	>"$tmp/broken.log" 2>&1 || true
grep -q "ProtectHomeDir" "$tmp/broken.log" ||
	die "systemd-analyze verify did not notice an unknown setting; this test proves nothing here"

note "systemd-analyze verify: no warnings for hwctld.service"
