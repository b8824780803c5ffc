#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# hwctld.service keeps every sandboxing option the probes allow: `systemd-analyze security`
# finds nothing unprotected beyond the exceptions documented in the unit, and the overall
# exposure stays in systemd's "OK" band.
#
# The precise check is the list below: any protection dropped from the unit shows up as an item
# nobody documented, and fails. The threshold is a backstop on the total: the unit measures 3.5
# on systemd 252, in the "OK" band; a root service that writes partition tables, sets line
# disciplines and changes routes cannot get much lower (root alone costs 0.4, the capabilities
# it needs 0.8, the host network 0.5). 4.0 leaves room for systemd to re-weigh items between
# versions without letting the unit drift towards "MEDIUM" (5.0 and above).
. "$(dirname "$0")/lib.sh"

need systemd-analyze python3

threshold=4.0
# --threshold= counts in tenths: exposure 3.5 is 35.
threshold_tenths=40
install_root units

systemd-analyze security --offline=true --root="$root" hwctld.service >"$tmp/security.txt" 2>&1 || {
	cat "$tmp/security.txt" >&2
	die "systemd-analyze security could not analyse hwctld.service"
}
overall=$(sed -n 's/.*Overall exposure level for hwctld.service: \([0-9.]*\).*/\1/p' "$tmp/security.txt")
[ -n "$overall" ] || die "no overall exposure in: $(cat "$tmp/security.txt")"
note "exposure of hwctld.service: $overall (threshold $threshold)"

if ! systemd-analyze security --offline=true --root="$root" --threshold="$threshold_tenths" hwctld.service \
	>/dev/null 2>&1; then
	grep '✗' "$tmp/security.txt" >&2 || true
	die "exposure $overall is above $threshold"
fi

# Every item systemd-analyze finds unprotected must be one the unit explains under "Not used,
# and why" (or is inherent: root, the host's root directory, AF_* and capabilities it needs).
systemd-analyze security --offline=true --root="$root" --json=short hwctld.service >"$tmp/security.json"
python3 - "$tmp/security.json" <<'EOF'
import json, sys

expected = {
    # inherent to a root daemon that owns the hardware
    "RootDirectoryOrRootImage", "UserOrDynamicUser", "PrivateUsers", "PrivateNetwork",
    "IPAddressDeny", "ProtectSystem", "UMask",
    # the capabilities and address families the probes need
    "CapabilityBoundingSet_CAP_SYS_ADMIN", "CapabilityBoundingSet_CAP_SYS_NICE_RESOURCE",
    "CapabilityBoundingSet_CAP_NET_ADMIN", "CapabilityBoundingSet_CAP_NET_BIND_SERVICE_BROADCAST_RAW",
    "CapabilityBoundingSet_CAP_SYSLOG",
    "RestrictAddressFamilies_AF_UNIX", "RestrictAddressFamilies_AF_NETLINK",
    "RestrictAddressFamilies_AF_INET_INET6", "RestrictAddressFamilies_OTHER",
    # documented in the unit under "Not used, and why"
    "PrivateDevices", "DeviceAllow", "ProtectClock", "ProtectKernelLogs", "ProtectKernelTunables",
    "ProcSubset",
}
items = json.load(open(sys.argv[1]))
# systemd 252 spells one field with a stray ")".
unset = {e["json_field"].rstrip(")") for e in items if e["set"] is False}
unexpected = sorted(unset - expected)
if unexpected:
    for e in items:
        if e["json_field"].rstrip(")") in unexpected:
            print(f"  unprotected: {e['name']}: {e['description']}", file=sys.stderr)
    print("test-security: FAIL: hwctld.service lost protections it is meant to have (above); "
          "if one is really needed, document it in the unit and add it here", file=sys.stderr)
    sys.exit(1)
print(f"test-security: {len(unset)} unprotected items, all documented", file=sys.stderr)
EOF
