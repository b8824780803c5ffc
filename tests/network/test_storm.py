#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A storm of 1000 carrier flaps and 1000 address changes in a few seconds: hwctld keeps
answering `hwctl status`, ends with exactly the rules and routes the final state needs, reports
the final state within a few seconds, and neither file descriptors nor memory grow.

The storm is three `ip -batch` files run at once: the routers flap the far ends of eth0 and
wlan0 (the device sees carrier go and come, as a cable or an access point would do), and the
device adds and removes addresses on eth0 and wlan0. That the events reached hwctld is checked
too: the kernel's carrier_changes counters and hwctld's rebuild counter both move."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import Hwctld, Rig, check, finish, ns, ours, wait_until  # noqa: E402

netns.require()
netns.private_mounts()
tmp = tempfile.mkdtemp(prefix="hwctl-net-storm-")
CONF = "[Network]\nUplinks=eth0 wlan0\nPrefer=eth0 wlan0\n"
PAIRS = 250  # per router: 250 down/up pairs, 500 flaps; both routers: 1000
ADDR_PAIRS = 250  # per device link: 250 add/del pairs, 500 changes; both links: 1000
FINAL = "eth0 10.31.1.50 (preferred), wlan0 10.31.2.50; policy routing on"


CHUNKS = 25  # the storm in 25 slices 0.15 s apart: ~4 s of events, not one 0.1 s burst


