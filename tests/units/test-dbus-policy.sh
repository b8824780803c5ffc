#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The installed D-Bus policy parses, and a real dbus-daemon enforces it: root owns org.hwctl1 and
# may call everything; another user may call Describe, Introspect, Ping and read properties, but
# not RerunProbe, RerunProbes, Reload or Properties.Set, nor own the name; and the refused calls
# never reach the service.
#
# A private dbus-daemon runs with this machine's system bus default policy (the <policy>, <limit>,
# <auth> and <type> of /usr/share/dbus-1/system.conf) plus our file, and no other service's.
# hwctl-test-bus-peer stands in for hwctld (the daemon's own bus test is the lead's end-to-end
# test); dbus-send as "nobody" plays the unprivileged user.
. "$(dirname "$0")/lib.sh"

need dbus-daemon dbus-send setpriv python3
need_root "owning the name as root and calling as nobody"
id nobody >/dev/null 2>&1 || skip "no user nobody"
nobody_group=$(id -gn nobody)
peer=${HWCTL_TEST_BUS_PEER:-}
[ -x "$peer" ] || die "hwctl-test-bus-peer is not built (cmake --build <dir> --target hwctl-test-bus-peer)"
system_conf=/usr/share/dbus-1/system.conf
[ -f "$system_conf" ] || skip "$system_conf missing (package dbus)"

install_root units
policy=$(installed org.hwctl1.conf)

# The bus socket must be reachable for nobody.
chmod 0755 "$tmp"
mkdir -m 0755 "$tmp/bus"
python3 - "$system_conf" "$policy" "$tmp/bus/socket" "$tmp/bus.conf" <<'EOF'
import sys
import xml.etree.ElementTree as ET

system_conf, policy, socket, out = sys.argv[1:]
bus = ET.Element("busconfig")
for el in ET.parse(system_conf).getroot():
    # The distribution's rules and limits; not its user, pid file, socket, service or include dirs.
    if el.tag in ("type", "auth", "policy", "limit"):
        bus.append(el)
ET.SubElement(bus, "listen").text = "unix:path=" + socket
ET.SubElement(bus, "include").text = policy
with open(out, "w") as f:
    f.write('<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"\n'
            ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n')
    f.write(ET.tostring(bus, encoding="unicode"))
EOF
grep -q '<policy context="default">' "$tmp/bus.conf" || die "no default policy taken from $system_conf"

# --- the policy parses: dbus-daemon starts with it ------------------------------------------------
dbus-daemon --config-file="$tmp/bus.conf" --nofork --nopidfile --print-address=1 \
	>"$tmp/address" 2>"$tmp/dbus-daemon.log" &
bus_pid=$!
at_exit+=("kill $bus_pid 2>/dev/null; wait $bus_pid 2>/dev/null")
for _ in $(seq 100); do
	[ -s "$tmp/address" ] && break
	kill -0 "$bus_pid" 2>/dev/null || break
	sleep 0.1
done
if [ ! -s "$tmp/address" ]; then
	cat "$tmp/dbus-daemon.log" >&2
	die "dbus-daemon did not start with org.hwctl1.conf included"
fi
# (Other complaints, such as not being allowed to raise its fd limit in a container, are not ours.)
grep -i "hwctl" "$tmp/dbus-daemon.log" >&2 && die "dbus-daemon complained about the policy (above)"
address=$(head -n1 "$tmp/address")

# A negative control, so "it started" means "it parsed": a broken policy stops dbus-daemon.
sed 's|</busconfig>|</policy>|' "$policy" >"$tmp/broken.conf"
sed "s|$policy|$tmp/broken.conf|; s|$tmp/bus/socket|$tmp/bus/broken|" "$tmp/bus.conf" >"$tmp/bus-broken.conf"
rc=0
timeout 10 dbus-daemon --config-file="$tmp/bus-broken.conf" --nofork --nopidfile --print-address=1 \
	>/dev/null 2>"$tmp/broken.log" || rc=$?
case $rc in
0 | 124) die "dbus-daemon ran with a broken policy; that it starts proves nothing here" ;;
esac
export DBUS_SYSTEM_BUS_ADDRESS=$address

