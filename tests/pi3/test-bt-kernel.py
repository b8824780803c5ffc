#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Tier 3: on the emulated Raspberry Pi 3 Model B, the kernel's own Broadcom driver
(hci_uart_bcm on uart0) attaches an emulated BCM43430A1 with the real patch file, and hwctld's
bluetooth probe reports what happened and, when it went wrong, why and what to do.

    test-bt-kernel.py healthy|ignore-baud|no-patch|expander

healthy      the chip answers everything: hci0 comes up patched at max-speed, and hwctld says ok
ignore-baud  the chip never answers Update UART Baud Rate (0xfc18): the kernel times out twice
             and stays at 115200; hwctld says degraded or failed and names the cause
no-patch     brcm/BCM43430A1.hcd is not in /lib/firmware: the chip runs its ROM; hwctld names
             the file and the package that ships it
expander     the tree as it is (run-pi3 --bt-shutdown firmware): BT_ON on the firmware GPIO
             expander, whose driver is bound but whose firmware (qemu's) refuses the line, so no
             hci0 comes; hwctld must say the firmware refused it, not to load the driver

The device tree is the upstream bcm2837-rpi-3-b.dtb with the bluetooth node's shutdown-gpios
moved from the firmware GPIO expander (which qemu does not emulate: the driver's probe would
fail with -EIO) to SoC GPIO 28, so that the driver takes a real board's path (see run-pi3).

Each check prints "ok" or "FAIL" (tests/lib/harness.py); the kernel's checks and hwctld's are
counted apart, so a run
shows whether the rig or the probe is at fault. The run's files (console, kernel log, status
document, emulator log) stay in $HWCTL_BUILD_DIR/tests/pi3-out/<case>/.
"""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import harness as h  # noqa: E402

SOURCE_DIR = os.environ.get("HWCTL_SOURCE_DIR") or os.path.abspath(os.path.join(HERE, "..", ".."))
BUILD_DIR = os.environ.get("HWCTL_BUILD_DIR") or os.path.join(SOURCE_DIR, "build")
CHIP = "BCM43430A1"
# The attach is over when the patched firmware reports its build (healthy, ignore-baud), or
# when the kernel has listed the patch names it tried (no-patch).
PATCHED = r"\) build 0*[1-9a-f][0-9a-f]*$"
CASES = {
    "healthy": {"args": [], "settle": PATCHED},
    "ignore-baud": {"args": ["--fault", "ignore-baud"], "settle": PATCHED},
    "no-patch": {"args": ["--no-patch"], "settle": r"BCM: 'brcm/BCM\.hcd'"},
    "expander": {"args": ["--bt-shutdown", "firmware"], "settle": r"raspberrypi-exp-gpio"},
}
BD_ADDR = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")


def check(group, ok, what, why=""):
    return h.check(ok, what, why, group=group)


def read(out, name):
    try:
        with open(os.path.join(out, name), errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return None


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        print(f"usage: {sys.argv[0]} {'|'.join(CASES)}", file=sys.stderr)
        return 2
    case = sys.argv[1]
    out = os.path.join(BUILD_DIR, "tests", "pi3-out", case)
    subprocess.run(["rm", "-rf", out], check=True)
    argv = [os.path.join(HERE, "run-pi3"), "--quiet", "--trace", "--timeout", "120", "--out", out,
            *CASES[case]["args"], os.path.join(HERE, "bt-kernel.sh"), CASES[case]["settle"]]
    print("+ " + " ".join(argv), flush=True)
    rc = subprocess.run(argv).returncode
    if rc == 77:
        return 77
    if rc != 0:
        console = read(out, "console.log") or ""
        print("--- last console lines ---\n" + "\n".join(console.splitlines()[-40:]))
        print(f"run-pi3 failed with exit code {rc} (124: timeout, 125: the rig broke)")
        return rc

    dmesg = read(out, "dmesg") or ""
    bt = [line for line in dmesg.splitlines()
          if re.search(r"Bluetooth: hci|bluetooth hci|hci_uart_bcm", line)]
    print("--- the kernel's Bluetooth lines ---\n" + "\n".join(bt) + "\n---")
    emu = (read(out, "emu.log") or "").strip().splitlines()
    emu_stats = emu[-1] if emu else ""
    print(f"--- the emulated chip: {emu_stats}")
    hwctld_log = read(out, "hwctld.log")
    print("--- hwctld --once --only bluetooth (exit "
          f"{(read(out, 'hwctld.rc') or '?').strip()}) ---\n{hwctld_log or '(no output)'}---")

    # The rig: the real board's tree, uart0's serdev child bound, hci0 under uart0.
    model = (read(out, "model") or "").replace("\x00", "").strip()
    check("kernel", model == "Raspberry Pi 3 Model B", "the tree's model is the Pi 3 Model B",
            repr(model))
    if case == "expander":
        check("kernel", re.search(r"raspberrypi-exp-gpio soc:firmware:gpio: Failed to get GPIO 0 "
                                  r"config", dmesg),
              "the expander's driver is bound and the firmware refuses line 0 (BT_ON)")
        check("kernel", not re.search(r"Bluetooth: hci0", dmesg), "no hci0 comes")
    else:
        check("kernel", "hci_uart_bcm serial0-0" in dmesg and "No reset resource" not in dmesg,
              "hci_uart_bcm bound uart0's bluetooth node, with a shutdown line (GPIO 28)")
    hci = (read(out, "hci") or "").split()
    if case != "expander":
        check("kernel", len(hci) >= 2 and hci[0] == "hci0" and "/3f201000.serial/" in hci[1],
              "hci0's sysfs parent is the PL011 uart0 (3f201000.serial)", " ".join(hci) or "no hci")
    pins = read(out, "pinmux-pins") or ""
    check("kernel", re.search(r"pin 32 \(gpio32\): 3f201000\.serial .*alt3", pins) and
            re.search(r"pin 30 \(gpio30\): \(MUX UNCLAIMED\)", pins),
            "debugfs pinmux: uart0 TX/RX on GPIO 32/33, RTS/CTS (GPIO 30/31) not muxed")

    patched = re.search(rf"Bluetooth: hci0: {CHIP} 'brcm/{CHIP}\.hcd' Patch", dmesg)
    fc18_timeout = "Bluetooth: hci0: command 0xfc18 tx timeout" in dmesg
    baud_failed = "Bluetooth: hci0: BCM: failed to write update baudrate (-110)" in dmesg
    if case == "healthy":
        check("kernel", patched, f"the kernel downloaded brcm/{CHIP}.hcd")
        check("kernel", re.search(PATCHED, dmesg, re.M), "the patched firmware reports a build")
        errors = [x for x in bt if re.search(r"BCM: .*failed|tx timeout|Failed|Reset failed", x)]
        check("kernel", not errors, "the kernel log has no BCM errors", "; ".join(errors))
        check("kernel", "patch complete" in emu_stats and " 2000000 baud," in emu_stats,
                "the chip got the whole patch and runs at max-speed (2000000)", emu_stats)
    elif case == "ignore-baud":
        check("kernel", fc18_timeout, "the kernel says: command 0xfc18 tx timeout")
        check("kernel", baud_failed,
                "the kernel says: BCM: failed to write update baudrate (-110)")
        check("kernel", patched and "patch complete" in emu_stats,
                "the patch still went down, at the init speed", emu_stats)
        check("kernel", " 115200 baud," in emu_stats,
                "the chip stays at 115200 (hci0 runs at the init speed)", emu_stats)
    elif case == "no-patch":
        check("kernel", "Bluetooth: hci0: BCM: firmware Patch file not found, tried:" in dmesg,
                "the kernel says: BCM: firmware Patch file not found, tried:")
        check("kernel", f"Bluetooth: hci0: BCM: 'brcm/{CHIP}.hcd'" in dmesg,
                f"... and names brcm/{CHIP}.hcd among the files it tried")
        check("kernel", not patched and " 0 patch records" in emu_stats,
                "no patch was downloaded: the chip runs its ROM firmware", emu_stats)

    # hwctld's bluetooth probe, from the status document it wrote.
    doc, probe = None, None
    text = read(out, "status.json")
    try:
        doc = json.loads(text) if text else None
    except json.JSONDecodeError as e:
        check("hwctld", False, "/run/hwctl/status.json is JSON", str(e))
    if check("hwctld", doc is not None, "hwctld wrote /run/hwctl/status.json"):
        probe = next((p for p in doc.get("probes", []) if p.get("name") == "bluetooth"), None)
    if not check("hwctld", probe is not None, "the status document has the bluetooth probe"):
        h.finish()
    verdict, remedy = probe.get("verdict"), probe.get("remedy") or ""
    details = probe.get("details") or {}
    print(f"--- bluetooth: {verdict}: {probe.get('summary')}\n    remedy: {remedy or '-'}\n"
          f"    details: {json.dumps(details, sort_keys=True)}")
    check("hwctld", details.get("path") == "kernel", "details.path is \"kernel\"",
            repr(details.get("path")))
    if case == "healthy":
        check("hwctld", verdict == "ok", "verdict ok", repr(verdict))
        check("hwctld", details.get("hci") == "hci0", "details.hci is hci0",
                repr(details.get("hci")))
        check("hwctld", details.get("chip") == CHIP, f"details.chip is {CHIP}",
                repr(details.get("chip")))
        addr = details.get("address")
        check("hwctld", isinstance(addr, str) and BD_ADDR.match(addr),
                "details.address is a BD_ADDR", repr(addr))
        check("hwctld", details.get("driver") == "hci_uart_bcm",
                "details.driver is hci_uart_bcm (found on the serdev bus)",
                repr(details.get("driver")))
        # The chip reports AA:AA:AA:AA:AA:AA; btbcm leaves it unconfigured; hwctld gives it the
        # address derived from /etc/machine-id over the management channel.
        check("hwctld", addr != "AA:AA:AA:AA:AA:AA" and details.get("address_assigned") is True,
                "the default address was replaced by the board's stable one", repr(addr))
        check("hwctld", isinstance(addr, str) and emu_stats.endswith(f"address {addr.lower()}"),
                "... and the chip has it (the emulator's view)", emu_stats)
        h.finish()
    check("hwctld", verdict in ("degraded", "failed"), "verdict degraded or failed",
            repr(verdict))
    if case == "ignore-baud":
        log = details.get("kernel_log")
        check("hwctld", isinstance(log, list) and all(isinstance(x, str) for x in log) and
                any("failed to write update baudrate" in x for x in log),
                "details.kernel_log has the baudrate line", repr(log))
        check("hwctld", "max-speed" in remedy or "RTS/CTS" in remedy,
                "the remedy names the cause (max-speed or RTS/CTS)", repr(remedy))
    elif case == "expander":
        check("hwctld", details.get("cause") == "power-gpio", "details.cause is power-gpio",
              repr(details.get("cause")))
        check("hwctld", "Its driver is loaded" in remedy and "firmware refused" in remedy,
              "the remedy says what the log shows: the driver is loaded, the firmware refused",
              repr(remedy))
        check("hwctld", "load its driver" not in remedy,
              "and does not ask to load a driver that is loaded", repr(remedy))
    else:
        check("hwctld", f"brcm/{CHIP}.hcd" in remedy and "bluez-firmware" in remedy,
                f"the remedy names brcm/{CHIP}.hcd and bluez-firmware", repr(remedy))
    h.finish()


if __name__ == "__main__":
    sys.exit(main())
