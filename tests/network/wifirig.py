# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Wi-Fi rig of the VM tier, shared by tests/network/test_wifi.py and
tests/network/bench_wifi.py: mac80211_hwsim's three radios, two access points (hostapd, WPA2-PSK,
one SSID, bridged into the Wi-Fi router's network) and the board's radio (wpa_supplicant, renamed
wlp1s0); a veth named like a USB adapter as the board's Ethernet, to a second router (two
subnets) or, with shared=True, into the access points' bridge (one subnet); a remote host behind
the routers."""
import datetime
import os
import re
import subprocess
import time
from dataclasses import dataclass

from netns import ns, sh, skip, wait_until

WLAN, ETH = "wlp1s0", "enx020000aabbcc"
SSID, PSK = "hwctl-test", "hwctl-secret-1"
CONF = f"[Network]\nUplinks={ETH} {WLAN}\nPrefer=%s\nIPv4TimeoutSec=2\n"


def phy_of(link):
    return os.path.basename(os.readlink(f"/sys/class/net/{link}/phy80211"))


class WifiRig:
    def __init__(self, tmp, shared=False):
        self.tmp = tmp
        self.shared = shared
        self.procs = {}
        r = sh("modprobe mac80211_hwsim radios=3", check_rc=False)
        if r.returncode != 0:
            skip(f"modprobe mac80211_hwsim failed: {r.stderr.strip()}")
        ok = wait_until(lambda: len([n for n in os.listdir("/sys/class/net")
                                     if os.path.exists(f"/sys/class/net/{n}/phy80211")]) >= 3, 5)
        if not ok:
            skip("mac80211_hwsim made no three radios")
        radios = sorted(n for n in os.listdir("/sys/class/net")
                        if os.path.exists(f"/sys/class/net/{n}/phy80211"))
        for n in ("dev", "r1", "r2", "rem"):
            sh(f"ip netns add {n}")
            ns(n, "ip link set lo up")
        for n in ("r1", "r2"):
            ns(n, "sysctl -qw net.ipv4.ip_forward=1")
        ns("dev", "sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.default.rp_filter=1")
        # Two access points' radios to r2 (one SSID, two BSSIDs, bridged into one network), the
        # board's to dev, renamed as a PCI card would be named.
        sh(f"iw phy {phy_of(radios[0])} set netns name r2")
        sh(f"iw phy {phy_of(radios[2])} set netns name r2")
        sh(f"iw phy {phy_of(radios[1])} set netns name dev")
        ns("r2", f"ip link set {radios[0]} name ap0")
        ns("r2", f"ip link set {radios[2]} name ap1")
        ns("dev", f"ip link set {radios[1]} name {WLAN}")
        ns("r2", "ip link add br0 type bridge")
        ns("r2", "ip link set br0 up")
        # Ethernet: a veth with a USB adapter's name, to its own router or into the APs' network.
        # self.cable is the router's end: set down, it is the cable pulled out.
        if shared:
            self.cable = ("r2", "r2eth")
            sh(f"ip link add {ETH} netns dev type veth peer name r2eth netns r2")
            ns("r2", "ip link set r2eth master br0")
            ns("r2", "ip link set r2eth up")
        else:
            self.cable = ("r1", "r1dev")
            sh(f"ip link add {ETH} netns dev type veth peer name r1dev netns r1")
            ns("r1", "ip addr add 10.31.1.1/24 dev r1dev")
            ns("r1", "ip link set r1dev up")
        ns("r2", "ip addr add 10.31.2.1/24 dev br0")
        for i, r in ((1, "r1"), (2, "r2")):
            sh(f"ip link add rem{i} netns rem type veth peer name up{i} netns {r}")
            ns(r, f"ip addr add 10.39.{i}.1/24 dev up{i}")
            ns(r, f"ip link set up{i} up")
            ns("rem", f"ip addr add 10.39.{i}.2/24 dev rem{i}")
            ns("rem", f"ip link set rem{i} up")
        ns("rem", "ip route add 10.31.1.0/24 via 10.39.1.1")
        ns("rem", "ip route add 10.31.2.0/24 via 10.39.2.1")
        for ap, channel in (("ap0", 6), ("ap1", 11)):
            with open(f"{self.tmp}/hostapd-{ap}.conf", "w") as f:
                f.write(f"interface={ap}\nbridge=br0\ndriver=nl80211\nssid={SSID}\n"
                        f"hw_mode=g\nchannel={channel}\nwpa=2\nwpa_passphrase={PSK}\n"
                        "wpa_key_mgmt=WPA-PSK\nrsn_pairwise=CCMP\n")
        with open(f"{self.tmp}/wpa.conf", "w") as f:
            f.write(f"ctrl_interface={self.tmp}/wpa\nnetwork={{\n ssid=\"{SSID}\"\n psk=\"{PSK}\"\n}}\n")
        ns("dev", f"ip link set {ETH} up")
        ns("dev", f"ip link set {WLAN} up")
        self.ap_start()
        self.start("wpa", ["ip", "netns", "exec", "dev", "wpa_supplicant", "-i", WLAN, "-c",
                           f"{self.tmp}/wpa.conf"])
        self.dnsmasq("r1", "r1dev", "10.31.1")

    def start(self, name, argv):
        self.procs[name] = subprocess.Popen(argv, stdout=open(f"{self.tmp}/{name}.log", "a"),
                                            stderr=subprocess.STDOUT)

    def plug(self, up):
        router, end = self.cable
        ns(router, f"ip link set {end} {'up' if up else 'down'}")

    def ap_start(self, ap="ap0"):
        ns("r2", f"ip link set {ap} up")
        self.start(f"hostapd-{ap}", ["ip", "netns", "exec", "r2", "hostapd",
                                     f"{self.tmp}/hostapd-{ap}.conf"])

    def ap_stop(self, ap="ap0"):
        p = self.procs.pop(f"hostapd-{ap}")
        p.terminate()
        p.wait(timeout=10)

    def dnsmasq(self, router, iface, subnet):
        self.start(f"dnsmasq-{router}", [
            "ip", "netns", "exec", router, "dnsmasq", "--keep-in-foreground",
            "--conf-file=/dev/null", "--port=0", f"--interface={iface}", "--bind-interfaces",
            f"--dhcp-leasefile={self.tmp}/{router}.leases",
            f"--dhcp-range={subnet}.100,{subnet}.150,255.255.255.0,1h",
            f"--dhcp-option=3,{subnet}.1"])

    def stop(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
        for n in ("dev", "r1", "r2", "rem"):
            sh(f"ip netns del {n}", check_rc=False)
        # The radios go back to the first namespace with their new names: unload, so that the
        # next rig starts from three fresh ones.
        wait_until(lambda: sh("modprobe -r mac80211_hwsim", check_rc=False).returncode == 0, 10,
                   0.2)


def associated():
    return "Connected to" in ns("dev", f"iw dev {WLAN} link", check_rc=False).stdout


def carrier(link):
    try:
        return ns("dev", f"cat /sys/class/net/{link}/carrier", check_rc=False).stdout.strip() == "1"
    except OSError:
        return False


def timed(pred, timeout):
    """Seconds until pred() holds (polled every 20 ms), or None after timeout."""
    t0 = time.monotonic()
    return (time.monotonic() - t0) if wait_until(pred, timeout, 0.02) else None




STAMP = re.compile(r"^\[([0-9T:.-]+)\]\s?(.*)$")


def monitor(tmp, name, objects=("link", "address", "rule")):
    """`ip -ts monitor` in the board's namespace, into tmp/name: the kernel's events with the
    time each reached the monitor. Returns (process, path)."""
    path = f"{tmp}/{name}"
    return subprocess.Popen(["ip", "netns", "exec", "dev", "ip", "-ts", "monitor", *objects],
                            stdout=open(path, "w"), stderr=subprocess.DEVNULL), path


def events(path, since):
    """(time.time(), line) of a monitor log's lines at or after since."""
    out = []
    for line in open(path, errors="replace"):
        m = STAMP.match(line.rstrip("\n"))
        if m:
            t = datetime.datetime.fromisoformat(m.group(1)).timestamp()
            if t >= since:
                out.append((t, m.group(2)))
    return out


