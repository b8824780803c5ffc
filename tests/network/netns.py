# SPDX-License-Identifier: LGPL-2.1-or-later
"""Network namespaces for the network tier: a device with eth0 and wlan0, routers running dnsmasq,
a remote host behind both routers, and hwctld in the device namespace."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from harness import HWCTL, HWCTLD, check, finish, skip, wait_until  # noqa: E402,F401

RTPROT = 0xA5
TOOLS = ("ip", "dnsmasq", "dhcpcd", "ping", "unshare", "mount")


def require():
    if os.geteuid() != 0:
        skip("needs root: network namespaces, veth pairs, routing rules")
    for t in TOOLS:
        if not shutil.which(t):
            skip(f"{t} is missing (scripts/packages/network.main lists the packages)")
    for b in (HWCTLD, HWCTL):
        if not os.access(b, os.X_OK):
            skip(f"{b} is not built")


def private_mounts():
    """Re-executes the test in a mount namespace of its own with tmpfs on everything that the
    namespaces, dhcpcd and hwctld write, so the test leaves nothing on the machine."""
    if os.environ.get("HWCTL_NET_PRIVATE") == "1":
        for d in ("/run/netns", "/run/hwctl", "/run/dhcpcd", "/var/lib/dhcpcd", "/var/lib/hwctl",
                  "/etc/hwctl"):
            os.makedirs(d, exist_ok=True)
            subprocess.run(["mount", "-t", "tmpfs", "tmpfs", d], check=True)
        return
    env = dict(os.environ, HWCTL_NET_PRIVATE="1")
    r = subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable]
                       + sys.argv, env=env)
    sys.exit(r.returncode)


def sh(cmd, check_rc=True, timeout=30):
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=timeout)
    if check_rc and r.returncode != 0:
        raise RuntimeError(f"{cmd}: {r.returncode}\n{r.stdout}{r.stderr}")
    return r


def ns(name, cmd, **kw):
    return sh(f"ip netns exec {name} {cmd}", **kw)


class Rig:
    """dev (eth0, wlan0[, eth1]), r1 and r2 (one per uplink network, or one bridge), rem."""

    def __init__(self, tmp, same_subnet=False, extra_link=False):
        self.tmp = tmp
        self.same = same_subnet
        self.procs = []
        self.names = ["dev", "r1", "r2", "rem"] + (["r3"] if extra_link else [])
        for n in self.names:
            sh(f"ip netns add {n}")
            ns(n, "ip link set lo up")
        for n in ("r1", "r2"):
            ns(n, "sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1")
        # The device as an image ships it: strict reverse-path filtering.
        ns("dev", "sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.default.rp_filter=1")
        if same_subnet:
            # One L2 segment: both device links on a bridge in r1 with the router's address.
            sh("ip link add eth0 netns dev type veth peer name r1eth netns r1")
            sh("ip link add wlan0 netns dev type veth peer name r1wlan netns r1")
            ns("r1", "ip link add lan0 type bridge")
            for p in ("r1eth", "r1wlan"):
                ns("r1", f"ip link set {p} master lan0")
                ns("r1", f"ip link set {p} up")
            ns("r1", "ip addr add 10.31.1.1/24 dev lan0")
            ns("r1", "ip link set lan0 up")
            self.lan = {"eth0": ("r1", "lan0"), "wlan0": ("r1", "lan0")}
            self.peer = {"eth0": ("r1", "r1eth"), "wlan0": ("r1", "r1wlan")}
        else:
            sh("ip link add eth0 netns dev type veth peer name r1dev netns r1")
            sh("ip link add wlan0 netns dev type veth peer name r2dev netns r2")
            ns("r1", "ip addr add 10.31.1.1/24 dev r1dev")
            ns("r1", "ip addr add fd31:1::1/64 dev r1dev nodad")
            ns("r2", "ip addr add 10.31.2.1/24 dev r2dev")
            ns("r2", "ip addr add fd31:2::1/64 dev r2dev nodad")
            ns("r1", "ip link set r1dev up")
            ns("r2", "ip link set r2dev up")
            self.lan = {"eth0": ("r1", "r1dev"), "wlan0": ("r2", "r2dev")}
            self.peer = dict(self.lan)
        if extra_link:
            # A third link whose network has router advertisements and no DHCPv4 server.
            sh("ip link add eth1 netns dev type veth peer name r3dev netns r3")
            ns("r3", "ip addr add fd31:3::1/64 dev r3dev nodad")
            ns("r3", "ip link set r3dev up")
        # The remote host: reachable through r1 (10.39.1.0/24) and through r2 (10.39.2.0/24).
        # The routers know only their own networks, as two providers would: a reply sent to
        # the wrong one is dropped.
        for i, r in ((1, "r1"), (2, "r2")):
            sh(f"ip link add rem{i} netns rem type veth peer name up{i} netns {r}")
            ns(r, f"ip addr add 10.39.{i}.1/24 dev up{i}")
            ns(r, f"ip link set up{i} up")
            ns("rem", f"ip addr add 10.39.{i}.2/24 dev rem{i}")
            ns("rem", f"ip link set rem{i} up")
        if same_subnet:
            ns("rem", "ip route add 10.31.1.0/24 via 10.39.1.1")
        else:
            ns("rem", "ip route add 10.31.1.0/24 via 10.39.1.1")
            ns("rem", "ip route add 10.31.2.0/24 via 10.39.2.1")
        for l in ("eth0", "wlan0") + (("eth1",) if extra_link else ()):
            ns("dev", f"ip link set {l} up")

    def dnsmasq(self, router, iface, subnet, v6=None, dhcp4=True):
        argv = ["ip", "netns", "exec", router, "dnsmasq", "--keep-in-foreground",
                "--conf-file=/dev/null", "--port=0", f"--interface={iface}", "--bind-interfaces",
                f"--dhcp-leasefile={self.tmp}/{router}.leases", f"--pid-file={self.tmp}/{router}.pid"]
        if dhcp4:
            argv += [f"--dhcp-range={subnet}.100,{subnet}.150,255.255.255.0,1h",
                     f"--dhcp-option=3,{subnet}.1"]
        if v6:
            argv += ["--enable-ra", f"--dhcp-range={v6},ra-only,64"]
        self.procs.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL))

    def dhcpcd(self, links):
        conf = os.path.join(self.tmp, "dhcpcd.conf")
        with open(conf, "w") as f:
            # No hooks: nothing touches the machine's resolv.conf or hostname.
            f.write("noipv4ll\nnohook resolv.conf, hostname, ntp\nscript /bin/true\n"
                    "noarp\nipv6rs\nslaac hwaddr\n")
        self.procs.append(subprocess.Popen(
            ["ip", "netns", "exec", "dev", "dhcpcd", "-B", "-f", conf, "-c", "/bin/true", *links],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
        for n in self.names:
            sh(f"ip netns del {n}", check_rc=False)


def addrs(link, family="inet"):
    r = ns("dev", f"ip -j -f {family} addr show dev {link} scope global", check_rc=False)
    try:
        # An entry without "local" is ip's note about a lifetime, not an address.
        return [a["local"] for i in json.loads(r.stdout or "[]") for a in i.get("addr_info", [])
                if "local" in a]
    except ValueError:
        return []


def proto_of(o):
    p = o.get("protocol")
    if p is None:
        return None
    try:
        return int(str(p), 0)
    except ValueError:
        return p


def ours():
    """hwctld's rules and routes (protocol 0xa5) in the device namespace, as sorted strings."""
    out = []
    for fam in ("-4", "-6"):
        r = ns("dev", f"ip -j {fam} rule show", check_rc=False)
        for o in json.loads(r.stdout or "[]"):
            if proto_of(o) == RTPROT:
                out.append(f"rule {fam} {o.get('priority')} {o.get('src')} {o.get('table')}")
        r = ns("dev", f"ip -j {fam} route show table all", check_rc=False)
        for o in json.loads(r.stdout or "[]"):
            if proto_of(o) == RTPROT:
                out.append(f"route {fam} {o.get('table', 'main')} {o.get('dst')} "
                           f"{o.get('gateway')} {o.get('dev')} {o.get('metric')}")
    return sorted(out)


