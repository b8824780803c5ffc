#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# In the VM, for scripts/bench-bluetooth: time to a working hci0 for a BCM4345C0 with its real
# 64 KB patch on the paced emulator, hwctld's userspace path against BlueZ's hciattach bcm43xx,
# at 3000000 baud with flow control and at 921600 without; the median of RUNS runs each (first
# argument, default 3), the wire's floor, and the ratios. Prints BENCH lines; asserts no times.
. "$HWCTL_SOURCE_DIR/tests/bt/vm-lib.sh"

require_tools hciattach python3
load_modules bluetooth hci_uart
hcd=/lib/firmware/brcm/BCM4345C0.hcd
[ -r "$hcd" ] || skip "$hcd is missing (install bluez-firmware, non-free-firmware)"
# hciattach's bcm43xx reads the chip's local name ("BCM4345C0") and takes the first file under
# /etc/firmware (its FIRMWARE_DIR, searched recursively) whose name starts with it and ends in
# .hcd. The VM's root is a tmpfs overlay, so this stays in the VM.
mkdir -p /etc/firmware
cp "$hcd" /etc/firmware/

python3 - "${1:-3}" "$EMU" "$HWCTLD" "$hcd" "$RIG" <<'EOF'
import fcntl, json, os, re, signal, socket, statistics, struct, subprocess, sys, time

runs, emu, hwctld, hcd, rig = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
HCIDEVUP = 0x400448C9  # _IOW('H', 201, int)
HCIGETDEVINFO = 0x800448D3  # _IOR('H', 211, int)
# struct hci_dev_info: dev_id (2), name (8), bdaddr (6), then the flags (u32); 92 bytes in all.
HCI_DEV_INFO_SIZE, HCI_DEV_INFO_FLAGS, HCI_UP = 92, 16, 0
SYS_HCI = "/sys/class/bluetooth/hci0"
STATUS = "/run/hwctl/status.json"


def bench(msg):
    print("BENCH " + msg, flush=True)


def wait(cond, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.002)
    return False


def hci_up():
    """HCIDEVUP: returns when the kernel's init of hci0 is done (EALREADY: it already was)."""
    s = socket.socket(socket.AF_BLUETOOTH, socket.SOCK_RAW, socket.BTPROTO_HCI)
    try:
        fcntl.ioctl(s.fileno(), HCIDEVUP, 0)
    except OSError as e:
        if e.errno != 114:
            raise
    finally:
        s.close()


def hci_is_up(s):
    """Whether the kernel has set HCI_UP on hci0 (HCIGETDEVINFO on the HCI socket s): the same
    test for both tools, true once the kernel's init of hci0 is over, whoever asked for it."""
    info = bytearray(HCI_DEV_INFO_SIZE)  # dev_id 0 in its first two bytes
    try:
        fcntl.ioctl(s.fileno(), HCIGETDEVINFO, info)
    except OSError:
        return False
    return bool(struct.unpack_from("<I", info, HCI_DEV_INFO_FLAGS)[0] & 1 << HCI_UP)


def patch_facts():
    d = open(hcd, "rb").read()
    off = n = 0
    while off + 3 <= len(d):
        off += 3 + d[off + 2]
        n += 1
    return len(d), n


EMU_ERR = os.path.join(rig, "emu.err")


def emu_start():
    """The chip, with when each command came (BCM_EMU_TIMING) written to a file, not a pipe: a
    full pipe would hold the emulator up."""
    with open(EMU_ERR, "w") as err:
        p = subprocess.Popen([emu, "--pty", "--chip", "BCM4345C0", "--hcd", hcd],
                             stdout=subprocess.PIPE, stderr=err, text=True,
                             env=dict(os.environ, BCM_EMU_TIMING="1"))
    return p, p.stdout.readline().strip()


def emu_timeline(err, t0_us):
    """From the chip's clock: when, after the tool's start, the first command came, Launch RAM
    came, and the last command came (the kernel's own init of hciN, for both tools)."""
    m = re.search(r"clock starts at (\d+) us", err)
    if not m:
        return {}
    base = int(m.group(1)) - t0_us
    cmds = [(float(c.group(1)) * 1000 + base, int(c.group(2), 16))
            for c in re.finditer(r"at ([\d.]+) ms: 0x([0-9a-f]+) with", err)]
    if not cmds:
        return {}
    launch = next((t for t, op in cmds if op == 0xFC4E), None)
    return {"first_ms": cmds[0][0] / 1000, "launch_ms": None if launch is None else launch / 1000,
            "last_ms": cmds[-1][0] / 1000}


