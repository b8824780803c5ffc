#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `cmake --install` puts every file where the program that reads it looks on this machine:
# the unit where systemd loads units, tmpfiles.d/sysusers.d/rules.d where their tools read them,
# the catalog where journalctl reads catalogs, the policy where dbus-daemon reads policies;
# and the unit starts the hwctld that was installed with it.
. "$(dirname "$0")/lib.sh"

need pkg-config systemctl systemd-analyze systemd-tmpfiles systemd-sysusers
pkg-config --exists systemd udev || skip "systemd.pc or udev.pc missing (packages systemd, udev)"

install_root all

# --- the binaries ----------------------------------------------------------------------------
libexecdir=$(install_dir LIBEXECDIR)
bindir=$(install_dir BINDIR)
datadir=$(install_dir DATADIR)
[ -x "$root$libexecdir/hwctld" ] || die "hwctld not installed to $libexecdir (CMAKE_INSTALL_LIBEXECDIR)"
[ -x "$root$bindir/hwctl" ] || die "hwctl not installed to $bindir (CMAKE_INSTALL_BINDIR)"
# (Output goes to files first: with pipefail, `grep -q` closing a pipe early would look like failure.)
"$root$libexecdir/hwctld" --version >"$tmp/version" 2>&1 || true
grep -q '^hwctld ' "$tmp/version" || die "$libexecdir/hwctld --version does not answer: $(cat "$tmp/version")"
"$root$bindir/hwctl" --version >"$tmp/version" 2>&1 || true
grep -q '^hwctl ' "$tmp/version" || die "$bindir/hwctl --version does not answer: $(cat "$tmp/version")"

# --- the unit ----------------------------------------------------------------------------------
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd)
unit=$root$unitdir/hwctld.service
[ -f "$unit" ] || die "hwctld.service is not in systemd's unit directory $unitdir: $(installed hwctld.service)"
# pkg-config's directory must be one systemd loads system units from.
systemd-analyze unit-paths >"$tmp/unit-paths"
grep -qx "$unitdir" "$tmp/unit-paths" ||
	die "$unitdir (from systemd.pc) is not in 'systemd-analyze unit-paths'"

mapfile -t execstart < <(sed -n 's/^ExecStart=//p' "$unit")
[ "${#execstart[@]}" -eq 1 ] || die "expected exactly one ExecStart= in hwctld.service, found ${#execstart[@]}"
[ "${execstart[0]}" = "$libexecdir/hwctld" ] ||
	die "ExecStart=${execstart[0]}, but hwctld is installed as $libexecdir/hwctld"
grep -q '@[A-Z_]*@' "$unit" && die "unsubstituted @VARIABLE@ left in hwctld.service: $(grep -n '@[A-Z_]*@' "$unit")"

# An image builder enables the unit offline; [Install] must make that work.
systemctl --root="$root" enable hwctld.service >"$tmp/enable.log" 2>&1 || {
	cat "$tmp/enable.log" >&2
	die "systemctl --root enable hwctld.service failed"
}
[ -L "$root/etc/systemd/system/multi-user.target.wants/hwctld.service" ] ||
	die "enabling did not link hwctld.service into multi-user.target.wants"

# --- tmpfiles.d, sysusers.d, udev rules: each tool lists the file among those it reads ---------
tmpfilesdir=$(pkg-config --variable=tmpfilesdir systemd)
[ -f "$root$tmpfilesdir/hwctl.conf" ] || die "tmpfiles.d/hwctl.conf is not in $tmpfilesdir"
systemd-tmpfiles --root="$root" --cat-config >"$tmp/tmpfiles.cat"
grep -q "^# $root$tmpfilesdir/hwctl.conf\$" "$tmp/tmpfiles.cat" ||
	die "systemd-tmpfiles does not read $tmpfilesdir/hwctl.conf"

sysusersdir=$(pkg-config --variable=sysusersdir systemd)
[ -f "$root$sysusersdir/hwctl.conf" ] || die "sysusers.d/hwctl.conf is not in $sysusersdir"
systemd-sysusers --root="$root" --cat-config >"$tmp/sysusers.cat"
grep -q "^# $root$sysusersdir/hwctl.conf\$" "$tmp/sysusers.cat" ||
	die "systemd-sysusers does not read $sysusersdir/hwctl.conf"

udevrulesdir=$(pkg-config --variable=udevdir udev)/rules.d
[ -f "$root$udevrulesdir/60-hwctl-gpio.rules" ] || die "60-hwctl-gpio.rules is not in $udevrulesdir"
# udev reads the same rules.d directories as this (systemd-analyze knows udev's list).
systemd-analyze cat-config --root="$root" udev/rules.d >"$tmp/rules.cat"
grep -q "^# .*/60-hwctl-gpio.rules\$" "$tmp/rules.cat" ||
	die "60-hwctl-gpio.rules is not among the udev rules read from $root"

# --- the journal catalog -----------------------------------------------------------------------
catalogdir=$(pkg-config --variable=catalogdir systemd)
catalog=$root$catalogdir/hwctl.catalog
[ -f "$catalog" ] || die "hwctl.catalog is not in $catalogdir: $(installed hwctl.catalog)"
grep -q '%[A-Z_]*%' "$catalog" && die "unsubstituted %WORD% left in hwctl.catalog: $(grep -n '%[A-Z_]*%' "$catalog")"
# (test-catalog.sh has journalctl read it.)

# --- the D-Bus policy: in a directory dbus-daemon's system.conf includes ------------------------
policy=$(installed org.hwctl1.conf)
policydir=$(dirname "${policy#"$root"}")
system_conf=/usr/share/dbus-1/system.conf
[ -f "$system_conf" ] || skip "$system_conf missing (package dbus)"
mapfile -t busdirs < <(sed -n 's|.*<includedir>\(.*\)</includedir>.*|\1|p' "$system_conf" |
	sed 's|^\([^/]\)|/usr/share/dbus-1/\1|')
policy_read=no
for d in "${busdirs[@]}"; do
	[ "$d" = "$policydir" ] && policy_read=yes
done
[ "$policy_read" = yes ] ||
	die "org.hwctl1.conf is installed to $policydir, which dbus-daemon does not read" \
		"(it reads ${busdirs[*]}): set HWCTL_DBUSPOLICYDIR to /usr/share/dbus-1/system.d"

# --- the example configuration: documentation, not configuration --------------------------------
[ -f "$root$datadir/doc/hwctl/hwctl.conf.example" ] || die "hwctl.conf.example is not in $datadir/doc/hwctl"
[ ! -e "$root/etc/hwctl/hwctl.conf" ] || die "an /etc/hwctl/hwctl.conf was installed; hwctld needs none"

note "all files installed where their readers look (unit $unitdir, policy $policydir)"
