#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""In the VM, for scripts/bench-network: on the Wi-Fi rig (tests/network/wifirig.py), with hwctld
preferring the Wi-Fi, RUNS times (first argument, default 10): hostapd stopped to unsourced
traffic leaving by Ethernet, and wpa_supplicant's reassociation (iw: connected again) to the
Wi-Fi preferred again with its source rule back. Prints BENCH lines with the medians and every
run; asserts nothing about time."""
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import Hwctld, addrs, ns, route_dev, wait_until  # noqa: E402
from wifirig import CONF, ETH, WLAN, WifiRig, associated  # noqa: E402

runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
netns.require()
netns.private_mounts()
tmp = tempfile.mkdtemp(prefix="hwctl-bench-wifi-")


def bench(msg):
    print("BENCH " + msg, flush=True)


rig = WifiRig(tmp)
d = None
try:
    if not wait_until(associated, 20):
        sys.exit("no association")
    rig.dnsmasq("r2", "br0", "10.31.2")
    with open(f"{tmp}/dhcpcd.conf", "w") as f:
        f.write("noipv4ll\nnohook resolv.conf, hostname, ntp\nscript /bin/true\nnoarp\n")
    rig.start("dhcpcd", ["ip", "netns", "exec", "dev", "dhcpcd", "-B", "-f", f"{tmp}/dhcpcd.conf",
                         "-c", "/bin/true", ETH, WLAN])
    if not wait_until(lambda: addrs(ETH) and addrs(WLAN), 40):
        sys.exit("no leases")
    a_wlan = addrs(WLAN)[0]
    d = Hwctld(tmp, CONF % "wireless wired").start()
    rule = lambda: f"from {a_wlan} " in ns("dev", "ip rule").stdout  # noqa: E731
    if not wait_until(lambda: route_dev() == WLAN and rule(), 20):
        sys.exit("hwctld did not prefer the Wi-Fi")
    loss, back, own = [], [], []
    for i in range(runs):
        t0 = time.monotonic()
        rig.ap_stop()
        if not wait_until(lambda: route_dev() == ETH, 15, 0.01):
            sys.exit(f"run {i}: traffic never moved to Ethernet")
        loss.append(time.monotonic() - t0)
        rig.ap_start()
        if not wait_until(associated, 30, 0.01):
            sys.exit(f"run {i}: no reassociation")
        t1 = time.monotonic()
        # dhcpcd removes the address when the carrier goes and adds it back once it has
        # confirmed the lease: hwctld's part starts there.
        if not wait_until(lambda: a_wlan in addrs(WLAN), 15, 0.01):
            sys.exit(f"run {i}: the address did not come back")
        t2 = time.monotonic()
        if not wait_until(lambda: route_dev() == WLAN and rule(), 15, 0.01):
            sys.exit(f"run {i}: the Wi-Fi was not preferred again")
        back.append(time.monotonic() - t1)
        own.append(time.monotonic() - t2)
        time.sleep(0.5)
    ms = lambda xs: ", ".join(f"{x * 1000:.0f}" for x in xs)  # noqa: E731
    bench(f"AP loss (hostapd stopped) to unsourced traffic on Ethernet: median "
          f"{statistics.median(loss) * 1000:.0f} ms of {runs} (runs: {ms(loss)} ms; target < 2 s)")
    bench(f"reassociation to the Wi-Fi preferred again, rule restored: median "
          f"{statistics.median(back) * 1000:.0f} ms of {runs} (runs: {ms(back)} ms; target < 1 s)")
    bench(f"... of which from dhcpcd's address back to the rule and preference restored (hwctld's "
          f"part): median {statistics.median(own) * 1000:.0f} ms (runs: {ms(own)} ms)")
finally:
    if d:
        d.stop()
    rig.stop()