def emu_stop(p, t0_us):
    p.send_signal(signal.SIGTERM)
    p.communicate(timeout=20)
    err = open(EMU_ERR).read()
    wait(lambda: not os.path.exists(SYS_HCI), 10)  # its slave was the last holder of the tty
    timing = {}
    m = re.search(r"host turns (\d+), (\d+) us in all; late answers (\d+), (\d+) us in all, "
                  r"at most (\d+) us", err)
    if m:
        timing = dict(zip(("turns", "host_us", "late", "late_us", "late_max_us"),
                          map(int, m.groups())))
    timing["timeline"] = emu_timeline(err, t0_us)
    return "patch complete" in err, timing


def probe_entry():
    try:
        doc = json.load(open(STATUS))
        return [p for p in doc["probes"] if p["name"] == "bluetooth"][0]
    except (OSError, ValueError, IndexError, KeyError):
        return None


def run_once(tool, baud, flow):
    """Returns (present_s, up_s, extra) or raises RuntimeError with the reason."""
    if not wait(lambda: not os.path.exists(SYS_HCI), 20):
        raise RuntimeError("the hci0 of the run before is still there")
    p, pty = emu_start()
    extra = {}
    if tool == "hwctld":
        conf = os.path.join(rig, "bench.conf")
        with open(conf, "w") as f:
            f.write(f"[Daemon]\nProbes=bluetooth\n[Bluetooth]\nAttach=userspace\nDevice={pty}\n"
                    f"Baud={baud}\nFlowControl={'yes' if flow else 'no'}\n"
                    "Address=12:34:56:78:9A:BC\n")
        if os.path.exists(STATUS):
            os.unlink(STATUS)
        argv = [hwctld, "--config", conf]
    else:
        argv = ["hciattach", "-n", pty, "bcm43xx", str(baud), "flow" if flow else "noflow"]
    log = open(os.path.join(rig, f"{tool}.log"), "w")
    t0 = time.monotonic()  # CLOCK_MONOTONIC, the emulator's clock too
    t0_us = int(t0 * 1e6)
    proc = subprocess.Popen(argv, stdout=log, stderr=log)
    seen = [None]

    def status_changed():
        """Whether the snapshot was rewritten since the last look: a stat, not a JSON parse,
        which under TCG would take the single vCPU from the tool being measured."""
        try:
            st = os.stat(STATUS)
            key = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            return False
        if key == seen[0]:
            return False
        seen[0] = key
        return True

    try:
        def present():
            if proc.poll() is not None:
                raise RuntimeError(f"{tool} exited {proc.returncode} before hci0 came")
            if os.path.exists(SYS_HCI):
                return True
            e = probe_entry() if tool == "hwctld" and status_changed() else None
            if (e and e.get("state") == "done" and e.get("verdict") in ("failed", "skipped")
                    and not os.path.exists(SYS_HCI)):
                raise RuntimeError(f"the bluetooth probe says {e.get('verdict')}: "
                                   f"{e.get('summary')}")
            return os.path.exists(SYS_HCI)
        if not wait(present, 60):
            raise RuntimeError("no hci0 within 60 s")
        t_present = time.monotonic() - t0
        if tool == "hwctld":
            # hwctld brings hci0 up itself (HCIDEVUP); up is when the kernel says so, as for
            # hciattach, and its report (the snapshot saying done) is timed apart. A second
            # HCIDEVUP from here while the kernel is still registering hci0 can fail with
            # ENODEV, so this only looks.
            # One socket for all the looks: a new one every 2 ms would take the single vCPU
            # from the tool being measured.
            hs = socket.socket(socket.AF_BLUETOOTH, socket.SOCK_RAW, socket.BTPROTO_HCI)

            def up_or_failed():
                if hci_is_up(hs):
                    return True
                if proc.poll() is not None:
                    raise RuntimeError(f"hwctld exited {proc.returncode} before hci0 was up")
                e = probe_entry() if status_changed() else None
                if e and e.get("state") == "done" and not hci_is_up(hs):
                    raise RuntimeError(f"the bluetooth probe says {e.get('verdict')} with hci0 "
                                       f"down: {e.get('summary')}")
                return False
            try:
                if not wait(up_or_failed, 30):
                    raise RuntimeError("hci0 not up within 30 s")
            finally:
                hs.close()
            t_up = time.monotonic() - t0
            seen[0] = None
            wait(lambda: status_changed() and (probe_entry() or {}).get("state") == "done", 30)
            extra["report_s"] = time.monotonic() - t0
        else:
            hci_up()
            t_up = time.monotonic() - t0
        if tool == "hwctld":
            e = probe_entry() or {}
            d = e.get("details") or {}
            extra["verdict"] = e.get("verdict")
            extra["probe_s"] = (e.get("duration_usec") or 0) / 1e6
            extra["setup_s"] = (d.get("setup_ms") or 0) / 1e3
            extra["steps"] = ", ".join(f"{s.get('step')} {s.get('ms', 0):.0f}"
                                       for s in d.get("steps") or [] if isinstance(s, dict))
            for s in d.get("steps") or []:
                if (isinstance(s, dict) and (s.get("step") or s.get("name")) == "patch"
                        and s.get("baud")):
                    extra["patch_baud"] = int(s["baud"])
        return t_present, t_up, extra
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        complete, extra["timing"] = emu_stop(p, t0_us)
        if not complete:
            extra["incomplete"] = True


