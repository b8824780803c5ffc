#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""hwctld --once and the hwctl commands that need no daemon: board, plan, check-config, usage
errors and --help, on fixture sysroots made from real device trees. No root needed."""
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from harness import (DTB_DIR, HWCTL, HWCTLD, check, finish, fixture_sysroot, make_tmp,
                     require_binaries, run)

require_binaries()
tmp = make_tmp("hwctl-once-")
env = dict(os.environ, HWCTL_LOG_TARGET="stderr", NO_COLOR="1",
           DBUS_SYSTEM_BUS_ADDRESS="unix:path=/nonexistent/bus")
try:
    root = fixture_sysroot(tmp)
    r = run([HWCTLD, "--sysroot", root, "--once"], env=env)
    check(r.returncode == 0, "hwctld --once exits 0 when nothing degraded or failed", r.stderr)
    check("Board: Raspberry Pi 4 Model B" in r.stderr, "hwctld logs the board", r.stderr)
    # audio skips on a fixture root: alsa-lib reaches only the running system.
    check(re.search(r"^hwctld: audio: skipped: alsa-lib reaches only the running system", r.stderr,
                    re.M), "audio skips on a fixture root, saying why", r.stderr)
    check(re.search(r"^hwctld: gpio: skipped: no \S+/dev under the sysroot", r.stderr, re.M),
          "gpio skips on a fixture root without /dev, saying so", r.stderr)
    # Attach=auto takes the kernel path on the Pi 4, and a fixture root has no sysfs to watch
    # (e2e-daemon-bus gives the userspace path the emulated chip).
    check("bluetooth: skipped: no sysfs under" in r.stderr,
          "bluetooth skips on a fixture root without sysfs, saying so", r.stderr)
    snap = os.path.join(root, "run/hwctl/status.json")
    check(os.path.exists(snap), "--once writes the snapshot")
    with open(snap) as f:
        doc = json.load(f)
    check(doc["daemon"]["mode"] == "once" and all(p["verdict"] == "skipped" for p in doc["probes"]),
          "the snapshot holds every probe's verdict")
    check(sorted(os.listdir(os.path.dirname(snap))) == ["status.json"],
          "no temporary file is left next to the snapshot")

    check(doc["daemon"]["first_boot"] is True and doc["daemon"]["starts"] == 1,
          "the first start on a medium is a first boot")
    state_path = os.path.join(root, "var/lib/hwctl/state.json")
    with open(state_path) as f:
        state = json.load(f)
    check(state["starts"] == 1 and state["board"] == "rpi-4-b" and
          state["verdicts"] == {p["name"]: p["verdict"] for p in doc["probes"]},
          "the state file records the start and every verdict", str(state))

    r = run([HWCTLD, "--sysroot", root, "--once", "--only", "gpio,audio"], env=env)
    with open(state_path) as f:
        state2 = json.load(f)
    check(state2["starts"] == 2 and state2["first_start_usec"] == state["first_start_usec"],
          "a later start counts, and keeps the first start's time", str(state2))
    with open(snap) as f:
        doc = json.load(f)
    skipped = {p["name"]: p["summary"] for p in doc["probes"]}
    check(all(skipped[n] == "not selected (--only)" for n in ("rootfs", "bluetooth", "network"))
          and all(skipped[n] and skipped[n] != "not selected (--only)" for n in ("gpio", "audio")),
          "--only runs the named probes and says the others were not selected", str(skipped))

    for argv, what in (([HWCTLD, "--bogus"], "unknown option"),
                       ([HWCTLD, "--only", "wifi"], "unknown probe in --only"),
                       ([HWCTLD, "--sysroot", "relative"], "relative sysroot"),
                       ([HWCTLD, "extra"], "stray argument"),
                       ([HWCTL, "frobnicate"], "unknown command"),
                       ([HWCTL, "status", "--bogus"], "unknown status option"),
                       ([HWCTL, "journal", "wifi"], "unknown probe for journal"),
                       ([HWCTL, "rerun"], "rerun without a probe")):
        r = run(argv, env=env)
        check(r.returncode == 2 and r.stderr.strip() != "", f"usage error exits 2: {what}",
              f"rc={r.returncode} {r.stderr}")

    for cmd in ([], ["status"], ["board"], ["plan"], ["rerun"], ["journal"], ["check-config"]):
        r = run([HWCTL, *cmd, "--help"], env=env)
        check(r.returncode == 0 and r.stdout.startswith("Usage: hwctl"),
              f"hwctl {' '.join(cmd)} --help", r.stdout[:80])
    r = run([HWCTLD, "--help"], env=env)
    check(r.returncode == 0 and "--sysroot" in r.stdout and "--once" in r.stdout, "hwctld --help")

    # hwctl board reads every real device tree, live or from a DTB, and both agree.
    dtbs = sorted(f for f in os.listdir(DTB_DIR) if f.endswith(".dtb"))
    check(len(dtbs) >= 9, "the upstream DTB set is there", str(dtbs))
    for dtb in dtbs:
        r = run([HWCTL, "board", "--dtb", os.path.join(DTB_DIR, dtb), "--json"], env=env)
        offline = json.loads(r.stdout) if r.returncode == 0 else None
        live_root = os.path.join(tmp, "live-" + dtb)
        os.makedirs(live_root)
        run([os.path.join(os.path.dirname(HWCTL), "..", "tests", "dtb-to-fs"),
             os.path.join(DTB_DIR, dtb), live_root])
        r2 = run([HWCTL, "--sysroot", live_root, "board", "--json"], env=env)
        live = json.loads(r2.stdout) if r2.returncode == 0 else None
        check(offline is not None and offline == live,
              f"hwctl board: {dtb} gives the same board offline and live", r.stderr + r2.stderr)

    r = run([HWCTL, "--sysroot", root, "board"], env=env)
    check(r.returncode == 0 and "rpi-4-b" in r.stdout and "\033[" not in r.stdout,
          "hwctl board for people, no colour off a terminal", r.stdout[:200])

    r = run([HWCTL, "--sysroot", root, "plan", "--json"], env=env)
    plan = json.loads(r.stdout)
    check(r.returncode == 0 and [p["name"] for p in plan["probes"]] ==
          ["rootfs", "gpio", "audio", "bluetooth", "network"], "hwctl plan --json lists the probes")
    check("Bluetooth" in plan["config"], "hwctl plan shows the effective configuration")

    # gpio, offline: each declared line resolved to its chip and offset, or why it cannot be.
    gconf = os.path.join(tmp, "gpio.conf")
    with open(gconf, "w") as f:
        f.write("[GPIO]\nLine=led GPIO17 output high\nLine=button pin13 input pull-up\n"
                "Line=power pin2 output\nLine=typo GPIO_17 input\nLine=bad GPIO4 sideways\n")
    r = run([HWCTL, "--sysroot", root, "plan", "--config", gconf, "--json"], env=env)
    gplan = next(p for p in json.loads(r.stdout)["probes"] if p["name"] == "gpio")
    lines = {x["name"]: x for x in gplan["details"]["lines"]}
    check(r.returncode == 0 and gplan["details"]["chip"]["label"] == "pinctrl-bcm2711" and
          lines["led"]["offset"] == 17 and lines["led"]["header_pin"] == 11 and
          lines["button"]["offset"] == 27 and "5V power" in lines["power"]["error"] and
          "closest names it has: GPIO17" in lines["typo"]["error"] and "bad" not in lines and
          gplan["summary"].startswith("would request 2 of 4 lines"),
          "hwctl plan resolves the declared lines on the Pi 4's tree", json.dumps(gplan)[:900])
    r = run([HWCTL, "--sysroot", root, "check-config", "--config", gconf], env=env)
    check(r.returncode == 1 and f"{gconf}:6:" in r.stdout and "'sideways' is not a direction"
          in r.stdout, "check-config names the malformed Line= with file:line", r.stdout)
    # With a /dev but no chip of the header's label: failed, naming the driver.
    devroot = os.path.join(tmp, "devroot")
    shutil.copytree(root, devroot, symlinks=True)
    os.makedirs(os.path.join(devroot, "dev"))
    # The legacy facts come from the sysroot: a sysfs GPIO class as Linux 6.x lays it out, and
    # the /proc/cpuinfo of a Raspberry Pi OS kernel (Hardware and Revision lines present).
    chipdir = os.path.join(devroot, "sys/class/gpio/gpiochip512")
    os.makedirs(chipdir)
    for name, text in (("label", "pinctrl-bcm2711\n"), ("base", "512\n"), ("ngpio", "58\n")):
        with open(os.path.join(chipdir, name), "w") as f:
            f.write(text)
    with open(os.path.join(devroot, "proc/cpuinfo"), "w") as f:
        f.write("processor\t: 0\nBogoMIPS\t: 108.00\n\nHardware\t: BCM2835\n"
                "Revision\t: c03111\nModel\t\t: Raspberry Pi 4 Model B Rev 1.1\n")
    r = run([HWCTLD, "--sysroot", devroot, "--once", "--only", "gpio"], env=env)
    with open(os.path.join(devroot, "run/hwctl/status.json")) as f:
        g = next(p for p in json.load(f)["probes"] if p["name"] == "gpio")
    check(r.returncode == 1 and g["verdict"] == "failed" and
          "pinctrl-bcm2711 is missing" in g["summary"] and "CONFIG_PINCTRL_BCM2835" in g["remedy"],
          "gpio fails when the header chip is missing and names the driver", json.dumps(g))
    check(g["details"].get("legacy") == {"sysfs_class_gpio": True, "sysfs_base": 512,
                                         "gpiomem": [], "cpuinfo_hardware": True,
                                         "cpuinfo_revision": True},
          "the legacy facts are read from the sysroot's /sys, /dev and /proc",
          json.dumps(g["details"].get("legacy")))
    # The same with a line declared: the run ends before the lines are resolved.
    lconf = os.path.join(tmp, "gpio-line.conf")
    with open(lconf, "w") as f:
        f.write("[GPIO]\nLine=led GPIO17 output high\n")
    r = run([HWCTLD, "--sysroot", devroot, "--config", lconf, "--once", "--only", "gpio"], env=env)
    with open(os.path.join(devroot, "run/hwctl/status.json")) as f:
        g = next(p for p in json.load(f)["probes"] if p["name"] == "gpio")
    check(r.returncode == 1 and g["verdict"] == "failed" and
          "pinctrl-bcm2711 is missing" in g["summary"],
          "a declared line on a missing header chip: failed, not a crash",
          f"rc={r.returncode} {r.stderr[-400:]}")

    # check-config: a broken file is reported with file:line and a non-zero exit.
    conf = os.path.join(tmp, "bad.conf")
    with open(conf, "w") as f:
        f.write("[Bluetooth]\nBaud=fast\n[Nope]\nx=1\n")
    r = run([HWCTL, "--sysroot", root, "check-config", "--config", conf], env=env)
    check(r.returncode == 1 and f"{conf}:2:" in r.stdout and "Baud" in r.stdout,
          "check-config reports the bad value with file:line and exits 1", r.stdout)
    r = run([HWCTL, "--sysroot", root, "plan", "--config", conf, "--json"], env=env)
    plan = json.loads(r.stdout)
    check(r.returncode == 0 and plan["config"]["Bluetooth"]["Baud"] in (0, None),
          "a bad value keeps its default", json.dumps(plan["config"]["Bluetooth"]))
    r = run([HWCTLD, "--sysroot", root, "--config", conf, "--once"], env=env)
    check(r.returncode == 0 and f"{conf}:2" in r.stderr,
          "hwctld starts despite a bad config and logs file:line", r.stderr[-400:])
    good = os.path.join(tmp, "good.conf")
    with open(good, "w") as f:
        f.write("[Bluetooth]\nBaud=921600\n")
    r = run([HWCTL, "--sysroot", root, "check-config", "--config", good], env=env)
    check(r.returncode == 0 and "no problems" in r.stdout, "check-config: a good file", r.stdout)

    # A machine without a device tree, and a broken one: generic, never a crash.
    bare = os.path.join(tmp, "bare")
    os.makedirs(bare)
    r = run([HWCTLD, "--sysroot", bare, "--once"], env=env)
    check(r.returncode == 0 and "generic" in r.stderr, "no device tree: a generic board", r.stderr)
    broken = os.path.join(tmp, "broken")
    os.makedirs(os.path.join(broken, "proc"))
    os.symlink("device-tree", os.path.join(broken, "proc", "device-tree"))
    r = run([HWCTLD, "--sysroot", broken, "--once"], env=env)
    check(r.returncode in (0, 1) and "generic" in r.stderr,
          "a device-tree symlink loop: a generic board, no crash", r.stderr[-400:])
    # The fallback board comes from the constructor: what it cannot know stays unknown (a
    # calloc'ed Board said "no RTS/CTS", which a userspace Bluetooth attach then believed).
    with open(os.path.join(broken, "run/hwctl/status.json")) as f:
        fallback = json.load(f)["board"]
    check(fallback.get("bluetooth", {}).get("pins_rtscts") == "unknown",
          "the fallback board leaves RTS/CTS unknown", json.dumps(fallback.get("bluetooth")))
    # Strings from the document reach a person's terminal escaped: a summary with an escape
    # sequence or a carriage return cannot clear the screen or forge a line.
    forged = os.path.join(tmp, "forged")
    os.makedirs(os.path.join(forged, "run/hwctl"))
    with open(os.path.join(bare, "run/hwctl/status.json")) as f:
        doc = json.load(f)
    doc["probes"][0]["summary"] = "fine\x1b[2J\rbluetooth ok        all good\u009b31m"
    doc["probes"][0]["remedy"] = "none\x07"
    with open(os.path.join(forged, "run/hwctl/status.json"), "w") as f:
        json.dump(doc, f)
    r = run([HWCTL, "--sysroot", forged, "status", "--snapshot"], env=env)
    check("\x1b" not in r.stdout and "\r" not in r.stdout and "\x07" not in r.stdout and
          "\u009b" not in r.stdout and "fine\\x1b[2J\\x0dbluetooth" in r.stdout and
          "\\x9b31m" in r.stdout,
          "hwctl status escapes control characters from the document", repr(r.stdout))
    # Bytes that are not UTF-8 in a snapshot (anyone who can write it can put them there):
    # status --json hands strict readers valid UTF-8, the bytes shown as \xNN.
    with open(os.path.join(forged, "run/hwctl/status.json"), "rb") as f:
        raw = f.read().replace(b'"none\\u0007"', b'"Caf\xe9 \xff\xfe"')
    with open(os.path.join(forged, "run/hwctl/status.json"), "wb") as f:
        f.write(raw)
    rb = subprocess.run([HWCTL, "--sysroot", forged, "status", "--snapshot", "--json"], env=env,
                        capture_output=True, timeout=30)
    try:
        text = rb.stdout.decode("utf-8")
    except UnicodeDecodeError as e:
        text = f"not UTF-8: {e}"
    check(b"\xe9" in raw and '"Caf\\\\xe9 \\\\xff\\\\xfe"' in text,
          "hwctl status --json: a forged snapshot's non-UTF-8 bytes come out as \\xNN text",
          text[-400:])
    # A start count at its ceiling saturates instead of wrapping into a count the next start
    # refuses (which would set the state aside and lose the first-boot time).
    with open(os.path.join(bare, "var/lib/hwctl/state.json")) as f:
        st = json.load(f)
    st["starts"] = 2**63 - 1
    with open(os.path.join(bare, "var/lib/hwctl/state.json"), "w") as f:
        json.dump(st, f)
    for _ in range(2):
        r = run([HWCTLD, "--sysroot", bare, "--once"], env=env)
    with open(os.path.join(bare, "var/lib/hwctl/state.json")) as f:
        after = json.load(f)
    check(r.returncode == 0 and after["starts"] == 2**63 - 1 and
          after["first_start_usec"] == st["first_start_usec"] and
          not os.path.exists(os.path.join(bare, "var/lib/hwctl/state.json.broken")),
          "the start count saturates; the first-boot time is kept", r.stderr[-300:] + json.dumps(after))
    # FIFOs planted where hwctl reads its own files: refused at once, never waited on.
    fifo_root = os.path.join(tmp, "fifo")
    os.makedirs(os.path.join(fifo_root, "run/hwctl"))
    os.mkfifo(os.path.join(fifo_root, "run/hwctl/status.json"))
    r = run([HWCTL, "--sysroot", fifo_root, "status", "--snapshot"], env=env, timeout=10)
    check(r.returncode == 3 and "not a regular file" in r.stderr,
          "a FIFO as the snapshot: hwctl status says so and exits 3", r.stderr)
    os.makedirs(os.path.join(fifo_root, "var/lib/hwctl"))
    os.mkfifo(os.path.join(fifo_root, "var/lib/hwctl/state.json"))
    r = run([HWCTLD, "--sysroot", fifo_root, "--once", "--only", "gpio"], env=env, timeout=20)
    check(r.returncode in (0, 1) and "not a regular file" in r.stderr,
          "a FIFO as state.json: hwctld says so and runs", r.stderr[-400:])
    with open(os.path.join(bare, "var/lib/hwctl/state.json"), "w") as f:
        f.write("{\"version\": 1, \"starts\": ")
    r = run([HWCTLD, "--sysroot", bare, "--once"], env=env)
    check(r.returncode == 0 and "state.json.broken" in r.stderr and
          os.path.exists(os.path.join(bare, "var/lib/hwctl/state.json.broken")),
          "a damaged state file is set aside and replaced", r.stderr[-400:])
    r = run([HWCTL, "--sysroot", bare, "status"], env=env)
    check(r.returncode == 0, "status from the snapshot of a --once run", r.stderr)
    # A tree whose owner planted directory symlinks where hwctld writes (run -> a directory
    # outside, var/lib -> one climbing out): nothing is written outside the tree.
    planted, outside = os.path.join(tmp, "planted"), os.path.join(tmp, "outside")
    os.makedirs(os.path.join(planted, "var"))
    os.makedirs(outside)
    os.symlink(outside, os.path.join(planted, "run"))
    os.symlink("../../../../../../../../" + outside.lstrip("/"),
               os.path.join(planted, "var", "lib"))
    r = run([HWCTLD, "--sysroot", planted, "--once"], env=env)
    found = [os.path.join(d, f) for d, _, fs in os.walk(outside) for f in fs]
    check(r.returncode in (0, 1) and not found,
          "planted symlinks in a sysroot: hwctld writes nothing outside it",
          f"rc={r.returncode} outside: {found} {r.stderr[-300:]}")
finally:
    if os.environ.get("HWCTL_KEEP_TMP") != "1":
        shutil.rmtree(tmp, ignore_errors=True)
finish()
