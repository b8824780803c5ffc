#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Tier 4, the acceptance test: the card image (tests/board/board.py) booted on the emulated
Pi 3 with systemd as PID 1 and hwctl installed from its package, checked over SSH only, as a
person checks a new board: the first boot (status, journal, permissions and policy as
installed, reload, restart, stop, kill -9, the sandbox), then a second boot of the same card
(the no-op). The consoles, the emulated chip's logs and what the board said stay in
$HWCTL_BUILD_DIR/tests/board-out/."""
import json
import os
import re
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
import harness as h  # noqa: E402

PROBES = ["rootfs", "gpio", "audio", "bluetooth", "network"]
CHIP_DEFAULT = "aa:aa:aa:aa:aa:aa"  # bcm-emu's BCM43430A1 before a stable address is set


def say(msg):
    print(f"board-test: {msg}", flush=True)


class Session:
    def __init__(self, board, out):
        self.b, self.out = board, out
        self.n = 0

    def sh(self, command, user="root", timeout=120):
        """Runs command over SSH and keeps what it printed in board-out/ssh.log."""
        r = self.b.ssh(command, user=user, timeout=timeout)
        self.n += 1
        with open(os.path.join(self.out, "ssh.log"), "a") as f:
            f.write(f"### {self.n} {user}$ {command}\n### rc={r.returncode}\n{r.stdout}"
                    f"{r.stderr}\n")
        return r

    def status(self, user="root"):
        r = self.sh("hwctl status --json", user=user)
        try:
            return r, json.loads(r.stdout)
        except ValueError:
            return r, None


def probe(doc, name):
    for p in (doc or {}).get("probes", []):
        if p.get("name") == name:
            return p
    return {}


def settled(doc):
    """Every probe has reported and Bluetooth is past its wait for the controller."""
    if not doc or any(probe(doc, n).get("state") != "done" for n in PROBES):
        return False
    bt = probe(doc, "bluetooth")
    return bt.get("verdict") == "ok" or not (bt.get("details") or {}).get("watching")


def wait_settled(s, timeout=300):
    end = time.monotonic() + timeout
    doc = None
    while time.monotonic() < end:
        _, doc = s.status()
        if settled(doc):
            return doc
        time.sleep(3)
    return doc


def first_boot(s, b):
    r, doc = s.status()
    doc = wait_settled(s)
    r, doc = s.status()
    text = s.sh("hwctl --no-color status")
    verdicts = {n: probe(doc, n).get("verdict") for n in PROBES}
    say(f"first boot verdicts: {verdicts}")
    bad = any(v in ("failed", "degraded") for v in verdicts.values())
    h.check(doc is not None, "hwctl status --json parses", r.stdout[-500:], group="status")
    if doc is None:
        return None
    h.check(text.returncode == (1 if bad else 0),
            f"hwctl status exits {1 if bad else 0} as its verdicts say",
            f"rc={text.returncode}: {text.stdout[-800:]}", group="status")
    h.check((doc.get("board") or {}).get("id") == "rpi-3-b" and "rpi-3-b" in text.stdout,
            "the board is rpi-3-b", json.dumps(doc.get("board"))[:300], group="status")
    h.check((doc.get("daemon") or {}).get("first_boot") is True, "the daemon says first boot",
            json.dumps(doc.get("daemon")), group="status")

    # rootfs: grown online, ext4, to the card's end; the disk released; udev told.
    rootfs = probe(doc, "rootfs")
    h.check(rootfs.get("verdict") == "changed", "rootfs: changed (grew)",
            f"{rootfs.get('verdict')}: {rootfs.get('summary')}", group="rootfs")
    sizes = s.sh("cat /sys/class/block/mmcblk0/size /sys/class/block/mmcblk0p2/start"
                 " /sys/class/block/mmcblk0p2/size; stat -f -c '%b %S' /").stdout.split()
    if h.check(len(sizes) == 5, "the partition and file system sizes are readable", sizes,
               group="rootfs"):
        disk, start, part, blocks, bsize = map(int, sizes)
        h.check(start + part == disk, "mmcblk0p2 reaches the end of the card",
                f"start {start} + size {part} != {disk}", group="rootfs")
        h.check(blocks * bsize > 3 << 30, "the ext4 file system grew past 3 GiB, online",
                f"{blocks * bsize >> 20} MiB", group="rootfs")
        udev = s.sh("udevadm info --query=property --name=/dev/mmcblk0p2").stdout
        m = re.search(r"^ID_PART_ENTRY_SIZE=(\d+)$", udev, re.M)
        h.check(m and int(m.group(1)) == part, "udev's record has the new partition size",
                m.group(0) if m else udev[-400:], group="rootfs")
    pid = s.sh("systemctl show -P MainPID hwctld").stdout.strip()
    fds = s.sh(f"ls -l /proc/{pid}/fd").stdout
    locks = s.sh("cat /proc/locks").stdout
    # /proc/locks: "N: FLOCK ADVISORY WRITE PID MAJ:MIN:INODE ..."
    held = [line for line in locks.splitlines() if line.split()[4:5] == [pid]]
    h.check(pid.isdigit() and "/proc/" not in fds and fds and "mmcblk" not in fds and not held,
            f"after the grow hwctld ({pid}) holds no fd on the disk and no lock",
            "\n".join([line for line in fds.splitlines() if "mmcblk" in line] + held),
            group="rootfs")
    log = s.sh("journalctl -b -o cat _COMM=systemd-udevd | grep -c 'locked by a process'").stdout
    h.check(log.strip() == "0", "udev never logged the disk as locked", log, group="rootfs")

    # bluetooth: the kernel's hci_uart_bcm on uart0, brought up by hwctld.
    bt = probe(doc, "bluetooth")
    h.check(bt.get("verdict") == "ok" and (bt.get("details") or {}).get("hci") == "hci0",
            "bluetooth: ok, hci0", f"{bt.get('verdict')}: {bt.get('summary')}",
            group="bluetooth")
    info = s.sh("btmgmt --index 0 info").stdout
    h.check("BCM43430A1" in json.dumps(bt) or "BCM43430A1" in s.sh(
        "journalctl -k -b -o cat | grep -m1 BCM43430A1").stdout,
        "the controller is the BCM43430A1", bt.get("summary"), group="bluetooth")
    m = re.search(r"addr ([0-9A-Fa-f:]{17})", info)
    h.check(m and m.group(1).lower() != CHIP_DEFAULT, "hci0's address is not the chip default",
            info[-400:], group="bluetooth")
    h.check(re.search(r"current settings:.*\bpowered\b", info), "btmgmt: hci0 is powered",
            info[-400:], group="bluetooth")

    # network: one uplink, reported, and nothing installed for it.
    net = probe(doc, "network")
    summary = net.get("summary") or ""
    h.check(net.get("verdict") == "ok" and summary.count("10.0.2.15") == 1,
            "network: ok, the one uplink (10.0.2.15) counted once", summary, group="network")
    rules = s.sh("ip rule; ip route show table all proto 0xa5;"
                 " sysctl -n net.ipv4.conf.all.arp_ignore").stdout
    h.check(not re.search(r"^\d+:\s+from \S+ lookup 1\d\d\d\b", rules, re.M)
            and "proto 0xa5" not in rules and rules.strip().endswith("0"),
            "... no policy routing, no routes of its own, no ARP sysctls", rules,
            group="network")

    for name in ("gpio", "audio"):
        p = probe(doc, name)
        h.check(p.get("verdict") in ("ok", "changed", "degraded", "failed", "skipped") and
                p.get("summary") and p.get("summary") != "not implemented yet",
                f"{name}: a verdict of its own ({p.get('verdict')})", p.get("summary"),
                group=name)
    gpio = probe(doc, "gpio")
    h.check(gpio.get("verdict") == "ok" and "pinctrl-bcm2835 (gpiochip0): 54 lines" in
            (gpio.get("summary") or ""),
            "gpio: ok on pinctrl-bcm2835, the node as udev's rule left it",
            gpio.get("summary"), group="gpio")
    # hwctld can start before udev's coldplug reaches gpiochip0: the run waits for udev (or runs
    # again when udev handles it), so no report of this boot judged devtmpfs's root-only node.
    gj = s.sh("journalctl -b -u hwctld HWCTL_PROBE=gpio -o json --no-pager"
              " --output-fields=HWCTL_VERDICT,MESSAGE").stdout
    bad = [line for line in gj.splitlines() if '"HWCTL_VERDICT":"degraded"' in line or
           '"HWCTL_VERDICT":"failed"' in line]
    h.check('"HWCTL_VERDICT"' in gj and not bad,
            "gpio: no report of this boot was degraded or failed (udev's timing)",
            "\n".join(bad)[:600] or gj[-400:], group="gpio")
    if gpio.get("details", {}).get("udev_wait"):
        say(f"gpio: {gpio['details']['udev_wait']}")
    # udev loads vchiq and vc4 late in the boot; the report follows them (module events).
    audio = probe(doc, "audio")
    end = time.monotonic() + 90
    while "VCHIQ" not in (audio.get("summary") or "") and time.monotonic() < end:
        time.sleep(3)
        audio = probe(s.status()[1], "audio")
    summary = audio.get("summary") or ""
    h.check(audio.get("verdict") == "failed" and "no sound card" in summary and
            "VCHIQ" in summary and "not bound" in summary,
            "audio: failed, no sound card: VCHIQ not bound (qemu has no VideoCore)", summary,
            group="audio")

    # The unit as systemd runs it.
    h.check(s.sh("systemctl is-active hwctld").stdout.strip() == "active",
            "systemctl is-active hwctld: active", group="systemd")
    n_bad = sum(v in ("failed", "degraded") for v in verdicts.values())
    want = (f"{n_bad} of {len(PROBES)} probes need attention (hwctl status)" if n_bad else
            f"All {len(PROBES)} probes done, nothing needs attention")
    # A probe re-run by a late device ("Running probe audio") holds it until its round ends.
    end = time.monotonic() + 60
    while True:
        st = s.sh("systemctl show -P StatusText hwctld").stdout.strip()
        if st == want or time.monotonic() > end:
            break
        time.sleep(2)
    h.check(st == want, "StatusText carries hwctld's last STATUS=", f"{st!r}, not {want!r}",
            group="systemd")
    return doc


def journal(s, catalog_ids, catalog_lines):
    r = s.sh("journalctl -b -u hwctld -o json --no-pager")
    entries = []
    for line in r.stdout.splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            pass
    for name in PROBES:
        mine = [e for e in entries if e.get("HWCTL_PROBE") == name and e.get("HWCTL_VERDICT")]
        h.check(mine and all(e.get("MESSAGE_ID") in catalog_ids for e in mine),
                f"journal: {name}'s result has HWCTL_VERDICT and a MESSAGE_ID of the catalog",
                json.dumps(mine[-1:])[:500], group="journal")
    # -x prints an entry's catalog text under it, each line prefixed with "░░ ".
    x = s.sh("journalctl -b -x -u hwctld --no-pager").stdout
    shown = {line[3:].strip() for line in x.splitlines() if line.startswith("░░ ")}
    h.check(shown & catalog_lines, "journalctl -x shows the text of hwctl's catalog",
            x[-600:], group="journal")
    j = s.sh("hwctl journal bluetooth")
    h.check(j.returncode == 0 and "hci0" in j.stdout, "hwctl journal bluetooth shows its steps",
            j.stdout[-600:] + j.stderr, group="journal")


def permissions(s):
    st = s.sh("stat -c '%U:%G %a' /dev/gpiochip0").stdout.strip()
    h.check(st == "root:gpio 660", "/dev/gpiochip0 is root:gpio 0660 (udev's rule at boot)", st,
            group="install")
    h.check(s.sh("getent group gpio").returncode == 0, "the gpio group exists (sysusers)",
            group="install")
    r = s.sh("hwctl status", user="tester")
    h.check(r.returncode in (0, 1) and "rpi-3-b" in r.stdout,
            "a non-root user runs hwctl status", r.stdout[-300:] + r.stderr, group="install")
    r = s.sh("hwctl rerun rootfs", user="tester")
    h.check(r.returncode != 0 and re.search(r"denied|not allowed|root|permission",
                                            r.stderr + r.stdout, re.I),
            "... and is refused hwctl rerun rootfs", f"rc={r.returncode}: {r.stderr}{r.stdout}",
            group="install")


def lifecycle(s, before):
    # reload after a drop-in change: only the probe whose section changed runs again.
    started = {n: probe(before, n).get("started_usec") for n in PROBES}
    s.sh("mkdir -p /etc/hwctl/hwctl.conf.d && printf '[Audio]\\nVolume=50%%\\n' >"
         " /etc/hwctl/hwctl.conf.d/50-board-test.conf && systemctl reload hwctld")
    doc = None
    end = time.monotonic() + 60
    while time.monotonic() < end:
        _, doc = s.status()
        if probe(doc, "audio").get("started_usec") != started["audio"] and settled(doc):
            break
        time.sleep(2)
    h.check(probe(doc, "audio").get("started_usec") != started["audio"],
            "systemctl reload after a drop-in re-runs the audio probe", group="lifecycle")
    h.check(probe(doc, "rootfs").get("started_usec") == started["rootfs"],
            "... and not rootfs, whose settings did not change", group="lifecycle")

    pid = s.sh("systemctl show -P MainPID hwctld").stdout.strip()
    s.sh("systemctl restart hwctld", timeout=200)
    doc = wait_settled(s, 200)
    bt = probe(doc, "bluetooth")
    h.check((doc or {}).get("daemon", {}).get("pid") != int(pid or 0) and bt.get("verdict") ==
            "ok", "systemctl restart: a new hwctld, Bluetooth ok again",
            f"{bt.get('verdict')}: {bt.get('summary')}", group="lifecycle")
    up = s.sh("btmgmt --index 0 info").stdout
    h.check(re.search(r"current settings:.*\bpowered\b", up), "... hci0 powered", up[-300:],
            group="lifecycle")

    pid = s.sh("systemctl show -P MainPID hwctld").stdout.strip()
    s.sh(f"kill -9 {pid}")
    back = None
    end = time.monotonic() + 120
    while time.monotonic() < end:
        now = s.sh("systemctl show -P MainPID hwctld; systemctl is-active hwctld").stdout.split()
        if len(now) == 2 and now[0] not in ("0", pid) and now[1] == "active":
            back = now[0]
            break
        time.sleep(2)
    h.check(back, f"kill -9 of hwctld ({pid}): systemd started it again", group="lifecycle")
    doc = wait_settled(s, 200)
    h.check(doc and str(doc["daemon"].get("pid")) == str(back) and settled(doc),
            "... and the status is back, from the new daemon", group="lifecycle")

    s.sh("systemctl stop hwctld", timeout=120)
    left = s.sh("ip route show table all proto 0xa5; ip rule | grep -c 'lookup 1[0-9][0-9][0-9]'")
    h.check(left.stdout.strip() == "0", "systemctl stop hwctld leaves no route or rule of its own",
            left.stdout, group="lifecycle")
    r = s.sh("hwctl status --json")
    h.check(r.returncode in (0, 1) and json.loads(r.stdout or "null"),
            "hwctl status answers from the snapshot with hwctld stopped", r.stderr,
            group="lifecycle")
    s.sh("rm -f /etc/hwctl/hwctl.conf.d/50-board-test.conf; systemctl start hwctld")


def sandbox(s, out):
    j = s.sh("journalctl -b -u hwctld -o cat --no-pager | grep -E"
             " 'EPERM|EACCES|Permission denied|Operation not permitted|Read-only file system'")
    h.check(j.stdout.strip() == "", "nothing in hwctld's journal hit the unit's restrictions",
            j.stdout[-600:], group="sandbox")
    sec = s.sh("systemd-analyze security hwctld --no-pager").stdout
    m = re.search(r"Overall exposure level for hwctld.service: ([\d.]+) (\S+)", sec)
    with open(os.path.join(out, "security.txt"), "w") as f:
        f.write(sec)
    h.check(m, "systemd-analyze security hwctld rates the unit", sec[-300:], group="sandbox")
    if m:
        say(f"systemd-analyze security hwctld: {m.group(1)} {m.group(2)}")


def blame(s):
    b = s.sh("systemd-analyze blame --no-pager | grep -m1 hwctld.service").stdout.split()
    return b[0] if b else "?"


def second_boot(s, b, first_boot_id):
    doc = wait_settled(s)
    rootfs = probe(doc, "rootfs")
    h.check(rootfs.get("verdict") == "ok", "second boot: rootfs ok, nothing to do",
            f"{rootfs.get('verdict')}: {rootfs.get('summary')}", group="second-boot")
    h.check((doc or {}).get("daemon", {}).get("first_boot") is False,
            "second boot: first_boot is false", json.dumps((doc or {}).get("daemon")),
            group="second-boot")
    h.check(probe(doc, "bluetooth").get("verdict") == "ok", "second boot: bluetooth ok again",
            probe(doc, "bluetooth").get("summary"), group="second-boot")
    # By boot ID, not -b -1: the board has no real-time clock, so each boot's clock starts at
    # the same instant and the journal's order of boots by time is no order at all.
    prev = s.sh(f"journalctl _BOOT_ID={first_boot_id} -u hwctld -o cat --no-pager | grep -c ."
                ).stdout.strip()
    h.check(prev.isdigit() and int(prev) > 0, "the first boot's hwctld journal is still there",
            prev, group="second-boot")


def main():
    import board as B

    out = os.path.join(os.environ.get("HWCTL_BUILD_DIR", os.path.join(B.SOURCE_DIR, "build")),
                       "tests", "board-out")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    why = B.tools_missing() or B.binfmt_ready()
    if why:
        h.skip(why)
    card = B.card()
    b = B.Board(card, out)
    s = Session(b, out)
    try:
        b.boot()
        t = b.wait_ssh()
        if not h.check(t, "first boot: SSH answers", f"see {out}/console-1.log", group="rig"):
            h.finish()
        say(f"first boot: SSH after {t:.0f} s")
        catalog = s.sh("cat /usr/lib/systemd/catalog/hwctl.catalog").stdout
        ids = set(re.findall(r"^-- ([0-9a-f]{32})", catalog, re.M))
        # The catalog's body lines (not headers such as Subject: or Defined-By:).
        body = {line.strip() for line in catalog.splitlines() if line.strip() and not
                line.startswith("-- ") and not re.match(r"^[A-Z][A-Za-z-]*: ", line)}
        h.check(ids, "the catalog is installed", group="install")
        boot_id = s.sh("cat /proc/sys/kernel/random/boot_id").stdout.strip().replace("-", "")
        first = first_boot(s, b)
        blame1 = blame(s)
        journal(s, ids, body)
        permissions(s)
        sandbox(s, out)
        if first:
            lifecycle(s, first)
        h.check(b.shutdown(), "first boot: systemctl poweroff reaches power-down", group="rig")
        b.boot()
        t = b.wait_ssh()
        if h.check(t, "second boot: SSH answers", f"see {out}/console-2.log", group="rig"):
            say(f"second boot: SSH after {t:.0f} s")
            second_boot(s, b, boot_id)
            blame2 = blame(s)
            say(f"systemd-analyze blame, hwctld.service: first boot {blame1},"
                f" second boot {blame2}")
        b.shutdown()
    finally:
        b.kill()
    h.finish()


if __name__ == "__main__":
    sys.exit(main())