def first(evs, pred, after=0.0):
    return next((t for t, line in evs if t >= after and pred(line)), None)


def carrier_up(line, link=WLAN):
    return f": {link}:" in line and "LOWER_UP" in line and not line.startswith("Deleted")


def authorized(line, link=WLAN):
    """Carrier and operstate UP: after the 4-way handshake, when the radio passes traffic (with
    carrier alone it is DORMANT until wpa_supplicant has the keys)."""
    return carrier_up(line, link) and " state UP " in line


def carrier_down(line, link=WLAN):
    return f": {link}:" in line and "NO-CARRIER" in line and not line.startswith("Deleted")


@dataclass
class Roam:
    seen: bool  # wpa_supplicant's scan found the second BSSID
    roamed: bool  # the board's radio is associated to it afterwards
    lost: int | None  # of the remote host's pings (None: no ping summary)
    answered_late: int  # replies to the last 15 of the 60 pings
    gap: float | None  # seconds from carrier lost to operstate UP again (the kernel's events)
    summary: str


def roam_pinging(rig, addr, pings=60):
    """Starts the second AP, roams the board's radio to its BSSID (as wpa_supplicant does on a
    weaker signal) while the remote host pings addr every 100 ms, and counts what was lost."""
    rig.ap_start("ap1")
    bssid = ns("r2", "cat /sys/class/net/ap1/address").stdout.strip()
    cli = f"wpa_cli -p {rig.tmp}/wpa -i {WLAN}"
    seen = wait_until(lambda: ns("dev", f"{cli} scan", check_rc=False) and
                      bssid in ns("dev", f"{cli} scan_results", check_rc=False).stdout, 20, 0.5)
    pinger = subprocess.Popen(["ip", "netns", "exec", "rem", "ping", "-n", "-i", "0.1", "-c",
                               str(pings), "-W", "1", addr], stdout=subprocess.PIPE, text=True)
    mon, mon_log = monitor(rig.tmp, "roam-monitor.log", ("link",))
    time.sleep(1.5)
    since = time.time()
    ns("dev", f"{cli} roam {bssid}", check_rc=False)
    roamed = wait_until(lambda: bssid in ns("dev", f"iw dev {WLAN} link", check_rc=False).stdout,
                        15)
    out = pinger.communicate(timeout=30)[0]
    mon.terminate()
    evs = events(mon_log, since)
    t_down = first(evs, carrier_down)
    t_up = first(evs, authorized, t_down) if t_down is not None else None
    got = [line for line in out.splitlines() if "packets transmitted" in line]
    sent_rcvd = got[0].split(",")[:2] if got else []
    lost = (int(sent_rcvd[0].split()[0]) - int(sent_rcvd[1].split()[0])) if sent_rcvd else None
    seqs = [int(w.split("=")[1]) for line in out.splitlines() for w in line.split()
            if w.startswith("icmp_seq=")]
    late = len([q for q in seqs if q > pings - 15])
    return Roam(seen, roamed, lost, late, t_up - t_down if t_up is not None else None,
                got[0] if got else out[-300:])
