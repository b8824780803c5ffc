# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Python test harness, shared by every Python test (e2e, network, bt, pi3): skip, check and
finish with a failure count, the build's paths, fixture sysroots, bounded waits, a private bus,
sd_notify, and the emulated Broadcom chip on a pty.

A test finds it with
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77
BUILD = os.environ.get("HWCTL_BUILD_DIR", "")
SOURCE = os.environ.get("HWCTL_SOURCE_DIR", "")
DTB_DIR = os.environ.get("HWCTL_DTB_DIR", "")
HWCTLD = os.path.join(BUILD, "daemon", "hwctld")
HWCTL = os.path.join(BUILD, "cli", "hwctl")
DTB_TO_FS = os.path.join(BUILD, "tests", "dtb-to-fs")
BCM_EMU = os.path.join(BUILD, "tests", "bcm-emu")
FIRMWARE_BRCM = "/lib/firmware/brcm"  # Debian's bluez-firmware

failures = 0
# Per group, when checks name one: [passed, run]; a run shows which part (the rig, the program)
# is at fault.
groups = {}


def skip(reason):
    print(f"SKIP: {reason}", flush=True)
    sys.exit(SKIP)


def check(cond, what, detail="", group=None):
    """One assertion: prints ok or FAIL (with the detail on failure) and counts; returns cond, so
    that a test can stop looking at something that is not there."""
    global failures
    ok = bool(cond)
    tag = f" [{group}]" if group else ""
    if ok:
        print(f"ok  {tag} {what}", flush=True)
    else:
        failures += 1
        print(f"FAIL{tag} {what}" + (f"\n     {detail}" if detail else ""), flush=True)
    if group:
        g = groups.setdefault(group, [0, 0])
        g[0] += ok
        g[1] += 1
    return cond


def finish():
    """Exits 1 when any check failed, 0 otherwise."""
    for group, (passed, run_) in groups.items():
        print(f"{group}: {passed}/{run_} checks pass")
    print(f"{failures} failure(s)" if failures else "all checks passed", flush=True)
    sys.exit(1 if failures else 0)


def wait_until(fn, timeout=15.0, step=0.02):
    """Polls fn until it returns something true, or timeout seconds pass; returns its last value.
    No fixed sleeps, so a slow machine only waits longer."""
    end = time.monotonic() + timeout
    while True:
        value = fn()
        if value or time.monotonic() > end:
            return value
        time.sleep(step)


def probe(doc, name):
    """The named probe's entry in a status document (the list of /run/hwctl/status.json)."""
    return next(p for p in doc["probes"] if p["name"] == name)


def read_out(out, name):
    """A file a rig wrote into its --out directory; "" when there is none."""
    try:
        with open(os.path.join(out, name), errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def run_pi3(case, scenario, *rig_args):
    """Boots the emulated Pi 3 (tests/pi3/run-pi3 --quiet) with the guest script scenario (a
    file in tests/pi3/), its files in $HWCTL_BUILD_DIR/tests/pi3-out/case/. Returns (out, rc);
    rc is 0, 77 (skipped) or the rig's failure, whose last console lines are printed."""
    src = SOURCE or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    here = os.path.join(src, "tests", "pi3")
    out = os.path.join(BUILD or os.path.join(src, "build"), "tests", "pi3-out", case)
    shutil.rmtree(out, ignore_errors=True)
    argv = [os.path.join(here, "run-pi3"), "--quiet", *rig_args, "--out", out,
            os.path.join(here, scenario)]
    print("+ " + " ".join(argv), flush=True)
    rc = subprocess.run(argv).returncode
    if rc not in (0, 77):
        print("--- last console lines ---\n" +
              "\n".join(read_out(out, "console.log").splitlines()[-40:]))
        print(f"run-pi3 failed with exit code {rc} (124: timeout, 125: the rig broke)")
    return out, rc


def out_probe(out, name, probe_name):
    """probe_name's entry in the status document a rig saved as out/name; {} with a failed check
    when that is not a status document."""
    try:
        doc = json.loads(read_out(out, name))
    except json.JSONDecodeError as e:
        check(False, f"{name} is a status document", str(e), group="rig")
        return {}
    return next((p for p in doc.get("probes", []) if p.get("name") == probe_name), {})


def require_binaries():
    for b in (HWCTLD, HWCTL, DTB_TO_FS):
        if not os.access(b, os.X_OK):
            skip(f"{b} is not built")


def fixture_sysroot(tmp, dtb_name="bcm2711-rpi-4-b.dtb"):
    dtb = os.path.join(DTB_DIR, dtb_name)
    if not os.path.exists(dtb):
        skip(f"{dtb} is missing (scripts/fetch-dtbs extracts it)")
    root = os.path.join(tmp, "root")
    os.makedirs(root, exist_ok=True)
    subprocess.run([DTB_TO_FS, dtb, root], check=True)
    return root


def run(argv, env=None, user=None, timeout=30):
    if user is not None:
        argv = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"] + argv
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)


