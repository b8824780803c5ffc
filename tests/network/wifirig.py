# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Wi-Fi rig of the VM tier, shared by tests/network/test_wifi.py and
tests/network/bench_wifi.py: mac80211_hwsim's three radios, two access points (hostapd, WPA2-PSK,
one SSID, bridged into the Wi-Fi router's network) and the board's radio (wpa_supplicant, renamed
wlp1s0); a veth named like a USB adapter as the board's Ethernet to a second router; a remote
host behind both."""
import os
import subprocess
import time

from netns import ns, sh, skip, wait_until

WLAN, ETH = "wlp1s0", "enx020000aabbcc"
SSID, PSK = "hwctl-test", "hwctl-secret-1"
CONF = f"[Network]\nUplinks={ETH} {WLAN}\nPrefer=%s\nIPv4TimeoutSec=2\n"


def phy_of(link):
    return os.path.basename(os.readlink(f"/sys/class/net/{link}/phy80211"))


class WifiRig:
    def __init__(self, tmp):
        self.tmp = tmp
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
        # Ethernet: a veth with a USB adapter's name.
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


