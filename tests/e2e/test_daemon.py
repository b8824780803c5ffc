#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""hwctld as a service: READY=1 and the watchdog, hwctl status over a private system bus and from
the snapshot, root-only RerunProbe, SIGHUP reload, losing and regaining the bus, clean stop."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from harness import (HWCTL, HWCTLD, NotifySocket, PrivateBus, check, finish,  # noqa: E402
                     fixture_sysroot, make_tmp, probe, require_binaries, run, skip, wait_until)

if os.geteuid() != 0:
    skip("needs root: owning org.hwctl1 on the bus and calling as another user")
if not shutil.which("setpriv"):
    skip("setpriv (util-linux) is missing")
require_binaries()

tmp = make_tmp("hwctl-e2e-")
root = fixture_sysroot(tmp)
bus = PrivateBus(tmp)
bus.start()
notify = NotifySocket(os.path.join(tmp, "notify"))

env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=bus.address, NOTIFY_SOCKET=notify.path,
           WATCHDOG_USEC="400000", HWCTL_LOG_TARGET="stderr", NO_COLOR="1")
env.pop("WATCHDOG_PID", None)
cli_env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=bus.address, NO_COLOR="1")
log = open(os.path.join(tmp, "hwctld.log"), "w")
daemon = subprocess.Popen([HWCTLD, "--sysroot", root], env=env, stdout=log, stderr=log)


def status(*extra, user=None):
    return run([HWCTL, "--sysroot", root, "status", *extra], env=cli_env, user=user)


def doc_now():
    r = status("--json")
    return json.loads(r.stdout) if r.returncode in (0, 1) and r.stdout else None


