#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Ethernet and Wi-Fi on ONE subnet, on a real Wi-Fi stack, in the VM (Debian's kernel): the rig of
tests/network/wifirig.py with the board's Ethernet (a veth named like a USB adapter) plugged into
the access points' bridge, so that dnsmasq on that bridge leases both of the board's addresses.
The DHCP client keeps its addresses when a carrier goes (dhcpcd's nolink; what networkd does with
IgnoreCarrierLoss=, and what static addresses do): the case where the dead link's connected route
still matches first. Checked:
  1. without hwctld: the remote host cannot reach one of the addresses; with the cable out, the
     board cannot reach its own gateway (the on-link route of the dead Ethernet wins) and the
     remote host cannot reach the Wi-Fi address;
  2. with hwctld: the remote host reaches both addresses (ping and TCP), the router's ARP
     entries name each address's own interface, and replies leave by the interface the request
     came in on (the interfaces' transmit counters);
  3. the cable out: within 2 s traffic to the local subnet (ping to the gateway, TCP to a LAN
     host, no source address given) leaves by the Wi-Fi and works, and the remote host reaches
     the Wi-Fi address; the cable back: Ethernet again;
  4. roaming to a second BSSID of the same SSID while the remote host pings the Wi-Fi address
     every 100 ms loses at most a few pings: no more than fell into the radio's own carrier gap
     (from the kernel's link events) and two, and never more than 8 (the client keeps the
     address through the gap; hwctld takes the link out of its plan and back)."""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import Hwctld, addrs, check, finish, ns, reachable, skip, wait_until  # noqa: E402

if os.environ.get("HWCTL_IN_VM") != "1":
    skip("runs in the VM tier (ctest -R network-wifi-shared: tests/vm/run-vm): it loads "
         "mac80211_hwsim")
netns.require()
for t in ("hostapd", "wpa_supplicant", "wpa_cli", "iw", "socat"):
    if not shutil.which(t):
        skip(f"{t} is missing (scripts/packages/network.main lists the packages)")
netns.private_mounts()
tmp = tempfile.mkdtemp(prefix="hwctl-wifi-shared-")
PORT, LAN_PORT = 8023, 8024
GW = "10.31.2.1"
MAX_ROAM_LOSS = 8  # of 60 pings at 100 ms: "a few", whatever the gap
from wifirig import CONF, ETH, WLAN, WifiRig, associated, carrier, roam_pinging, timed  # noqa: E402


def route_to(dst):
    r = ns("dev", f"ip -j route get {dst}", check_rc=False)
    try:
        return json.loads(r.stdout)[0].get("dev")
    except (ValueError, IndexError):
        return None


def lan_from_board():
    """From the board, no source address given: ping the gateway, then TCP to a LAN host."""
    if ns("dev", f"ping -c1 -W1 {GW}", check_rc=False).returncode != 0:
        return False
    r = ns("dev", f"socat -T2 /dev/null TCP:{GW}:{LAN_PORT},connect-timeout=2", check_rc=False)
    return r.returncode == 0


def tx(link):
    return int(ns("dev", f"cat /sys/class/net/{link}/statistics/tx_packets").stdout)


def neigh_mac(addr):
    r = ns("r2", f"ip -j neigh show {addr} dev br0", check_rc=False)
    try:
        return json.loads(r.stdout)[0].get("lladdr")
    except (ValueError, IndexError):
        return None


rig = WifiRig(tmp, shared=True)
d = listener = lan_listener = None
try:
    check(wait_until(associated, 20), "wpa_supplicant associates the board's radio (WPA2-PSK)")
    rig.dnsmasq("r2", "br0", "10.31.2")
    with open(f"{tmp}/dhcpcd.conf", "w") as f:
        f.write("noipv4ll\nnohook resolv.conf, hostname, ntp\nscript /bin/true\nnoarp\nnolink\n")
    rig.start("dhcpcd", ["ip", "netns", "exec", "dev", "dhcpcd", "-B", "-f", f"{tmp}/dhcpcd.conf",
                         "-c", "/bin/true", ETH, WLAN])
    ok = wait_until(lambda: addrs(ETH) and addrs(WLAN) and
                    ns("dev", "ip -4 route").stdout.count("default") >= 2, 40)
    check(ok, "dhcpcd leases both addresses, on the one subnet, with default routes on both")
    if not ok:
        raise SystemExit(finish())
    a_eth, a_wlan = addrs(ETH)[0], addrs(WLAN)[0]
    check(a_eth.rsplit(".", 1)[0] == a_wlan.rsplit(".", 1)[0] == "10.31.2",
          "both addresses are on 10.31.2.0/24", f"{a_eth} {a_wlan}")
    mac = {link: json.loads(ns("dev", f"ip -j link show dev {link}").stdout)[0]["address"]
           for link in (ETH, WLAN)}
    listener = subprocess.Popen(["ip", "netns", "exec", "dev", "socat",
                                 f"TCP-LISTEN:{PORT},fork,reuseaddr", "EXEC:/bin/true"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lan_listener = subprocess.Popen(["ip", "netns", "exec", "r2", "socat",
                                     f"TCP-LISTEN:{LAN_PORT},bind={GW},fork,reuseaddr",
                                     "EXEC:/bin/true"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)

    # 1. Without hwctld, the cable out.
    before = [reachable(a_eth, PORT), reachable(a_wlan, PORT)]
    check(not all(before), "without hwctld, both links up, the remote host cannot reach one "
          "of the addresses", f"Ethernet {before[0]}, Wi-Fi {before[1]}")
    check(lan_from_board(), "without hwctld, both links up, the board reaches its gateway")
    rig.plug(False)
    check(wait_until(lambda: not carrier(ETH), 5), "the cable is out: Ethernet has no carrier")
    check(addrs(ETH) == [a_eth], "... and keeps its address (the client ignores carrier loss)",
          str(addrs(ETH)))
    ns("r2", "ip neigh flush dev br0")
    time.sleep(0.5)
    dead = route_to(GW)
    check(dead == ETH and not lan_from_board(),
          "without hwctld, the cable out: traffic to the gateway still leaves by the dead "
          "Ethernet and fails", str(dead))
    check(not reachable(a_wlan, PORT),
          "without hwctld, the cable out: the remote host cannot reach the Wi-Fi address")
    rig.plug(True)
    check(wait_until(lambda: carrier(ETH), 5), "the cable back")

    # 2. With hwctld: both addresses, each answered by its own interface.
    d = Hwctld(tmp, CONF % "wired wireless").start()
    st = d.wait_verdict(lambda s: "policy routing on" in s.get("summary", ""), 20)
    check(st is not None, "hwctld reports policy routing for both uplinks", str(d.status()))
    check("one subnet: ARP per interface" in (st or {}).get("summary", ""),
          "... and sees the one subnet", str(st))
    for a in (a_eth, a_wlan):
        check(wait_until(lambda: reachable(a, PORT), 5, 0.1),
              f"with hwctld the remote host reaches {a} (ping and TCP)")
    ns("r2", "ip neigh flush dev br0")
    for a, link in ((a_eth, ETH), (a_wlan, WLAN)):
        t0 = {x: tx(x) for x in (ETH, WLAN)}
        ns("rem", f"ping -n -q -c 20 -i 0.05 -W 1 {a}", check_rc=False)
        sent = {x: tx(x) - t0[x] for x in (ETH, WLAN)}
        other = WLAN if link == ETH else ETH
        check(sent[link] >= 20 and sent[other] < 10,
              f"the 20 replies from {a} leave by {link}, where the requests came in",
              f"transmitted: {sent}")
        check(neigh_mac(a) == mac[link], f"the router's ARP entry for {a} is {link}'s MAC",
              f"{neigh_mac(a)}, {link} has {mac[link]}")
    check(route_to(GW) == ETH and lan_from_board(),
          "the board reaches its gateway and a LAN host by Ethernet (preferred)")

    # 3. The cable out, with hwctld.
    rig.plug(False)
    check(wait_until(lambda: not carrier(ETH), 5), "the cable is out again")
    t_lan = timed(lambda: route_to(GW) == WLAN, 2.0)
    check(t_lan is not None, "within 2 s traffic to the local subnet leaves by the Wi-Fi",
          f"{t_lan:.2f} s" if t_lan is not None else str(route_to(GW)))
    if t_lan is not None:
        print(f"measured: cable out to on-link traffic by Wi-Fi in {t_lan:.3f} s", flush=True)
    check(lan_from_board(), "the board pings its gateway and reaches a LAN host over TCP, no "
          "source address given")
    check(wait_until(lambda: reachable(a_wlan, PORT), 5, 0.1),
          "the remote host reaches the Wi-Fi address")
    rig.plug(True)
    check(wait_until(lambda: route_to(GW) == ETH and route_to("10.39.9.9") == ETH, 10),
          "the cable back: Ethernet again, on-link and beyond")

    # 4. Roaming, the address kept through the carrier gap.
    roam = roam_pinging(rig, a_wlan)
    check(roam.seen, "wpa_supplicant sees the second access point")
    check(roam.roamed, "the board roams to the second BSSID")
    gap = f"{roam.gap * 1000:.0f} ms" if roam.gap is not None else "not seen"
    print(f"measured: roaming (address kept) lost {roam.lost} of 60 pings at 100 ms; the radio "
          f"passed no traffic for {gap}", flush=True)
    check(roam.gap is not None, "the kernel shows the roam's gap (carrier lost, then operstate UP)",
          roam.summary)
    # What is hwctld's: at most the pings that fell into the radio's own reassociation gap and
    # two more (one in flight each side); and a few in all.
    allowed = min(MAX_ROAM_LOSS, math.ceil((roam.gap or 0) / 0.1) + 2)
    check(roam.lost is not None and roam.lost <= allowed,
          f"the roam loses at most {allowed} of the remote host's 60 pings (the gap's and two)",
          roam.summary)
    check(wait_until(lambda: reachable(a_eth, PORT) and reachable(a_wlan, PORT), 5, 0.1),
          "after the roam both addresses answer")
    check(d.proc.poll() is None, "hwctld kept running throughout")
finally:
    if d:
        d.stop()
    for p in (listener, lan_listener):
        if p:
            p.terminate()
    rig.stop()
sys.exit(finish())