# --- root owns the name ---------------------------------------------------------------------------
"$peer" serve >"$tmp/calls" 2>"$tmp/peer.log" &
peer_pid=$!
at_exit+=("kill $peer_pid 2>/dev/null; wait $peer_pid 2>/dev/null")
for _ in $(seq 100); do
	grep -q '^ready$' "$tmp/calls" && break
	kill -0 "$peer_pid" 2>/dev/null || break
	sleep 0.1
done
grep -q '^ready$' "$tmp/calls" || die "root could not own org.hwctl1: $(cat "$tmp/peer.log")"

as_nobody() {
	setpriv --reuid=nobody --regid="$nobody_group" --clear-groups \
		env DBUS_SYSTEM_BUS_ADDRESS="$address" "$@"
}
call() { # WHO METHOD [ARG...]
	local who=$1 method=$2
	shift 2
	local cmd=(dbus-send --system --print-reply --reply-timeout=5000 --dest=org.hwctl1 /org/hwctl1 "$method" "$@")
	if [ "$who" = nobody ]; then as_nobody "${cmd[@]}"; else "${cmd[@]}"; fi
}
allowed() { # WHO METHOD [ARG...]
	call "$@" >"$tmp/out" 2>&1 || die "$1 may call $2, but: $(cat "$tmp/out")"
}
denied() { # WHO METHOD [ARG...]
	if call "$@" >"$tmp/out" 2>&1; then
		die "$1 must not be able to call $2, but the call went through: $(cat "$tmp/out")"
	fi
	grep -q 'org.freedesktop.DBus.Error.AccessDenied' "$tmp/out" ||
		die "$1 calling $2 failed, but not with AccessDenied from the bus: $(cat "$tmp/out")"
}

# --- anyone reads ------------------------------------------------------------------------------
allowed nobody org.hwctl1.Manager.Describe
grep -q 'stand-in' "$tmp/out" || die "Describe returned no document to nobody: $(cat "$tmp/out")"
allowed nobody org.freedesktop.DBus.Introspectable.Introspect
allowed nobody org.freedesktop.DBus.Peer.Ping
allowed nobody org.freedesktop.DBus.Properties.Get string:org.hwctl1.Manager string:Version
allowed nobody org.freedesktop.DBus.Properties.GetAll string:org.hwctl1.Manager

# --- nobody else changes anything -------------------------------------------------------------
denied nobody org.hwctl1.Manager.RerunProbe string:gpio
denied nobody org.hwctl1.Manager.RerunProbes array:string:gpio,audio
denied nobody org.hwctl1.Manager.Reload
denied nobody org.freedesktop.DBus.Properties.Set string:org.hwctl1.Manager string:Version variant:string:x
# A method call may leave out its interface; that must not open a way around the rules.
out=$(as_nobody "$peer" call-without-interface RerunProbe gpio 2>"$tmp/peer-call.log") &&
	die "nobody reached RerunProbe by leaving out the interface: $out"
[ "$out" = "error org.freedesktop.DBus.Error.AccessDenied" ] ||
	die "RerunProbe without interface failed, but not with AccessDenied: $out $(cat "$tmp/peer-call.log")"
# ... and nobody else may own the name.
if as_nobody dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
	org.freedesktop.DBus.RequestName string:org.hwctl1 uint32:0 >"$tmp/out" 2>&1; then
	die "nobody may own org.hwctl1: $(cat "$tmp/out")"
fi
grep -q 'AccessDenied' "$tmp/out" || die "nobody's RequestName failed, but not with AccessDenied: $(cat "$tmp/out")"

# The refused calls were stopped by the bus: none of them reached the service.
if grep -E '^(call (RerunProbe|RerunProbes|Reload)|set Version)$' "$tmp/calls" >&2; then
	die "a call the policy refuses reached org.hwctl1 (above)"
fi
grep -q '^call Describe$' "$tmp/calls" || die "nobody's Describe never reached the service"

# --- root may do everything ---------------------------------------------------------------------
allowed root org.hwctl1.Manager.RerunProbe string:gpio
allowed root org.hwctl1.Manager.RerunProbes array:string:gpio,audio
allowed root org.hwctl1.Manager.Reload
allowed root org.freedesktop.DBus.Properties.Set string:org.hwctl1.Manager string:Version variant:string:x
for c in 'call RerunProbe' 'call RerunProbes' 'call Reload' 'set Version'; do
	grep -qx "$c" "$tmp/calls" || die "root's '$c' did not reach the service"
done

note "policy enforced: nobody reads, only root changes or owns org.hwctl1"
