#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Tier 3: the kernel attaches the Bluetooth chip after hwctld's wait ran out, as on the board
image's first boot, where udev loaded hci_uart a minute late (tests/pi3/bt-late.sh inside).
hwctld, a daemon watching "bluetooth" devices through udevd, must bring hci0 up when it appears,
without a restart or a reload; its first report must say it keeps watching. The run's files stay
in $HWCTL_BUILD_DIR/tests/pi3-out/bt-late/."""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import harness as h  # noqa: E402

read = h.read_out


def main():
    out, rc = h.run_pi3("bt-late", "bt-late.sh", "--udev", "--modules", "", "--timeout", "200")
    if rc != 0:
        return rc
    print("--- hwctld ---\n" + read(out, "daemon.log") + "---")
    dmesg = read(out, "dmesg")
    h.check("rc=0" in read(out, "udevd"), "udevd runs in the guest", read(out, "udevd"),
            group="rig")
    h.check("Bluetooth: hci0" in dmesg, "the kernel attached hci0 once hci_uart loaded",
            group="rig")

    first = h.out_probe(out, "first.json", "bluetooth")
    d1 = first.get("details") or {}
    h.check(first.get("verdict") == "failed" and "no Bluetooth controller appeared" in
            (first.get("summary") or ""),
            "before hci_uart: failed, no controller appeared", first.get("summary"),
            group="hwctld")
    h.check(d1.get("watching") is True, "... and it keeps watching for one",
            json.dumps(d1), group="hwctld")
    second = h.out_probe(out, "second.json", "bluetooth")
    d2 = second.get("details") or {}
    h.check(second.get("verdict") == "ok" and d2.get("hci") == "hci0",
            "after hci_uart: hwctld brought hci0 up by itself (ok, hci0)",
            f"{second.get('verdict')}: {second.get('summary')}", group="hwctld")
    # The chip's own view (bcm-emu's last line): the address the kernel wrote to it.
    emu = read(out, "emu.log").strip().splitlines()
    m = re.search(r"address ([0-9a-f:]{17})$", emu[-1] if emu else "")
    h.check(m and m.group(1) != "aa:aa:aa:aa:aa:aa" and
            m.group(1).upper() == (d2.get("address") or "").upper(),
            "the chip has the address hwctld reports, not its default",
            f"{emu[-1:]} against {d2.get('address')}", group="hwctld")
    h.check(d2.get("address_assigned") is True, "... assigned over the management channel",
            json.dumps(d2), group="hwctld")
    h.check(read(out, "daemon.rc").strip() == "0", "hwctld exits 0 on SIGTERM",
            read(out, "daemon.rc"), group="hwctld")
    h.finish()


if __name__ == "__main__":
    sys.exit(main())