def theirs():
    """Everything else: the other managers' routes and rules."""
    out = []
    for fam in ("-4", "-6"):
        r = ns("dev", f"ip -j {fam} route show table all", check_rc=False)
        for o in json.loads(r.stdout or "[]"):
            if proto_of(o) != RTPROT and o.get("table") != "local" and \
                    not str(o.get("dst", "")).startswith("fe80") and \
                    not str(o.get("dst", "")).startswith("ff00") and o.get("type") != "multicast":
                out.append(f"route {fam} {o.get('table', 'main')} {o.get('dst')} "
                           f"{o.get('gateway')} {o.get('dev')} {o.get('metric')} "
                           f"{o.get('protocol')}")
        r = ns("dev", f"ip -j {fam} rule show", check_rc=False)
        for o in json.loads(r.stdout or "[]"):
            if proto_of(o) != RTPROT:
                out.append(f"rule {fam} {json.dumps(o, sort_keys=True)}")
    return sorted(out)


def reachable(addr, tcp_port=None):
    """ping (and a TCP connect when tcp_port is given) from the remote host."""
    r = ns("rem", f"ping -c1 -W1 {addr}", check_rc=False)
    if r.returncode != 0:
        return False
    if tcp_port is None:
        return True
    r = ns("rem", f"socat -T2 /dev/null TCP:{addr}:{tcp_port},connect-timeout=2", check_rc=False)
    return r.returncode == 0


