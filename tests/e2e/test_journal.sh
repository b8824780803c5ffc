#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# hwctld's structured journal entries and `hwctl journal`, against a real systemd-journald run in
# a private mount namespace (its own /run/systemd, /run/log and /var/log/journal).
set -u
journald=/lib/systemd/systemd-journald
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for a private mount namespace"; exit 77; }
[ -x "$journald" ] || { echo "SKIP: $journald is missing"; exit 77; }
command -v unshare >/dev/null || { echo "SKIP: unshare is missing"; exit 77; }
command -v journalctl >/dev/null || { echo "SKIP: journalctl is missing"; exit 77; }

if [ "${1:-}" != --inner ]; then
	exec unshare -m --propagation private "$0" --inner
fi

failures=0
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; failures=$((failures + 1)); fi
}

mkdir -p /run/systemd /run/log /var/log/journal
mount -t tmpfs tmpfs /run/systemd
mount -t tmpfs tmpfs /run/log
mount -t tmpfs tmpfs /var/log/journal
tmp=$(mktemp -d /tmp/hwctl-journal.XXXXXX)
trap 'kill "$jpid" 2>/dev/null; wait "$jpid" 2>/dev/null; rm -rf "$tmp"' EXIT
"$journald" >/dev/null 2>&1 &
jpid=$!
for _ in $(seq 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.05; done
[ -S /run/systemd/journal/socket ] || { echo "SKIP: systemd-journald did not start here"; exit 77; }

hwctld=$HWCTL_BUILD_DIR/daemon/hwctld
hwctl=$HWCTL_BUILD_DIR/cli/hwctl
"$HWCTL_BUILD_DIR/tests/dtb-to-fs" "$HWCTL_DTB_DIR/bcm2711-rpi-4-b.dtb" "$tmp/root"
printf '[Audio]\nVolume=loud\n' > "$tmp/bad.conf"
env -u HWCTL_LOG_TARGET DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent \
	"$hwctld" --sysroot "$tmp/root" --config "$tmp/bad.conf" --once 2> "$tmp/stderr"
check "hwctld --once exits 0" [ $? -eq 0 ]
check "with a journal and no terminal, nothing goes to stderr" [ ! -s "$tmp/stderr" ]
journalctl --sync 2>/dev/null || sleep 0.5

NO_COLOR=1 "$hwctl" journal > "$tmp/all"
check "hwctl journal shows the board" grep -q "Board: Raspberry Pi 4 Model B (rpi-4-b, bcm2711)" "$tmp/all"
check "hwctl journal shows every probe's verdict" \
	bash -c "for p in rootfs gpio audio bluetooth network; do grep -q \"\$p *skipped: \" '$tmp/all' || exit 1; done"
NO_COLOR=1 "$hwctl" journal bluetooth > "$tmp/bt"
check "hwctl journal bluetooth shows only bluetooth" \
	bash -c "[ \$(wc -l < '$tmp/bt') -ge 1 ] && ! grep -v ' bluetooth ' '$tmp/bt'"
"$hwctl" journal audio --json > "$tmp/audio.json"
check "hwctl journal --json gives the probe and verdict" \
	python3 -c "import json,sys; e=[json.loads(l) for l in open('$tmp/audio.json')]; sys.exit(not (e and all(x['probe']=='audio' for x in e) and e[-1]['verdict']=='skipped'))"

journalctl -o json MESSAGE_ID=6319bc7e52674563b4d47f14999c35cf HWCTL_PROBE=gpio > "$tmp/gpio.json"
check "the probe result entry carries MESSAGE_ID, HWCTL_PROBE, HWCTL_VERDICT, HWCTL_BOARD, PRIORITY" \
	python3 -c "import json,sys; e=json.loads(open('$tmp/gpio.json').readline()); sys.exit(not (e['HWCTL_VERDICT']=='skipped' and e['HWCTL_BOARD']=='rpi-4-b' and e['PRIORITY']=='6' and 'HWCTL_DURATION_USEC' in e))"
journalctl -o json MESSAGE_ID=c48f7263bcc04572ac2812c28d38de4b > "$tmp/config.json"
check "a config problem is one entry with CONFIG_FILE and CONFIG_LINE" \
	python3 -c "import json,sys; e=json.loads(open('$tmp/config.json').readline()); sys.exit(not (e['CONFIG_FILE']=='$tmp/bad.conf' and e['CONFIG_LINE']=='2' and e['PRIORITY']=='3'))"
"$hwctl" journal wifi >/dev/null 2>&1
check "an unknown probe is a usage error" [ $? -eq 2 ]

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
