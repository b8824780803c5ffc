#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""eth0 and wlan0 on one subnet (one bridge, one router): the board answers ping and TCP on both
addresses from a remote host, each address is answered in ARP only by the interface that owns
it, wlan0's address keeps answering when eth0's cable is pulled, and hwctld gives back the
sysctls it found when it stops.

What the plain case shows without hwctld, measured on this rig: both addresses do answer. The
strict rp_filter the image ships drops the router's ARP requests arriving on wlan0, so eth0
answers ARP for wlan0's address too (ARP flux) and all traffic for both addresses enters and
leaves by eth0. The test checks that (so a kernel that behaves differently is noticed) and then
the failure that state causes: with eth0's cable out, wlan0's address is unreachable."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import (Hwctld, Rig, arp_who_has, check, conf_sysctl, finish, mac_of, ns,  # noqa: E402
                   ours, reachable, wait_until)

netns.require()
if not shutil.which("socat"):
    netns.skip("socat is missing (scripts/packages/network.main lists the packages)")
netns.private_mounts()
tmp = tempfile.mkdtemp(prefix="hwctl-net-same-")
PORT = 8023
CONF = "[Network]\nUplinks=eth0 wlan0\nPrefer=eth0 wlan0\n"
A_ETH, A_WLAN, GW = "10.31.1.50", "10.31.1.60", "10.31.1.1"
KEYS = ("rp_filter", "arp_ignore", "arp_announce", "ignore_routes_with_linkdown")
LAN_PORT = 8024  # a TCP service on the router's LAN address: a host of the local subnet


def cable(rig, link, up):
    peer_ns, peer = rig.peer[link]
    ns(peer_ns, f"ip link set {peer} {'up' if up else 'down'}")


def lan_from_board():
    """From the board, no source address given: ping the gateway, then TCP to a LAN host."""
    r = ns("dev", f"ping -c1 -W1 {GW}", check_rc=False)
    if r.returncode != 0:
        return False
    r = ns("dev", f"socat -T2 /dev/null TCP:{GW}:{LAN_PORT},connect-timeout=2", check_rc=False)
    return r.returncode == 0


def forget_neighbours():
    # The router forgets what ARP taught it, so the next packet asks again.
    ns("r1", "ip neigh flush dev lan0")


def owner_macs():
    """The router's neighbour entries for the two addresses, after a ping to each."""
    out = {}
    for a in (A_ETH, A_WLAN):
        r = ns("r1", f"ip -j neigh show {a} dev lan0", check_rc=False)
        try:
            out[a] = json.loads(r.stdout)[0].get("lladdr")
        except (ValueError, IndexError):
            out[a] = None
    return out