size, records = patch_facts()
wire = size + records  # each record goes as an H4 command: one type byte more
bench(f"patch BCM4345C0.hcd: {size} bytes, {records} records, {wire} bytes on the wire; "
      f"median of {runs} runs; emulator paced at 10 bits a byte, 100 us a command")
for baud, flow in ((3000000, True), (921600, False)):
    mode = f"{baud} baud, {'flow control' if flow else 'no flow control'}"
    up = {}
    for tool in ("hwctld", "hciattach"):
        res, why, failed = [], None, 0
        for _ in range(runs):
            try:
                res.append(run_once(tool, baud, flow))
            except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                why, failed = str(e), failed + 1
        if not res:
            bench(f"{mode}: {tool}: no figure: {why}")
            continue
        present = statistics.median(r[0] for r in res)
        up[tool] = statistics.median(r[1] for r in res)
        extra = res[-1][2]
        # hciattach sends the patch at the operating speed, with or without flow control;
        # hwctld says at which speed it did (its "patch" step), else: at the operating speed
        # with flow control, at 115200 without (probes/bluetooth/bt-bcm-setup.c).
        pbaud = baud if tool == "hciattach" or flow else 115200
        pbaud = extra.get("patch_baud", pbaud)
        floor = wire * 10 / pbaud + 0.25
        line = (f"{mode}: {tool}: hci0 present {present * 1000:.0f} ms, up {up[tool] * 1000:.0f} ms"
                f" (runs: {', '.join(f'{r[1] * 1000:.0f}' for r in res)} ms)")
        if tool == "hwctld":
            line += f", verdict {extra.get('verdict')}"
            reports = [r[2]["report_s"] for r in res if r[2].get("report_s")]
            if reports:
                line += (f", its status says done at {statistics.median(reports) * 1000:.0f} ms"
                         " (median)")
            if extra.get("probe_s"):
                line += f", the probe's own total {extra['probe_s'] * 1000:.0f} ms"
            if extra.get("setup_s"):
                line += f" (bring-up {extra['setup_s'] * 1000:.0f} ms)"
        if tool == "hwctld" and extra.get("steps"):
            bench(f"{mode}: hwctld steps (ms, last run): {extra['steps']}")
        t = extra.get("timing") or {}
        if t:
            bench(f"{mode}: {tool}: the chip saw (last run) {t['turns']} host turns, "
                  f"{t['host_us'] / 1000:.0f} ms in all; its answers late {t['late']} times, "
                  f"{t['late_us'] / 1000:.0f} ms in all, at most {t['late_max_us'] / 1000:.1f} ms")
        tls = [r[2].get("timing", {}).get("timeline") or {} for r in res]
        tls = [x for x in tls if x.get("launch_ms") is not None]
        if tls:
            def med(k):
                return statistics.median(x[k] for x in tls)
            bench(f"{mode}: {tool}: the chip's first command {med('first_ms'):.0f} ms after the "
                  f"start, Launch RAM at {med('launch_ms'):.0f} ms, the last command at "
                  f"{med('last_ms'):.0f} ms (medians)")
        if any(r[2].get("incomplete") for r in res):
            line += ", THE CHIP DID NOT GET THE WHOLE PATCH"
        bench(line)
        bench(f"{mode}: {tool}: floor {floor * 1000:.0f} ms (patch at {pbaud} baud + 250 ms of "
              f"chip waits); {tool}/floor {up[tool] / floor:.2f}")
        if failed:
            bench(f"{mode}: {tool}: {failed} of {runs} runs failed, the last: {why}")
    if len(up) == 2:
        bench(f"{mode}: hwctld/hciattach {up['hwctld'] / up['hciattach']:.2f}")
EOF
