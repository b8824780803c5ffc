#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""In the VM, for scripts/bench-network: on the Wi-Fi rig (tests/network/wifirig.py), with hwctld
preferring the Wi-Fi, RUNS times (first argument, default 10), twice: with dhcpcd as it comes
(it drops the Wi-Fi's lease when the carrier goes and asks again when it is back) and with a
client that keeps the address through carrier loss (dhcpcd's nolink; networkd's
IgnoreCarrierLoss=). Each run: hostapd stopped to unsourced traffic leaving by Ethernet; then the
AP started again, and from the reassociation (the kernel's carrier-up on the Wi-Fi) to hwctld's
source rule for the Wi-Fi address back, split at the client's address-add where there is one.
The times of the kernel's events come from `ip -ts monitor` in the board's namespace, not from
polling. Prints BENCH lines with the medians and every run; asserts nothing about time."""
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import Hwctld, addrs, ns, route_dev, wait_until  # noqa: E402
from wifirig import (CONF, ETH, WLAN, WifiRig, associated, carrier_up, events,  # noqa: E402
                     first, monitor)

runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
netns.require()
netns.private_mounts()
def bench(msg):
    print("BENCH " + msg, flush=True)


def one_mode(keep):
    tmp = tempfile.mkdtemp(prefix="hwctl-bench-wifi-")
    rig = WifiRig(tmp)
    d = mon = None
    name = "address kept through carrier loss (nolink)" if keep else "dhcpcd as it comes"
    try:
        if not wait_until(associated, 20):
            sys.exit("no association")
        rig.dnsmasq("r2", "br0", "10.31.2")
        with open(f"{tmp}/dhcpcd.conf", "w") as f:
            f.write("noipv4ll\nnohook resolv.conf, hostname, ntp\nscript /bin/true\nnoarp\n" +
                    ("nolink\n" if keep else ""))
        rig.start("dhcpcd", ["ip", "netns", "exec", "dev", "dhcpcd", "-B", "-f",
                             f"{tmp}/dhcpcd.conf", "-c", "/bin/true", ETH, WLAN])
        if not wait_until(lambda: addrs(ETH) and addrs(WLAN), 40):
            sys.exit("no leases")
        a_wlan = addrs(WLAN)[0]
        mon, mon_log = monitor(tmp, "monitor.log")
        d = Hwctld(tmp, CONF % "wireless wired").start()
        rule = lambda: f"from {a_wlan} " in ns("dev", "ip rule").stdout  # noqa: E731
        if not wait_until(lambda: route_dev() == WLAN and rule(), 20):
            sys.exit("hwctld did not prefer the Wi-Fi")
        is_addr = lambda x: f"{WLAN}" in x and f"inet {a_wlan}/" in x and \
            not x.startswith("Deleted")  # noqa: E731
        is_rule = lambda x: f"from {a_wlan} " in x and not x.startswith("Deleted")  # noqa: E731
        loss, back, client, own = [], [], [], []
        for i in range(runs):
            t0 = time.monotonic()
            rig.ap_stop()
            if not wait_until(lambda: route_dev() == ETH, 15, 0.01):
                sys.exit(f"{name}, run {i}: traffic never moved to Ethernet")
            loss.append(time.monotonic() - t0)
            time.sleep(0.3)
            since = time.time()
            rig.ap_start()
            if not wait_until(lambda: associated() and a_wlan in addrs(WLAN) and rule() and
                              route_dev() == WLAN, 40, 0.05):
                sys.exit(f"{name}, run {i}: the Wi-Fi was not preferred again")
            time.sleep(0.2)  # the monitor's last lines
            evs = events(mon_log, since)
            t_car = first(evs, carrier_up)
            t_rule = first(evs, is_rule, t_car or since)
            if t_car is None or t_rule is None:
                sys.exit(f"{name}, run {i}: the monitor saw no carrier-up or no rule "
                         f"({len(evs)} events)")
            t_addr = first(evs, is_addr, t_car)
            back.append(t_rule - t_car)
            if t_addr is not None:
                client.append(t_addr - t_car)
                own.append(t_rule - t_addr)
            else:
                own.append(t_rule - t_car)
            time.sleep(0.5)
        ms = lambda xs: ", ".join(f"{x * 1000:.0f}" for x in xs)  # noqa: E731
        med = lambda xs: f"{statistics.median(xs) * 1000:.0f} ms"  # noqa: E731
        bench(f"[{name}] AP loss (hostapd stopped) to unsourced traffic on Ethernet: median "
              f"{med(loss)} of {runs} (runs: {ms(loss)} ms; target < 2 s)")
        bench(f"[{name}] reassociation (carrier up) to hwctld's rule for the Wi-Fi address: "
              f"median {med(back)} of {runs} (runs: {ms(back)} ms; target < 1 s)")
        if client:
            bench(f"[{name}] ... of which the DHCP client's, carrier up to its address added: "
                  f"median {med(client)} (runs: {ms(client)} ms)")
        bench(f"[{name}] ... of which hwctld's, from the last of carrier and address to its rule: "
              f"median {med(own)} (runs: {ms(own)} ms)")
    finally:
        if mon:
            mon.terminate()
        if d:
            d.stop()
        rig.stop()


one_mode(keep=False)
one_mode(keep=True)