class NotifySocket:
    """Collects sd_notify datagrams, as systemd would receive them."""

    def __init__(self, path):
        self.path = path
        self.messages = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.stop = False
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while not self.stop:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            for line in data.decode(errors="replace").splitlines():
                self.messages.append((time.monotonic(), line))

    def wait_for(self, line, timeout=15.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if any(m == line or m.startswith(line) for _, m in self.messages):
                return True
            time.sleep(0.02)
        return False

    def count(self, prefix):
        return sum(1 for _, m in self.messages if m.startswith(prefix))

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <!-- The defaults of Debian's system.conf: nobody owns names or calls methods unless a
       policy file says so. -->
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
  </policy>
  <include>{policy}</include>
</busconfig>
"""


class PrivateBus:
    """A dbus-daemon of our own, with the project's policy, as the system bus of the test."""

    def __init__(self, tmp):
        if not shutil.which("dbus-daemon"):
            skip("dbus-daemon is not installed")
        self.socket = os.path.join(tmp, "system_bus_socket")
        self.config = os.path.join(tmp, "bus.conf")
        policy = os.path.join(SOURCE, "units", "org.hwctl1.conf")
        if not os.path.exists(policy):
            skip(f"{policy} is missing")
        with open(self.config, "w") as f:
            f.write(BUS_CONFIG.format(socket=self.socket, policy=policy))
        self.address = f"unix:path={self.socket}"
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(["dbus-daemon", "--nofork", "--nopidfile",
                                      f"--config-file={self.config}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        end = time.monotonic() + 10
        while time.monotonic() < end and not os.path.exists(self.socket):
            if self.proc.poll() is not None:
                raise RuntimeError("dbus-daemon failed: " + self.proc.stderr.read())
            time.sleep(0.02)
        os.chmod(self.socket, 0o666)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        if os.path.exists(self.socket):
            os.unlink(self.socket)


def make_tmp(prefix):
    tmp = tempfile.mkdtemp(prefix=prefix)
    os.chmod(tmp, 0o755)  # the unprivileged caller must reach the bus socket
    return tmp


def has_n_hci():
    """Whether this kernel knows the Bluetooth line discipline (here only a VM's does)."""
    try:
        with open("/proc/tty/ldiscs") as f:
            return any(line.split()[:2] == ["n_hci", "15"] for line in f)
    except OSError:
        return False


class BcmEmulator:
    """tests/bt/bcm-emu: an emulated Broadcom controller on a new pty (self.pty, the slave).
    stop() ends it and returns what it printed on stderr: its counters ("... patch complete,
    3000000 baud")."""

    def __init__(self, tmp, chip, hcd=None, faults=()):
        argv = [BCM_EMU, "--pty", "--chip", chip]
        if hcd:
            argv += ["--hcd", hcd]
        for f in faults:
            argv += ["--fault", f]
        self.err = open(os.path.join(tmp, "emu.err"), "w+")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.err, text=True)
        self.pty = self.proc.stdout.readline().strip()
        if not self.pty.startswith("/dev/pts/"):
            self.stop()
            raise RuntimeError(f"bcm-emu printed {self.pty!r}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.err.seek(0)
        text = self.err.read()
        self.err.close()
        return text


def require_bcm_emu(*chips):
    """Skips unless bcm-emu is built and bluez-firmware has these chips' patches."""
    if not os.access(BCM_EMU, os.X_OK):
        skip(f"{BCM_EMU} is not built")
    for c in chips:
        if not os.path.exists(os.path.join(FIRMWARE_BRCM, c + ".hcd")):
            skip(f"{FIRMWARE_BRCM}/{c}.hcd is missing (Debian's bluez-firmware, non-free-firmware)")