def route_dev(dst="10.39.9.9"):
    r = ns("dev", f"ip -j route get {dst}", check_rc=False)
    try:
        return json.loads(r.stdout)[0].get("dev")
    except (ValueError, IndexError):
        return None


class Hwctld:
    def __init__(self, tmp, conf_text, tag="hwctld", bus=None):
        self.tmp = tmp
        # Never the machine's own system bus: a private one, or none at all.
        self.bus = bus or f"unix:path={tmp}/no-bus"
        self.conf = os.path.join(tmp, f"{tag}.conf")
        with open(self.conf, "w") as f:
            f.write(conf_text)
        self.log = open(os.path.join(tmp, f"{tag}.log"), "a")
        self.proc = None

    def start(self):
        env = dict(os.environ, HWCTL_LOG_TARGET="stderr", NO_COLOR="1",
                   DBUS_SYSTEM_BUS_ADDRESS=self.bus)
        env.pop("NOTIFY_SOCKET", None)
        self.proc = subprocess.Popen(["ip", "netns", "exec", "dev", HWCTLD, "--sysroot", "/",
                                      "--config", self.conf, "--only", "network"],
                                     env=env, stdout=self.log, stderr=self.log)
        return self

    def status(self):
        r = subprocess.run([HWCTL, "--sysroot", "/", "status", "--snapshot", "--json"],
                           capture_output=True, text=True, timeout=10)
        try:
            doc = json.loads(r.stdout)
            return next(p for p in doc["probes"] if p["name"] == "network")
        except (ValueError, StopIteration, KeyError):
            return None

    def wait_verdict(self, pred, timeout=15.0):
        return wait_until(lambda: (lambda s: s if s and pred(s) else None)(self.status()),
                          timeout, 0.05)

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None


ARP_PROBE = r"""
import socket, struct, sys, time
iface, src_ip, target = sys.argv[1:4]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind((iface, 0x0806))
mac = s.getsockname()[4]
tip = socket.inet_aton(target)
s.send(b"\xff" * 6 + mac + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac
       + socket.inet_aton(src_ip) + b"\0" * 6 + tip)
s.settimeout(0.05)
seen = set()
end = time.monotonic() + 0.5
while time.monotonic() < end:
    try:
        d = s.recv(128)
    except socket.timeout:
        continue
    # Ethernet (14) + ARP: op at 20, sender MAC 22..28, sender IP 28..32.
    if len(d) >= 42 and d[12:14] == b"\x08\x06" and d[20:22] == b"\x00\x02" and d[28:32] == tip:
        seen.add(d[22:28].hex(":"))
print(" ".join(sorted(seen)))
"""


def arp_who_has(router, iface, src_ip, target):
    """Broadcasts one ARP request from a router's interface (a raw socket, as a real router's
    kernel would send it) and returns the set of MAC addresses that answered for target."""
    r = subprocess.run(["ip", "netns", "exec", router, sys.executable, "-c", ARP_PROBE, iface,
                        src_ip, target], capture_output=True, text=True, timeout=10)
    if r.returncode != 0:
        raise RuntimeError(f"ARP probe: {r.stderr}")
    return set(r.stdout.split())


def mac_of(name, link):
    return json.loads(ns(name, f"ip -j link show dev {link}").stdout)[0]["address"]


def conf_sysctl(link, key, value=None):
    """Reads (or writes) net.ipv4.conf.<link>.<key> in the device namespace."""
    path = f"/proc/sys/net/ipv4/conf/{link}/{key}"
    if value is not None:
        ns("dev", f"sh -c 'echo {value} > {path}'")
    return ns("dev", f"cat {path}").stdout.strip()


def hwctld_pid(d):
    """hwctld's own pid: `ip netns exec` execs it, so the Popen pid is hwctld itself."""
    return d.proc.pid
