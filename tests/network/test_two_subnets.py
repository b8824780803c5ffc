#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The board answers on eth0 and wlan0 at once (two subnets, two routers, a remote host behind
both), with a real DHCP client (dhcpcd) and with networkd-style equal metrics; wired is preferred
and fails over within 2 s and back; the other managers' routes are never touched; hwctld's rules
go on SIGTERM and after kill -9 plus restart; a link with no DHCPv4 server is diagnosed."""
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import finish, Hwctld, Rig, addrs, check, ns, ours, reachable, route_dev, theirs, wait_until

netns.require()
netns.private_mounts()
tmp = tempfile.mkdtemp(prefix="hwctl-net-")
PORT = 8022
CONF = "[Network]\nUplinks=eth0 wlan0 eth1\nPrefer=eth0 wlan0\nIPv4TimeoutSec=2\n"


def tcp_listen():
    # A TCP service on every address of the device.
    return subprocess.Popen(["ip", "netns", "exec", "dev", "socat",
                             f"TCP-LISTEN:{PORT},fork,reuseaddr", "EXEC:/bin/true"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def scenario(kind):
    print(f"--- {kind} ---")
    rig = Rig(tmp, extra_link=(kind == "dhcpcd"))
    listener = None
    d = None
    try:
        rig.dnsmasq("r1", "r1dev", "10.31.1", v6="fd31:1::")
        rig.dnsmasq("r2", "r2dev", "10.31.2", v6="fd31:2::")
        if kind == "dhcpcd":
            rig.dnsmasq("r3", "r3dev", None, v6="fd31:3::", dhcp4=False)
            rig.dhcpcd(["eth0", "wlan0", "eth1"])
            ok = wait_until(lambda: addrs("eth0") and addrs("wlan0") and
                            ns("dev", "ip -4 route").stdout.count("default") >= 2, 30)
            check(ok, "dhcpcd leases IPv4 addresses and default routes on eth0 and wlan0")
            if not ok:
                return
        else:
            # systemd-networkd's way: every link's default route at metric 1024.
            for link, net in (("eth0", "10.31.1"), ("wlan0", "10.31.2")):
                ns("dev", f"ip addr add {net}.50/24 dev {link}")
                ns("dev", f"ip route append default via {net}.1 dev {link} metric 1024 proto dhcp")
        a_eth, a_wlan = addrs("eth0")[0], addrs("wlan0")[0]
        listener = tcp_listen()
        time.sleep(0.3)

        # Without hwctld the reply for one address leaves by the other link and is dropped.
        before = [reachable(a_eth, PORT), reachable(a_wlan, PORT)]
        check(not all(before), f"without hwctld the board does not answer on both addresses",
              f"eth0 {before[0]}, wlan0 {before[1]}")
        other_before = theirs()

        d = Hwctld(tmp, CONF, tag=f"hwctld-{kind}").start()
        st = d.wait_verdict(lambda s: "policy routing on" in s.get("summary", ""))
        check(st is not None, "hwctld reports policy routing for two uplinks",
              str(d.status()))
        check(st and st["verdict"] in ("changed", "degraded"), "verdict changed (or degraded)",
              str(st))
        for a in (a_eth, a_wlan):
            check(wait_until(lambda: reachable(a, PORT), 5, 0.1),
                  f"remote ping and TCP to {a} succeed with hwctld")
        check(route_dev() == "eth0", "traffic with no source chosen leaves by eth0 (preferred)",
              str(route_dev()))
        if kind == "dhcpcd":
            st = d.wait_verdict(lambda s: "eth1 has carrier but no IPv4" in s.get("summary", ""),
                                10)
            check(st is not None and st["verdict"] == "degraded",
                  "eth1 (RA only, no DHCPv4 server) is diagnosed after IPv4TimeoutSec=",
                  str(d.status()))
            check(st is not None and "DHCP" in (st.get("remedy") or ""),
                  "the remedy names the DHCP cause", str(st and st.get("remedy")))
        else:
            rp = ns("dev", "cat /proc/sys/net/ipv4/conf/wlan0/rp_filter").stdout.strip()
            check(rp == "2", "rp_filter loose on the uplinks while managed", rp)

        # Failover: eth0 loses carrier (its peer goes down).
        peer_ns, peer = rig.peer["eth0"]
        t0 = time.monotonic()
        ns(peer_ns, f"ip link set {peer} down")
        ok = wait_until(lambda: route_dev() == "wlan0", 5, 0.01)
        dt = time.monotonic() - t0
        check(ok and dt < 2.0, f"failover to wlan0 within 2 s ({dt * 1000:.0f} ms)")
        t0 = time.monotonic()
        ns(peer_ns, f"ip link set {peer} up")
        ok = wait_until(lambda: route_dev() == "eth0", 20, 0.01)
        dt = time.monotonic() - t0
        # With dhcpcd the lease is renewed after carrier returns: that time is the client's.
        limit = 2.0 if kind == "networkd" else 15.0
        check(ok and dt < limit, f"fail-back to eth0 within {limit:.0f} s ({dt * 1000:.0f} ms)")
        if kind == "networkd":
            check(wait_until(lambda: reachable(a_wlan, PORT), 5, 0.1),
                  "wlan0 still answers after fail-back")

        mine = ours()
        check(len(mine) > 0, "hwctld's routes and rules carry protocol 0xa5", "\n".join(mine))
        now_other = theirs()
        missing = [x for x in other_before if x not in now_other]
        if kind == "networkd":
            check(not missing, "the other manager's routes and rules are untouched",
                  "\n".join(missing))

        # kill -9 leaves rules behind; a restart removes what no longer applies.
        d.stop(signal.SIGKILL)
        check(len(ours()) > 0, "after kill -9 hwctld's rules are still there (crash leftovers)")
        # One uplink left: nothing should stay installed.
        ns("dev", "ip link set wlan0 down")
        if kind == "dhcpcd":
            ns("r3", "ip link set r3dev down")
        d2 = Hwctld(tmp, CONF, tag=f"hwctld-{kind}-2").start()
        ok = wait_until(lambda: d2.status() and d2.status().get("summary", "").find(
            "only uplink") >= 0 and not ours(), 10)
        check(ok, "a restarted hwctld removes the crash leftovers", "\n".join(ours()))
        ns("dev", "ip link set wlan0 up")
        if kind == "dhcpcd":
            ns("r3", "ip link set r3dev up")
        if kind == "networkd":
            ns("dev", "ip route append default via 10.31.2.1 dev wlan0 metric 1024 proto dhcp",
               check_rc=False)
        ok = wait_until(lambda: len(ours()) > 0, 10)
        check(ok, "policy back once wlan0 returns")
        other_before_stop = theirs()
        d2.stop(signal.SIGTERM)
        check(not ours(), "SIGTERM removes every rule and route hwctld installed",
              "\n".join(ours()))
        rp = ns("dev", "cat /proc/sys/net/ipv4/conf/wlan0/rp_filter").stdout.strip()
        check(rp == "1", "SIGTERM restores the rp_filter it found", rp)
        missing = [x for x in other_before_stop if x not in theirs()]
        check(not missing, "stopping leaves the other manager's routes in place",
              "\n".join(missing))
    finally:
        if d:
            d.stop(signal.SIGKILL)
        if listener:
            listener.terminate()
        rig.stop()


scenario("networkd")
scenario("dhcpcd")
finish()
