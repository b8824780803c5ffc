#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Tier 3: hwctld's gpio probe on the emulated Raspberry Pi 3 Model B's real pinctrl-bcm2835
chip (Debian's arm64 kernel, upstream device tree), judged by libgpiod's own tools and by
/sys/kernel/debug/gpio rather than by what hwctld says of itself.

One boot (tests/pi3/gpio.sh inside, run-pi3 --gpiod --udev): the legacy diagnosis without
lines, with the node as devtmpfs leaves it and as hwctl's udev rule leaves it; four lines with
--once; a daemon holding them while gpioset holds one of them first; the holder letting go; a
reload that changes two output values, watched by gpionotify; SIGTERM. Then under udevd: the
rule installed and triggered while the daemon runs (it must run again by itself), and the daemon
started before udev's coldplug (it must wait for udev rather than judge devtmpfs's node).

What the rig cannot show: qemu's GPIO block is a latch (function select, set/clear, level), so
pulls, edges and a debounced button press are not observable; inputs are checked through the
flags the kernel keeps for the line (bias, active-low). The run's files stay in
$HWCTL_BUILD_DIR/tests/pi3-out/gpio/.
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import harness as h  # noqa: E402

read = h.read_out


def gpio_probe(out, name):
    return h.out_probe(out, name, "gpio")

BASE = 512  # the legacy sysfs base of pinctrl-bcm2835 on this kernel (checked below)
LINES = {"led-high": 17, "led-low": 27, "button": 4, "relay": 22}


def info_line(text, offset):
    """gpioinfo's line for offset: 'output consumer="hwctld:led-high"' and the like."""
    m = re.search(rf"^\s*(?:line\s+{offset}:|gpiochip\d+ {offset})\s+\S+\s+(.*)$", text, re.M)
    return m.group(1).strip() if m else ""


def debugfs_line(text, offset):
    m = re.search(rf"^\s*gpio-{BASE + offset} \(.*$", text, re.M)
    return m.group(0).strip() if m else ""