rig = Rig(tmp, same_subnet=True)
listener = lan_listener = d = None
try:
    for link, a in (("eth0", A_ETH), ("wlan0", A_WLAN)):
        ns("dev", f"ip addr add {a}/24 dev {link}")
        ns("dev", f"ip route append default via {GW} dev {link} metric 1024 proto dhcp")
    mac = {l: mac_of("dev", l) for l in ("eth0", "wlan0")}
    listener = subprocess.Popen(["ip", "netns", "exec", "dev", "socat",
                                 f"TCP-LISTEN:{PORT},fork,reuseaddr", "EXEC:/bin/true"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lan_listener = subprocess.Popen(["ip", "netns", "exec", "r1", "socat",
                                     f"TCP-LISTEN:{LAN_PORT},fork,reuseaddr", "EXEC:/bin/true"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)

    print("--- without hwctld ---")
    before = [reachable(A_ETH, PORT), reachable(A_WLAN, PORT)]
    check(all(before), "without hwctld both addresses answer on one subnet (all through eth0)",
          f"eth0 {before[0]}, wlan0 {before[1]}")
    flux = arp_who_has("r1", "lan0", GW, A_WLAN)
    check(mac["eth0"] in flux,
          "without hwctld eth0 answers ARP for wlan0's address (ARP flux)", str(flux))
    cable(rig, "eth0", False)
    lost = not wait_until(lambda: reachable(A_WLAN), 3, 0.1)
    check(lost, "without hwctld wlan0's address stops answering when eth0's cable is out")
    # eth0 keeps its address without carrier: its subnet route (linkdown) still comes first.
    check(not wait_until(lan_from_board, 3, 0.1),
          "without hwctld the board cannot reach the gateway or a LAN host with eth0's cable "
          "out (the dead link's subnet route is chosen)", ns("dev", "ip route").stdout)
    cable(rig, "eth0", True)

    # Values an image might ship, none of them hwctld's, so restoring is told from resetting.
    ns("dev", "sysctl -qw net.ipv4.conf.eth0.arp_announce=1 net.ipv4.conf.wlan0.arp_ignore=2")
    found = {(l, k): conf_sysctl(l, k) for l in ("eth0", "wlan0") for k in KEYS}

    print("--- with hwctld ---")
    d = Hwctld(tmp, CONF, tag="hwctld-same").start()
    st = d.wait_verdict(lambda s: "one subnet: ARP per interface" in s.get("summary", ""))
    check(st is not None and st["verdict"] == "changed",
          "hwctld reports policy routing on one subnet with ARP per interface", str(d.status()))
    now = {(l, k): conf_sysctl(l, k) for l in ("eth0", "wlan0") for k in KEYS}
    want = {"rp_filter": "2", "arp_ignore": "1", "arp_announce": "2",
            "ignore_routes_with_linkdown": "1"}
    check(all(now[(l, k)] == want[k] for (l, k) in now),
          "rp_filter=2, arp_ignore=1, arp_announce=2, ignore_routes_with_linkdown=1 on eth0 and "
          "wlan0", str(now))

    forget_neighbours()
    for a in (A_ETH, A_WLAN):
        check(wait_until(lambda: reachable(a, PORT), 5, 0.1),
              f"remote ping and TCP to {a} succeed through the router")
    for link, a in (("eth0", A_ETH), ("wlan0", A_WLAN)):
        got = arp_who_has("r1", "lan0", GW, a)
        check(got == {mac[link]}, f"an ARP request for {a} is answered only with {link}'s MAC",
              f"answers {sorted(got)}, eth0 {mac['eth0']}, wlan0 {mac['wlan0']}")
    nb = owner_macs()
    check(nb == {A_ETH: mac["eth0"], A_WLAN: mac["wlan0"]},
          "the router reaches each address at the MAC of the interface owning it", str(nb))

    cable(rig, "eth0", False)
    t0 = time.monotonic()
    ok = wait_until(lambda: reachable(A_WLAN, PORT), 3, 0.05)
    check(ok, f"with eth0's cable out wlan0's address answers "
          f"({(time.monotonic() - t0) * 1000:.0f} ms)")
    check(wait_until(lan_from_board, 3, 0.1),
          "with eth0's cable out the board reaches the gateway (ping) and a LAN host (TCP), no "
          "source address given",
          ns("dev", f"sh -c 'ip rule; ip route show table all; ip route get {GW}; "
                    "sysctl net.ipv4.conf.eth0.ignore_routes_with_linkdown'").stdout)
    cable(rig, "eth0", True)
    check(wait_until(lambda: reachable(A_ETH, PORT) and reachable(A_WLAN, PORT), 5, 0.1),
          "both addresses answer again with the cable back")

    d.stop(signal.SIGTERM)
    after = {(l, k): conf_sysctl(l, k) for l in ("eth0", "wlan0") for k in KEYS}
    check(after == found, "SIGTERM restores the four sysctls' values found",
          f"found {found}, after {after}")
    check(not ours(), "SIGTERM removes every rule and route hwctld installed", "\n".join(ours()))
finally:
    if d:
        d.stop(signal.SIGKILL)
    for p in (listener, lan_listener):
        if p:
            p.terminate()
    rig.stop()
finish()
