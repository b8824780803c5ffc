#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# In the VM, for scripts/bench-audio: the audio probe with two cards (snd-dummy named Headphones
# and vc4hdmi0), SettleSec=0 so that no settle wait is in the figure, RUNS times; prints one
# line per run: work_usec verification_usec verdict. Decides nothing.
. "$HWCTL_SOURCE_DIR/tests/lib/check.sh"
runs=${1:-10}
HWCTLD=$HWCTL_BUILD_DIR/daemon/hwctld
export HWCTL_LOG_TARGET=stderr DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/bus NO_COLOR=1
modprobe snd-dummy enable=1,1 id=Headphones,vc4hdmi0 pcm_devs=1,1 || skip "modprobe snd-dummy"
printf '[Audio]\nSettleSec=0\n' >/tmp/bench.conf
for i in $(seq "$runs"); do
	"$HWCTLD" --once --only audio --config /tmp/bench.conf >/dev/null 2>&1
	python3 - <<'PY'
import json
p = [p for p in json.load(open("/run/hwctl/status.json"))["probes"] if p["name"] == "audio"][0]
d = p["details"]
print("BENCH", d["work_usec"], d["verification"]["duration_usec"], p["duration_usec"], p["verdict"])
PY
done
