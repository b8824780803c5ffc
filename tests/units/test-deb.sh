#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# hwctl's Debian package (debian/, scripts/build-deb), for this machine and cross-built for
# arm64 as the board image installs it: lintian finds no error or warning; the package holds the
# daemon, the CLI and every file of units/ where Debian's systemd, udev and D-Bus read them; its
# maintainer scripts create the gpio group (systemd-sysusers), the runtime directories
# (systemd-tmpfiles) and enable hwctld.service; the arm64 daemon is an aarch64 executable whose
# libraries (libgpiod3 among them) are in Depends.
. "$(dirname "$0")/../lib/check.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
need dpkg-buildpackage dh lintian dpkg-deb readelf
work=$(mktemp -d /var/tmp/hwctl-deb-test.XXXXXX)
trap 'rm -rf "$work"' EXIT

check_deb() { # check_deb ARCH MACHINE (readelf's Machine: field)
	local arch=$1 machine=$2 deb root
	deb=$("$top/scripts/build-deb" "$arch" 2>"$work/build-$arch.err") ||
		die "scripts/build-deb $arch failed: $(tail -n 20 "$work/build-$arch.err")"
	ok "$arch: built $(basename "$deb")"
	lintian --fail-on error,warning "$deb" >"$work/lintian-$arch.out" 2>&1
	check_rc $? "$arch: lintian finds no error or warning ($(grep -c '^[EW]:' "$work/lintian-$arch.out") tags)"
	root=$work/root-$arch
	dpkg-deb -x "$deb" "$root"
	dpkg-deb -e "$deb" "$root/DEBIAN"
	for f in usr/libexec/hwctld usr/bin/hwctl lib/systemd/system/hwctld.service \
		usr/lib/sysusers.d/hwctl.conf usr/lib/tmpfiles.d/hwctl.conf \
		lib/udev/rules.d/60-hwctl-gpio.rules usr/share/dbus-1/system.d/org.hwctl1.conf \
		usr/lib/systemd/catalog/hwctl.catalog usr/share/man/man1/hwctl.1.gz \
		usr/share/man/man8/hwctld.8.gz usr/share/doc/hwctl/hwctl.conf.example.gz; do
		[ -e "$root/$f" ] || fail "$arch: the package has no /$f"
	done
	ok "$arch: the daemon, the CLI and every unit file are where Debian's readers look"
	grep -q "^ExecStart=/usr/libexec/hwctld$" "$root/lib/systemd/system/hwctld.service"
	check_rc $? "$arch: the unit runs the packaged daemon"
	cmp -s "$root/usr/lib/sysusers.d/hwctl.conf" "$top/units/hwctl.sysusers"
	check_rc $? "$arch: sysusers.d/hwctl.conf is units/hwctl.sysusers"
	grep -q 'systemd-sysusers .*hwctl.conf' "$root/DEBIAN/postinst"
	check_rc $? "$arch: postinst creates the gpio group with systemd-sysusers"
	grep -q 'systemd-tmpfiles .*--create hwctl.conf' "$root/DEBIAN/postinst"
	check_rc $? "$arch: postinst runs systemd-tmpfiles --create"
	grep -q "deb-systemd-helper enable 'hwctld.service'" "$root/DEBIAN/postinst"
	check_rc $? "$arch: postinst enables hwctld.service"
	readelf -h "$root/usr/libexec/hwctld" | grep -q "Machine:.*$machine"
	check_rc $? "$arch: hwctld is built for $machine"
	dpkg-deb -f "$deb" Depends | grep -q 'libgpiod3'
	check_rc $? "$arch: Depends names libgpiod3 ($(dpkg-deb -f "$deb" Depends | tr -d '\n' | cut -c1-80)...)"
}

check_deb "$(dpkg --print-architecture)" "$(readelf -h /bin/true | sed -n 's/.*Machine: *//p')"
if [ "$(dpkg --print-architecture)" != arm64 ]; then
	command -v aarch64-linux-gnu-gcc >/dev/null ||
		skip "aarch64-linux-gnu-gcc is missing (scripts/packages/pi3.main)"
	check_deb arm64 AArch64
fi
finish
