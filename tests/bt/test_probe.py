#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The bluetooth probe as hwctld runs it, on fixture system roots made from the upstream device
trees, against the emulated chip on a pty (tests/bt/bcm-emu) with the real bluez-firmware
patches. The tty is reached through <sysroot>/dev/ttyBT, a link to the pty.

This host's kernel has no N_HCI line discipline, so the userspace path ends at the hand-over to
the kernel: everything before it (identify, patch, address, speed) is checked here, the hand-over
and hciN in the VM tier (tests/bt/vm-*.sh). A kernel that has N_HCI is checked for that instead.
The kernel path is checked with fake sysfs trees and kernel logs."""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402

FW = h.FIRMWARE_BRCM
Emulator = h.BcmEmulator
has_n_hci = h.has_n_hci


def sysroot(tmp, dtb, chips=(), tty=None):
    root = h.fixture_sysroot(tmp, dtb)
    os.makedirs(os.path.join(root, "dev"), exist_ok=True)
    os.makedirs(os.path.join(root, "lib/firmware/brcm"), exist_ok=True)
    for c in chips:
        shutil.copy(os.path.join(FW, c + ".hcd"), os.path.join(root, "lib/firmware/brcm"))
    if tty:
        os.symlink(tty, os.path.join(root, "dev/ttyBT"))
    return root


def run_probe(tmp, root, conf, timeout=60):
    cfg = os.path.join(tmp, "hwctl.conf")
    with open(cfg, "w") as f:
        f.write(conf)
    start = time.monotonic()
    p = subprocess.run([h.HWCTLD, "--once", "--sysroot", root, "--config", cfg, "--only",
                        "bluetooth"], capture_output=True, text=True, timeout=timeout)
    took = time.monotonic() - start
    with open(os.path.join(root, "run/hwctl/status.json")) as f:
        doc = json.load(f)
    probes = doc["probes"]
    r = next(x for x in probes if x["name"] == "bluetooth") if isinstance(probes, list) \
        else probes["bluetooth"]
    return p, r, took


def case(name, dtb, conf, chip=None, emu_chip=None, faults=(), with_fw=True):
    """Runs the probe once against a fresh emulator; returns (result, emulator stderr, seconds)."""
    with tempfile.TemporaryDirectory(prefix=f"hwctl-bt-{name}-") as tmp:
        emu = Emulator(tmp, emu_chip or chip, os.path.join(FW, (emu_chip or chip) + ".hcd"),
                       faults) if chip or emu_chip else None
        try:
            root = sysroot(tmp, dtb, [chip] if chip and with_fw else [],
                           emu.pty if emu else None)
            p, r, took = run_probe(tmp, root, conf)
        finally:
            stats = emu.stop() if emu else ""
        print(f"--- {name}: {r['verdict']}: {r['summary']}  ({took:.2f} s)")
        if r.get("remedy"):
            print(f"    remedy: {r['remedy']}")
        return r, stats, p


def check_handover(r, what):
    """The end of the userspace path on this kernel."""
    d = r["details"]
    if has_n_hci():
        h.check(r["verdict"] in ("ok", "degraded") and d.get("hci", "").startswith("hci"),
                f"{what}: handed to N_HCI, hciN registered", json.dumps(r)[:600])
    else:
        h.check(r["verdict"] == "failed" and "N_HCI" in r["summary"]
                and "hci_uart" in (r.get("remedy") or ""),
                f"{what}: failed at the hand-over, naming N_HCI and hci_uart", r["summary"])


def main():
    h.require_binaries()
    h.require_bcm_emu("BCM4345C0", "BCM43430A1")
    user = "[Bluetooth]\nAttach=userspace\nDevice=/dev/ttyBT\n"

    # Pi 4: PL011 with RTS/CTS wired: the patch goes at 3000000.
    r, stats, _ = case("pi4", "bcm2711-rpi-4-b.dtb", user, chip="BCM4345C0")
    d = r["details"]
    h.check(d.get("path") == "userspace" and d.get("device") == "/dev/ttyBT", "pi4: userspace path")
    h.check(d.get("chip") == "BCM4345C0" and d.get("subversion") == "0x6119",
            "pi4: chip identified from the LMP subversion", str(d.get("chip")))
    h.check(d.get("baud") == 3000000 and d.get("flow_control") is True,
            "pi4: 3000000 baud with RTS/CTS, from the board facts", f"{d.get('baud')}")
    fw = d.get("firmware") or {}
    h.check(fw.get("path") == "/lib/firmware/brcm/BCM4345C0.hcd"
            and fw.get("size") == os.path.getsize(os.path.join(FW, "BCM4345C0.hcd")),
            "pi4: the real patch, found where btbcm looks, its size reported", json.dumps(fw))
    h.check("patch complete" in stats, "pi4: the emulator received exactly the patch's records",
            stats.strip())
    steps = [s["step"] for s in d.get("steps", [])]
    h.check("patch" in steps and steps.index("patch") > steps.index("baud 3000000"),
            "pi4: patch sent after the speed was raised (flow control)", ", ".join(steps))
    h.check(all("ms" in s for s in d.get("steps", [])), "pi4: each step carries its duration")
    h.check(d.get("address_is_default") is True,
            "pi4: no serial, no machine-id, no Address=: the default address is said so")
    check_handover(r, "pi4")

    # Pi 3B: no RTS/CTS wired: 921600 at most, the patch at 115200.
    r, stats, _ = case("pi3b", "bcm2837-rpi-3-b.dtb", user, chip="BCM43430A1")
    d = r["details"]
    h.check(d.get("chip") == "BCM43430A1" and d.get("baud") == 921600
            and d.get("flow_control") is False,
            "pi3b: BCM43430A1 at 921600 without flow control", f"{d.get('chip')} {d.get('baud')}")
    steps = d.get("steps", [])
    patch = next((s for s in steps if s["step"] == "patch"), None)
    h.check(patch is not None and patch["baud"] == 115200,
            "pi3b: patch downloaded at 115200 without flow control", json.dumps(patch))
    h.check("patch complete" in stats, "pi3b: the emulator received the whole patch", stats)
    check_handover(r, "pi3b")

    # Configuration wins over board facts: a fixed address, a speed, flow control off.
    conf = user + "Address=12:34:56:78:9a:bc\nBaud=460800\nFlowControl=no\n"
    r, _, _ = case("config", "bcm2711-rpi-4-b.dtb", conf, chip="BCM4345C0")
    d = r["details"]
    h.check(d.get("address") == "12:34:56:78:9A:BC" and d.get("address_assigned") is True,
            "config: Address= written to the controller", f"{d.get('address')}")
    h.check(d.get("baud") == 460800 and d.get("flow_control") is False,
            "config: Baud= and FlowControl= override the board", f"{d.get('baud')}")

    # The board's serial (here: a machine-id) gives a stable address, the same on each run.
    addrs, assigned = [], []
    for i in range(2):
        with tempfile.TemporaryDirectory(prefix="hwctl-bt-serial-") as tmp:
            emu = Emulator(tmp, "BCM4345C0", os.path.join(FW, "BCM4345C0.hcd"))
            try:
                root = sysroot(tmp, "bcm2711-rpi-4-b.dtb", ["BCM4345C0"], emu.pty)
                os.makedirs(os.path.join(root, "etc"), exist_ok=True)
                with open(os.path.join(root, "etc/machine-id"), "w") as f:
                    f.write("0123456789abcdef0123456789abcdef\n")
                _, r, _ = run_probe(tmp, root, user)
            finally:
                emu.stop()
            addrs.append(r["details"].get("address"))
            assigned.append(r["details"].get("address_assigned"))
    # A machine-id is not a Raspberry Pi serial: a hashed, locally administered unicast address.
    first = int(addrs[0].split(":")[0], 16) if addrs[0] else 0
    h.check(addrs[0] == addrs[1] and addrs[0] != "43:45:C0:00:1F:AC"
            and assigned == [True, True] and first & 0x03 == 0x02,
            "serial: a default address is replaced by a stable derived one", str(addrs))

    # Faults: a silent chip fails with a remedy, within the probe's time.
    r, _, p = case("silent", "bcm2711-rpi-4-b.dtb", user, chip="BCM4345C0", faults=["silent"])
    h.check(r["verdict"] == "failed" and r.get("remedy"), "silent: failed with a remedy",
            json.dumps(r)[:400])
    h.check("did not answer" in r["summary"] or "no answer" in r["summary"]
            or "silent" in r["summary"] or "not answer" in r["summary"],
            "silent: the summary says the controller does not answer", r["summary"])

    # The chip ignores 0xfc18: the speed steps down, and says so.
    r, _, _ = case("ignore-baud", "bcm2711-rpi-4-b.dtb", user, chip="BCM4345C0",
                   faults=["ignore-baud"])
    d = r["details"]
    h.check(d.get("baud") == 115200 and d.get("baud_wanted") == 3000000,
            "ignore-baud: stays at 115200 after every step down", f"{d.get('baud')}")
    h.check(any(s["step"].startswith("baud ") and s.get("error") for s in d.get("steps", [])),
            "ignore-baud: the failed speed changes are in the steps")

    # Patch absent: runs on ROM firmware and names the files tried.
    r, _, _ = case("no-patch", "bcm2711-rpi-4-b.dtb", user, chip="BCM4345C0", with_fw=False)
    d = r["details"]
    h.check(d.get("firmware") is None and
            "/lib/firmware/brcm/BCM4345C0.hcd" in (d.get("firmware_tried") or []),
            "no-patch: no firmware, the names tried are listed", json.dumps(d.get("firmware_tried")))

    # A tty that is not there.
    r, _, _ = case("no-tty", "bcm2711-rpi-4-b.dtb", user)
    h.check(r["verdict"] == "failed" and "cannot open /dev/ttyBT" in r["summary"]
            and "Device=" in (r.get("remedy") or ""), "no-tty: failed, naming the tty and Device=",
            r["summary"])

    # A platform rfkill switch powers the chip (as vendor kernels' Bluetooth power drivers
    # register): hwctld switches it off and on before the bring-up. /dev/rfkill is a plain file
    # here, so the events hwctld wrote can be read back (struct rfkill_event, 8 bytes each).
    with tempfile.TemporaryDirectory(prefix="hwctl-bt-power-") as tmp:
        emu = Emulator(tmp, "BCM4345C0", os.path.join(FW, "BCM4345C0.hcd"))
        try:
            root = sysroot(tmp, "bcm2711-rpi-4-b.dtb", ["BCM4345C0"], emu.pty)
            sw = os.path.join(root, "sys/class/rfkill/rfkill7")
            os.makedirs(sw)
            for k, v in (("type", "bluetooth"), ("name", "bt-dev"), ("index", "7"),
                         ("soft", "0"), ("hard", "0")):
                with open(os.path.join(sw, k), "w") as f:
                    f.write(v + "\n")
            open(os.path.join(root, "dev/rfkill"), "wb").close()
            _, r, _ = run_probe(tmp, root, user)
            with open(os.path.join(root, "dev/rfkill"), "rb") as f:
                events = f.read()
        finally:
            emu.stop()
    want = struct.pack("<IBBBB", 7, 2, 2, 1, 0) + struct.pack("<IBBBB", 7, 2, 2, 0, 0)
    h.check(events == want, "power: rfkill switch bt-dev blocked then unblocked, by index",
            events.hex())
    pc = r["details"].get("power_cycle") or {}
    h.check(pc.get("via") == "rfkill" and pc.get("switch") == "bt-dev" and "error" not in pc,
            "power: the power cycle is in the details", json.dumps(pc))
    h.check(r["details"].get("chip") == "BCM4345C0", "power: the chip came up after it")

    # Attach=off leaves the controller alone.
    r, _, _ = case("off", "bcm2711-rpi-4-b.dtb", "[Bluetooth]\nAttach=off\n")
    h.check(r["verdict"] == "skipped" and "Attach=off" in r["summary"], "off: skipped, says why")

    kernel_cases()
    h.finish()


FIELD_REPORT = [
    "Bluetooth: hci0: BCM: chip id 107",
    "Bluetooth: hci0: BCM: features 0x2f",
    "Bluetooth: hci0: BCM4345C0",
    "Bluetooth: hci0: BCM4345C0 (003.001.025) build 0000",
    "Bluetooth: hci0: command 0xfc18 tx timeout",
    "Bluetooth: hci0: BCM: failed to write update baudrate (-110)",
    "Bluetooth: hci0: Failed to set baudrate",
    "Bluetooth: hci0: command 0x0c03 tx timeout",
    "Bluetooth: hci0: BCM: Reset failed (-110)",
]


def fake_kernel(root, hci=False, serdev=True, kmsg=()):
    """The sysfs a Pi 4 kernel makes for uart0 and its serdev Bluetooth device, and a kernel log
    (a file in /dev/kmsg's record format)."""
    sys_ = os.path.join(root, "sys")
    uart = os.path.join(sys_, "devices/platform/soc/fe201000.serial")
    os.makedirs(uart, exist_ok=True)
    os.symlink("../../../../firmware/devicetree/base/soc/serial@7e201000",
               os.path.join(uart, "of_node"))
    drivers = os.path.join(sys_, "bus/serial/drivers/hci_uart_bcm")
    os.makedirs(drivers, exist_ok=True)
    for f in ("bind", "unbind"):
        open(os.path.join(drivers, f), "w").close()
    if serdev:
        dev = os.path.join(uart, "serial0/serial0-0")
        os.makedirs(dev)
        os.symlink("../../../../../../bus/serial/drivers/hci_uart_bcm", os.path.join(dev, "driver"))
        os.makedirs(os.path.join(sys_, "bus/serial/devices"), exist_ok=True)
        os.symlink("../../../devices/platform/soc/fe201000.serial/serial0/serial0-0",
                   os.path.join(sys_, "bus/serial/devices/serial0-0"))
        if hci:
            os.makedirs(os.path.join(dev, "bluetooth/hci0"))
            os.makedirs(os.path.join(sys_, "class/bluetooth"), exist_ok=True)
            os.symlink("../../devices/platform/soc/fe201000.serial/serial0/serial0-0/bluetooth/hci0",
                       os.path.join(sys_, "class/bluetooth/hci0"))
    os.makedirs(os.path.join(root, "dev"), exist_ok=True)
    with open(os.path.join(root, "dev/kmsg"), "w") as f:
        for i, line in enumerate(kmsg):
            f.write(f"3,{100 + i},{5000000 + i * 1000},-;{line}\n")
    return drivers


def kernel_case(name, conf, **kw):
    with tempfile.TemporaryDirectory(prefix=f"hwctl-bt-{name}-") as tmp:
        root = sysroot(tmp, "bcm2711-rpi-4-b.dtb")
        drivers = fake_kernel(root, **kw)
        p, r, took = run_probe(tmp, root, conf)
        binds = {f: open(os.path.join(drivers, f)).read() for f in ("bind", "unbind")}
    print(f"--- {name}: {r['verdict']}: {r['summary']}  ({took:.2f} s)")
    if r.get("remedy"):
        print(f"    remedy: {r['remedy']}")
    return r, binds


def kernel_cases():
    conf = "[Bluetooth]\nKernelTimeoutSec=1\n"

    # The field report, and no hciN: the mainline Pi 4 tree muxes CTS/RTS, so the cause is the
    # speed; a timeout may pass, so the driver is rebound twice before the verdict.
    r, binds = kernel_case("kernel-baud", conf, kmsg=FIELD_REPORT)
    d = r["details"]
    h.check(d.get("path") == "kernel" and d.get("uart") == "/soc/serial@7e201000",
            "kernel-baud: Attach=auto takes the kernel path on the mainline Pi 4 tree")
    h.check(r["verdict"] == "failed" and "no Bluetooth controller appeared" in r["summary"],
            "kernel-baud: failed, no controller within KernelTimeoutSec=", r["summary"])
    h.check(d.get("cause") == "baud-timeout" or "0xfc18" in (d.get("cause_text") or ""),
            "kernel-baud: the cause is the baud-rate change", f"{d.get('cause')}: {d.get('cause_text')}")
    h.check("max-speed" in (r.get("remedy") or ""), "kernel-baud: the remedy names max-speed",
            str(r.get("remedy")))
    h.check(any("failed to write update baudrate" in l for l in d.get("kernel_log", [])),
            "kernel-baud: the kernel's lines are in the details")
    h.check(isinstance(d.get("evidence"), list) and d["evidence"],
            "kernel-baud: the evidence is listed", json.dumps(d.get("evidence")))
    # (sysfs attributes here are plain files: each write lands at offset 0)
    h.check(d.get("rebinds") == 2 and binds["unbind"] == "serial0-0"
            and binds["bind"] == "serial0-0",
            "kernel-baud: the driver was unbound and bound again twice", json.dumps(binds))

    # A missing patch is not transient: no rebind, the remedy names the files.
    r, binds = kernel_case("kernel-patch", conf, kmsg=[
        "Bluetooth: hci0: BCM: chip id 107",
        "Bluetooth: hci0: BCM: features 0x2f",
        "Bluetooth: hci0: BCM4345C0",
        "Bluetooth: hci0: BCM4345C0 (003.001.025) build 0000",
        "Bluetooth: hci0: BCM: firmware Patch file not found, tried:",
        "Bluetooth: hci0: BCM: 'brcm/BCM4345C0.raspberrypi,4-model-b.hcd'",
        "Bluetooth: hci0: BCM: 'brcm/BCM4345C0.hcd'",
        "Bluetooth: hci0: BCM: 'brcm/BCM.raspberrypi,4-model-b.hcd'",
        "Bluetooth: hci0: BCM: 'brcm/BCM.hcd'",
    ])
    h.check(r["verdict"] == "failed" and "brcm/BCM4345C0.hcd" in (r.get("remedy") or "")
            and "bluez-firmware" in (r.get("remedy") or ""),
            "kernel-patch: the remedy names the patch file and bluez-firmware", str(r.get("remedy")))
    h.check(not binds["unbind"], "kernel-patch: no rebind for a missing file")

    # No serdev device at all (hci_uart not loaded): said, and nothing rebound.
    r, binds = kernel_case("kernel-no-driver", conf, serdev=False)
    h.check(r["verdict"] == "failed" and r["details"].get("cause") not in (None, "none"),
            "kernel-no-driver: failed with a cause", json.dumps(r["details"].get("cause")))
    h.check(not binds["bind"], "kernel-no-driver: nothing rebound")

    # hci0 under the UART: found by its sysfs parent. Bringing it up needs AF_BLUETOOTH, which
    # this host's kernel lacks: the failure says so (the VM and Pi 3 tiers bring it up).
    r, _ = kernel_case("kernel-hci", conf, hci=True)
    d = r["details"]
    h.check(d.get("hci") == "hci0" and d.get("driver") == "hci_uart_bcm",
            "kernel-hci: hci0 found under uart0, with its driver", json.dumps(d)[:300])
    if not os.path.exists("/sys/class/bluetooth"):
        h.check(r["verdict"] == "failed" and "could not bring it up" in r["summary"],
                "kernel-hci: no Bluetooth in this kernel: failed bringing it up", r["summary"])


if __name__ == "__main__":
    main()
