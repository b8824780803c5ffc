#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""One uplink, renamed while hwctld watches, as udev renames a USB NIC (usb0 ->
enx525400123457) on a board's first boot: hwctld must report it once and do nothing beyond
reporting it (no policy routing, no rules, no routes of its own, no ARP sysctls). The first
boot of the board image showed it counted twice, with two from-rules and two default routes."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import Hwctld, check, conf_sysctl, finish, ns, ours, sh, wait_until  # noqa: E402

netns.require()
netns.private_mounts()
tmp = tempfile.mkdtemp(prefix="hwctl-net-one-")
NEW = "enx525400123457"
CONF = f"[Network]\nUplinks=usb0 {NEW}\n"


class OneLink(netns.Rig):
    """dev with one link, usb0, to r1 (DHCP); no remote host."""

    def __init__(self, tmp):
        self.tmp, self.same, self.procs, self.names = tmp, False, [], ["dev", "r1"]
        for n in self.names:
            sh(f"ip netns add {n}")
            ns(n, "ip link set lo up")
        sh("ip link add usb0 netns dev type veth peer name r1dev netns r1")
        ns("r1", "ip addr add 10.0.2.2/24 dev r1dev")
        ns("r1", "ip link set r1dev up")


rig = OneLink(tmp)
d = None
try:
    rig.dnsmasq("r1", "r1dev", "10.0.2")
    d = Hwctld(tmp, CONF).start()
    check(d.wait_verdict(lambda s: s.get("verdict") is not None, 15) is not None,
          "hwctld reports the network probe with usb0 down")
    # What udev does: rename the link while it is down, then bring it up; DHCP on the new name.
    ns("dev", f"ip link set usb0 name {NEW}")
    ns("dev", f"ip link set {NEW} up")
    rig.dhcpcd([NEW])
    s = d.wait_verdict(lambda s: NEW in (s.get("summary") or "") and "10.0.2." in
                       (s.get("summary") or ""), 30)
    summary = (s or {}).get("summary") or ""
    check(s is not None, f"hwctld reports {NEW} with its DHCP address", summary)
    check(summary.count(NEW) == 1, f"{NEW} is reported once", summary)
    check("policy routing" not in summary or "policy routing off" in summary,
          "with one uplink there is no policy routing", summary)
    uplinks = (((s or {}).get("details") or {}).get("plan") or {}).get("uplinks") or []
    check(len(uplinks) == 1, f"the details list one uplink ({len(uplinks)})", str(uplinks))
    check(wait_until(lambda: ours() == [], 3, 0.1),
          "hwctld installed no rule and no route", "\n".join(ours()))
    check(conf_sysctl(NEW, "arp_ignore") == "0" and conf_sysctl(NEW, "arp_announce") == "0",
          "and left the ARP sysctls alone",
          f"arp_ignore={conf_sysctl(NEW, 'arp_ignore')} arp_announce={conf_sysctl(NEW, 'arp_announce')}")
finally:
    if d:
        d.stop()
    rig.stop()
finish()