def main():
    rule = os.path.join(h.SOURCE or os.path.join(HERE, "..", ".."), "units",
                        "60-hwctl-gpio.rules")
    out, rc = h.run_pi3("gpio", "gpio.sh", "--gpiod", "--udev", "--modules", "",
                        "--add", f"{rule}:/pi3/udev/60-hwctl-gpio.rules", "--timeout", "300")
    if rc != 0:
        return rc
    print("--- hwctld as a daemon ---\n" + read(out, "daemon.log") + "---")

    # The rig: the chip and its legacy numbering, as the kernel has them.
    h.check("gpiochip0 [pinctrl-bcm2835] (54 lines)" in read(out, "gpiodetect"),
            "gpiodetect: gpiochip0 is pinctrl-bcm2835 with 54 lines", read(out, "gpiodetect"),
            group="rig")
    h.check(f"pinctrl-bcm2835 {BASE} 54" in read(out, "sysfs"),
            f"/sys/class/gpio: pinctrl-bcm2835's base is {BASE}", read(out, "sysfs"), group="rig")
    h.check(not re.search(r"^(Hardware|Revision)\s*:", read(out, "cpuinfo"), re.M),
            "/proc/cpuinfo has no Hardware or Revision line on this kernel", group="rig")
    h.check(read(out, "perm-before").split() == ["600", "0"],
            "without udev the node is root's, mode 0600", read(out, "perm-before"), group="rig")

    # 1-2. No lines: the chip, the legacy facts, the node's permissions.
    bare = gpio_probe(out, "once-bare.json")
    h.check(bare.get("verdict") == "degraded" and "not group gpio (gid 997) mode 0660"
            in bare.get("summary", "") and "60-hwctl-gpio.rules" in (bare.get("remedy") or ""),
            "a node that is not group gpio 0660: degraded, saying so", json.dumps(bare)[:600],
            group="hwctld")
    legacy = gpio_probe(out, "once-legacy.json")
    summary, remedy = legacy.get("summary", ""), legacy.get("remedy") or ""
    d = legacy.get("details", {})
    h.check(legacy.get("verdict") == "ok", "no lines, the node as the rule leaves it: ok",
            json.dumps(legacy)[:400], group="hwctld")
    h.check(summary.startswith("pinctrl-bcm2835 (gpiochip0): 54 lines, 53 named"),
            "the summary names the chip, its lines and how many are named", summary,
            group="hwctld")
    h.check(f"GPIO17 is number {BASE + 17} in /sys/class/gpio on this kernel, not 17" in summary
            and "no /dev/gpiomem" in summary and "no Hardware or Revision line" in summary,
            "the legacy diagnosis: sysfs number, /dev/gpiomem, /proc/cpuinfo", summary,
            group="hwctld")
    h.check("libgpiod" in remedy and "RPi.GPIO" in remedy, "the remedy names what works",
            remedy, group="hwctld")
    h.check(d.get("legacy", {}).get("sysfs_base") == BASE and d.get("legacy", {}).get(
            "gpiomem") == [] and d.get("chip", {}).get("path") == "/dev/gpiochip0" and
            d.get("chip", {}).get("permissions") == "ok",
            "details: legacy base, no gpiomem, chip path, permissions ok", json.dumps(d)[:600],
            group="hwctld")

    # 3. --once with lines: configured, then released when hwctld exits.
    once = gpio_probe(out, "once-lines.json")
    lines = {x["name"]: x for x in once.get("details", {}).get("lines", [])}
    h.check(once.get("verdict") == "degraded" and "--once: released when hwctld exits" in
            once.get("summary", "") and "closest names it has: GPIO17" in once.get("summary", ""),
            "--once: 4 of 5 held, the unknown name answered with the closest ones",
            once.get("summary"), group="hwctld")
    h.check(all(lines.get(n, {}).get("offset") == o for n, o in LINES.items()),
            "every PIN resolved: GPIO17, pin13 = 27, GPIO4 (named GPIO_GCLK), pin15 = 22",
            json.dumps(lines)[:600], group="hwctld")
    after = read(out, "once-lines-after")
    h.check(after and "consumer=" not in after,
            "after --once exits, nothing holds the lines (gpioinfo)", after, group="hwctld")

    # 4. The daemon, gpioset holding relay's line first.
    h.check('consumer="gpioset"' in info_line(read(out, "blocker"), 22),
            "gpioset holds GPIO22 before hwctld starts", read(out, "blocker"), group="rig")
    d1 = gpio_probe(out, "d1.json")
    info = read(out, "d1-gpioinfo")
    dbg = read(out, "d1-debugfs")
    h.check(d1.get("verdict") == "degraded" and "relay (pin15) is held by 'gpioset'" in
            d1.get("summary", ""), "a line held by another process: degraded, naming it",
            d1.get("summary"), group="hwctld")
    h.check(info_line(info, 17) == 'output consumer="hwctld:led-high"' and
            info_line(info, 27) == 'output consumer="hwctld:led-low"',
            "gpioinfo: the outputs are used by hwctld:NAME", info, group="hwctld")
    h.check(info_line(info, 4) == 'input active-low bias=pull-up consumer="hwctld:button"',
            "gpioinfo: the input with active-low and pull-up", info_line(info, 4),
            group="hwctld")
    h.check(debugfs_line(dbg, 17).endswith("out hi") and debugfs_line(dbg, 27).endswith("out lo"),
            "debugfs: GPIO17 drives high, GPIO27 low, as declared",
            debugfs_line(dbg, 17) + " / " + debugfs_line(dbg, 27), group="hwctld")
    h.check("Device or resource busy" in read(out, "busy") and "rc=1" in read(out, "busy"),
            "a second requester gets EBUSY while hwctld holds the line", read(out, "busy"),
            group="hwctld")
    h.check("for as long as hwctld runs" in d1.get("summary", ""),
            "the daemon's summary says it holds them", d1.get("summary"), group="hwctld")

    # 5. The holder lets go: line info tells hwctld, which takes the line.
    d2 = gpio_probe(out, "d2.json")
    h.check(d2.get("verdict") == "changed" and d2.get("summary", "").startswith("4 of 4 lines"),
            "after gpioset exits hwctld re-runs by itself and holds all four", d2.get("summary"),
            group="hwctld")
    h.check(info_line(read(out, "d2-gpioinfo"), 22) ==
            'output drive=open-drain consumer="hwctld:relay"',
            "gpioinfo: GPIO22 is now hwctld:relay, open-drain", read(out, "d2-gpioinfo"),
            group="hwctld")

    # 6. SIGHUP with new values: reconfigured in place, never released.
    notify = read(out, "notify.log")
    events = [x.split()[1] for x in notify.splitlines() if len(x.split()) > 1]
    d3 = gpio_probe(out, "d3.json")
    dbg3 = read(out, "d3-debugfs")
    h.check(events.count("reconfigured") == 2 and "released" not in events and
            "requested" not in events,
            "gpionotify: both outputs reconfigured, no release and no new request", notify,
            group="hwctld")
    h.check(debugfs_line(dbg3, 17).endswith("out lo") and debugfs_line(dbg3, 27).endswith("out hi"),
            "debugfs: the new values are driven", debugfs_line(dbg3, 17) + " / " +
            debugfs_line(dbg3, 27), group="hwctld")
    h.check(d3.get("verdict") == "changed", "the reload reports changed", d3.get("summary"),
            group="hwctld")

    # 7. SIGTERM: every line free again.
    after = read(out, "after-gpioinfo")
    h.check(read(out, "daemon.rc").strip() == "0", "hwctld exits 0 on SIGTERM",
            read(out, "daemon.rc"), group="hwctld")
    h.check(after and "consumer=" not in after and "rc=0" in read(out, "free"),
            "after SIGTERM the lines are free: gpioinfo shows no consumer, gpioget succeeds",
            after + read(out, "free"), group="hwctld")

    # 8. udevd without hwctl's rule, then with it: hwctld hears udev's event and runs again.
    print("--- the daemon under udevd ---\n" + read(out, "udev-daemon.log") + "---")
    before = read(out, "u-before").split("\n")
    h.check(before[0].split() == ["600", "0"] and len(before) > 1 and "No such" not in before[1],
            "udevd handled the node without the rule: root's, 0600, in udev's database",
            read(out, "u-before"), group="rig")
    u1 = gpio_probe(out, "u1.json")
    h.check(u1.get("verdict") == "degraded" and "not group gpio" in u1.get("summary", ""),
            "under udevd without the rule: degraded, the node not group gpio", u1.get("summary"),
            group="hwctld")
    h.check(read(out, "u-after").split() == ["660", "997"],
            "udevadm trigger with the rule: the node is group gpio, 0660", read(out, "u-after"),
            group="rig")
    u2 = gpio_probe(out, "u2.json")
    h.check(u2.get("verdict") == "ok" and u2.get("details", {}).get("chip", {}).get(
            "permissions") == "ok" and u2.get("started_usec") != u1.get("started_usec"),
            "after udev's change event hwctld runs again by itself: ok", json.dumps(u2)[:500],
            group="hwctld")

    # 9. Before udev's coldplug: the run waits for udev rather than judging devtmpfs's node.
    print("--- the daemon before coldplug ---\n" + read(out, "coldplug.log") + "---")
    early = read(out, "c-early")
    h.check("reports=0" in early and "waiting up to 10 s for udev to handle /dev/gpiochip0"
            in early, "before coldplug: no verdict yet, a progress line saying what it waits for",
            early, group="hwctld")
    c1 = gpio_probe(out, "c1.json")
    h.check(c1.get("verdict") == "ok" and re.match(
            r"udev handled /dev/gpiochip0 after \d+\.\d s$",
            c1.get("details", {}).get("udev_wait", "")),
            "after coldplug the one report is ok, saying how long udev took",
            json.dumps(c1)[:500], group="hwctld")
    h.check(len(re.findall(r"gpio: (ok|changed|degraded|failed|skipped):",
                           read(out, "coldplug.log"))) == 1,
            "one report for the first run, not a degraded one first", read(out, "coldplug.log"),
            group="hwctld")
    h.finish()


if __name__ == "__main__":
    sys.exit(main())