def batch_files():
    """Per slice, one batch file per namespace."""
    files = []
    for c in range(CHUNKS):
        f = {}
        for r, peer in (("r1", "r1dev"), ("r2", "r2dev")):
            f[r] = os.path.join(tmp, f"storm-{c}-{r}")
            with open(f[r], "w") as out:
                out.write(f"link set {peer} down\nlink set {peer} up\n" * (PAIRS // CHUNKS))
        f["dev"] = os.path.join(tmp, f"storm-{c}-dev")
        with open(f["dev"], "w") as out:
            for i in range(c * ADDR_PAIRS // CHUNKS, (c + 1) * ADDR_PAIRS // CHUNKS):
                for link, net in (("eth0", "10.31.1"), ("wlan0", "10.31.2")):
                    out.write(f"addr add {net}.{100 + i % 40}/24 dev {link}\n"
                              f"addr del {net}.{100 + i % 40}/24 dev {link}\n")
            if c == CHUNKS - 1:
                # The final state differs from the first: eth0 keeps a second address.
                out.write("addr replace 10.31.1.77/24 dev eth0\n")
        files.append(f)
    return files


def storm(files):
    t0 = time.monotonic()
    rcs, errs = [], []
    for c, f in enumerate(files):
        procs = [subprocess.Popen(["ip", "netns", "exec", n, "ip", "-batch", f[n]],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                 for n in ("r1", "r2", "dev")]
        for p in procs:
            errs.append(p.communicate(timeout=60)[1])
            rcs.append(p.returncode)
        time.sleep(max(0.0, t0 + 0.15 * (c + 1) - time.monotonic()))
    return time.monotonic() - t0, sorted(set(rcs)), [e for e in errs if e]


def expected():
    """The rules and routes the final state needs, written out from the mechanism in
    probes/network/network-plan.c, in the form ours() lists them."""
    idx = {l: json.loads(ns("dev", f"ip -j link show dev {l}").stdout)[0]["ifindex"]
           for l in ("eth0", "wlan0")}
    t = {l: str(0xA50000 + idx[l]) for l in idx}
    return sorted([
        f"rule -4 10100 10.31.1.50 {t['eth0']}",
        f"rule -4 10100 10.31.1.77 {t['eth0']}",
        f"rule -4 10101 10.31.2.50 {t['wlan0']}",
        f"route -4 {t['eth0']} 10.31.1.0/24 None eth0 16",
        f"route -4 {t['eth0']} default 10.31.1.1 eth0 16",
        f"route -4 {t['wlan0']} 10.31.2.0/24 None wlan0 16",
        f"route -4 {t['wlan0']} default 10.31.2.1 wlan0 16",
        "route -4 main default 10.31.1.1 eth0 16",
        "route -4 main default 10.31.2.1 wlan0 17",
    ])


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def sanitized(pid):
    return "libasan" in open(f"/proc/{pid}/maps").read()


def carrier_changes():
    return {l: int(ns("dev", f"cat /sys/class/net/{l}/carrier_changes").stdout)
            for l in ("eth0", "wlan0")}


def rebuilds(st):
    try:
        return int(st["details"]["rebuilds"])
    except (KeyError, TypeError, ValueError):
        return -1


class Poller(threading.Thread):
    """`hwctl status --snapshot` in a loop while the storm runs: every answer must be a whole
    document with the network probe in it."""

    def __init__(self, d):
        super().__init__(daemon=True)
        self.d, self.ok, self.bad, self.worst, self.stop = d, 0, 0, 0.0, False

    def run(self):
        while not self.stop:
            t0 = time.monotonic()
            st = self.d.status()
            self.worst = max(self.worst, time.monotonic() - t0)
            if st and st.get("verdict"):
                self.ok += 1
            else:
                self.bad += 1
            time.sleep(0.02)


rig = Rig(tmp)
d = None
try:
    for link, net in (("eth0", "10.31.1"), ("wlan0", "10.31.2")):
        ns("dev", f"ip addr add {net}.50/24 dev {link}")
        ns("dev", f"ip route append default via {net}.1 dev {link} metric 1024 proto dhcp")
    d = Hwctld(tmp, CONF, tag="hwctld-storm").start()
    st = d.wait_verdict(lambda s: s.get("summary") == FINAL)
    check(st is not None, "hwctld reports policy routing for two uplinks", str(d.status()))
    pid = netns.hwctld_pid(d)
    files = batch_files()

    # Warm-up: the first storm sizes hwctld's buffers and caches; growth is measured after it.
    dt, rcs, errs = storm(files)
    check(rcs == [0], f"warm-up storm ran ({dt:.1f} s)", str(errs))
    wait_until(lambda: ours() == expected(), 10, 0.1)
    time.sleep(0.5)
    fd0, rss0, cc0 = fds(pid), rss_kib(pid), carrier_changes()
    st0 = d.wait_verdict(lambda s: rebuilds(s) >= 0, 5)
    rb0 = rebuilds(st0)
    # Back to the first state, so the final state is a change hwctld must report.
    ns("dev", "ip addr del 10.31.1.77/24 dev eth0")
    check(d.wait_verdict(lambda s: "10.31.1.77/24" not in json.dumps(s.get("details")), 5)
          is not None, "the status follows the removal of 10.31.1.77 before the storm")

    poller = Poller(d)
    poller.start()
    dt, rcs, errs = storm(files)
    t_end = time.monotonic()
    time.sleep(0.5)
    poller.stop = True
    poller.join()
    check(rcs == [0] and dt < 10.0,
          f"1000 carrier flaps and 1000 address changes in {dt:.1f} s (< 10 s)", str(errs))
    cc1 = carrier_changes()
    moved = {l: cc1[l] - cc0[l] for l in cc1}
    check(all(v >= 2 * PAIRS for v in moved.values()),
          f"the kernel counted the flaps (carrier_changes +{moved['eth0']} eth0, "
          f"+{moved['wlan0']} wlan0)")
    check(poller.ok > 0 and poller.bad == 0,
          f"`hwctl status --snapshot` answered throughout ({poller.ok} answers, worst "
          f"{poller.worst * 1000:.0f} ms)", f"{poller.bad} bad answers")
    check(d.proc.poll() is None, "hwctld is still running")

    final = d.wait_verdict(
        lambda s: s.get("summary") == FINAL and "10.31.1.77/24" in json.dumps(s.get("details")),
        5)
    check(final is not None, f"the status shows the final state "
          f"{time.monotonic() - t_end:.1f} s after the storm", str(d.status()))
    check(rebuilds(final or {}) > rb0 + 1,
          f"the storm's events reached hwctld (rebuilds {rb0} -> {rebuilds(final or {})})")
    ok = wait_until(lambda: ours() == expected(), 5, 0.1)
    check(ok, "hwctld ends with exactly the rules and routes the final state needs",
          "have:\n" + "\n".join(ours()) + "\nwant:\n" + "\n".join(expected()))
    fd1, rss1 = fds(pid), rss_kib(pid)
    check(fd1 == fd0, f"no file descriptor growth ({fd0} -> {fd1})")
    if sanitized(pid):
        # ASan keeps freed memory in quarantine (up to 256 MiB), so RSS says nothing there;
        # LeakSanitizer checks at exit instead, and turns the exit code non-zero on a leak.
        print(f"info memory not bounded under ASan ({rss0} -> {rss1} KiB): LeakSanitizer "
              f"checks at exit")
    else:
        check(rss1 - rss0 <= 1024,
              f"memory within 1024 KiB after the warm-up ({rss0} -> {rss1} KiB)")
    d.stop(signal.SIGTERM)
    check(d.proc.returncode == 0, "hwctld stops cleanly after the storm (and, in a sanitizer "
          "build, without leaks)", str(d.proc.returncode))
    check(not ours(), "SIGTERM removes every rule and route hwctld installed", "\n".join(ours()))
finally:
    if d:
        d.stop(signal.SIGKILL)
    rig.stop()
finish()