try:
    check(notify.wait_for("READY=1"), "hwctld sends READY=1")
    check(wait_until(lambda: notify.count("WATCHDOG=1") >= 2),
          "hwctld pings the watchdog (WATCHDOG_USEC set)", f"{notify.count('WATCHDOG=1')} pings")
    wait_until(lambda: (d := doc_now()) and all(p["state"] == "done" for p in d["probes"]))

    r = status()
    check(r.returncode == 0, "hwctl status exits 0 when every probe is ok/changed/skipped",
          r.stdout + r.stderr)
    check("not reachable" not in r.stderr, "hwctl status answers over the bus", r.stderr)
    check(r.stdout.startswith("Board     Raspberry Pi 4 Model B (rpi-4-b, bcm2711)"),
          "status shows the detected board first", r.stdout)
    lines = r.stdout.splitlines()
    for name in ("gpio", "audio"):
        check(any(line.startswith(name) and "skipped" in line and "not implemented yet" in line
                  for line in lines), f"status shows {name} as skipped, not implemented yet",
              r.stdout)
    check(any(line.startswith("bluetooth") and "skipped" in line and "no sysfs" in line
              for line in lines), "status shows bluetooth skipped: a fixture root has no sysfs",
          r.stdout)
    # A fixture root has no mounted root disk, and routing would act on this machine's own
    # network: both say why they skip.
    for name in ("rootfs", "network"):
        check(any(line.startswith(name) and "skipped" in line and len(line.split()) > 3
                  for line in lines), f"status shows {name} skipped, with its reason", r.stdout)

    r = status("--json")
    doc = json.loads(r.stdout)
    check(doc["version"] == 1 and doc["board"]["id"] == "rpi-4-b", "status --json: the document")
    check(doc["daemon"]["bus"] is True and doc["daemon"]["mode"] == "daemon",
          "status --json says the bus serves")
    check([p["name"] for p in doc["probes"]] == ["rootfs", "gpio", "audio", "bluetooth", "network"],
          "status --json lists the five probes in order")
    check(all(k in probe(doc, "gpio") for k in
              ("verdict", "summary", "remedy", "details", "started_usec", "duration_usec")),
          "each probe carries verdict, summary, remedy, details, times")

    r = status("--snapshot")
    check(r.returncode == 0 and "showing the snapshot" in r.stderr and "rpi-4-b" in r.stdout,
          "status --snapshot reads /run/hwctl/status.json and says so", r.stderr)

    # Anyone may read; only root may change.
    r = status("--json", user=65534)
    check(r.returncode == 0 and "not reachable" not in r.stderr,
          "an unprivileged user may call Describe", r.stderr)
    r = run([HWCTL, "rerun", "gpio"], env=cli_env, user=65534)
    check(r.returncode == 1 and ("denied" in r.stderr.lower() or "root" in r.stderr),
          "an unprivileged user cannot call RerunProbe", f"rc={r.returncode} {r.stderr}")
    r = run(["dbus-send", "--system", "--print-reply", "--dest=org.hwctl1", "/org/hwctl1",
             "org.hwctl1.Manager.Reload"], env=cli_env, user=65534)
    check(r.returncode != 0 and "AccessDenied" in r.stderr,
          "an unprivileged user cannot call Reload", r.stderr)

    before = probe(doc_now(), "gpio")["started_usec"]
    time.sleep(0.01)  # a new result must have a later start time than the old one
    r = run([HWCTL, "rerun", "gpio"], env=cli_env)
    check(r.returncode == 0, "root may re-run a probe", r.stderr)
    after = wait_until(lambda: probe(doc_now(), "gpio")["started_usec"] > before and
                       probe(doc_now(), "gpio")["started_usec"])
    check(after and after > before, "the re-run probe has a new result", f"{before} -> {after}")
    r = run([HWCTL, "rerun", "nosuch"], env=cli_env)
    check(r.returncode == 2, "re-running an unknown probe is a usage error", r.stderr)

    # SIGHUP: new settings reach the probes whose section changed.
    os.makedirs(os.path.join(root, "etc/hwctl"), exist_ok=True)
    with open(os.path.join(root, "etc/hwctl/hwctl.conf"), "w") as f:
        f.write("[GPIO]\nEnable=no\n[Bluetooth]\nBogus=1\n")
    audio_before = probe(doc_now(), "audio")["started_usec"]
    daemon.send_signal(signal.SIGHUP)
    wait_until(lambda: probe(doc_now(), "gpio")["summary"].startswith("disabled"))
    doc = doc_now()
    check(probe(doc, "gpio")["summary"] == "disabled by configuration ([GPIO] Enable=no)",
          "SIGHUP reload applies [GPIO] Enable=no", probe(doc, "gpio")["summary"])
    check(probe(doc, "audio")["started_usec"] == audio_before,
          "SIGHUP re-runs only probes whose settings changed")
    log.flush()
    with open(os.path.join(tmp, "hwctld.log")) as f:
        text = f.read()
    check("hwctl.conf:4" in text and "Bogus" in text,
          "a bad config line is logged with file and line, and the daemon runs on", text[-600:])
    check(daemon.poll() is None, "hwctld still runs after a bad config")

    # Losing the bus: status falls back to the snapshot; the name comes back with the bus.
    bus.stop()
    r = wait_until(lambda: (x := status()) and "not reachable" in x.stderr and x)
    check(r and r.returncode == 0 and "not reachable" in r.stderr and "snapshot" in r.stderr,
          "without a bus, hwctl status falls back to the snapshot and says so",
          r and r.stderr)
    check(daemon.poll() is None, "hwctld survives losing the bus")
    bus.start()
    r = wait_until(lambda: (x := status()).returncode == 0 and "not reachable" not in x.stderr)
    check(r, "hwctld takes the bus name again when the bus returns")

    daemon.send_signal(signal.SIGTERM)
    try:
        rc = daemon.wait(timeout=10)
    except subprocess.TimeoutExpired:
        rc = None
    check(rc == 0, "SIGTERM stops hwctld cleanly with exit code 0", f"rc={rc}")
    check(notify.wait_for("STOPPING=1", 2), "hwctld sends STOPPING=1")
    r = status()
    check(r.returncode == 0 and "showing the snapshot" in r.stderr,
          "after the daemon stops, status still works from the snapshot", r.stderr)
    empty = make_tmp("hwctl-e2e-empty-")
    r = run([HWCTL, "--sysroot", empty, "status"], env=cli_env)
    check(r.returncode == 3, "no daemon and no snapshot: exit code 3", f"rc={r.returncode}")
    shutil.rmtree(empty)
finally:
    if daemon.poll() is None:
        daemon.kill()
        daemon.wait()
    bus.stop()
    notify.close()
    log.close()
    if os.environ.get("HWCTL_KEEP_TMP") != "1":
        shutil.rmtree(tmp, ignore_errors=True)
finish()
