#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# hwctld's structured journal entries and `hwctl journal`, against a real systemd-journald run in
# a private mount namespace (its own /run/systemd, /run/log and /var/log/journal). The bluetooth
# probe works there on the emulated BCM4345C0 (tests/bt/bcm-emu on a pty) with the real patch
# from bluez-firmware, so its steps and its failed hand-over (no N_HCI in this kernel) are in the
# journal.
set -u
. "$HWCTL_SOURCE_DIR/tests/lib/check.sh"
journald=/lib/systemd/systemd-journald
need_root "a private mount namespace"
[ -x "$journald" ] || skip "$journald is missing"
need unshare journalctl python3
emu=$HWCTL_BUILD_DIR/tests/bcm-emu
chip=BCM4345C0
fw=/lib/firmware/brcm/$chip.hcd
[ -x "$emu" ] || skip "$emu is not built"
[ -e "$fw" ] || skip "$fw is missing (Debian's bluez-firmware, non-free-firmware)"

if [ "${1:-}" != --inner ]; then
	exec unshare -m --propagation private "$0" --inner
fi

mkdir -p /run/systemd /run/log /var/log/journal
mount -t tmpfs tmpfs /run/systemd
mount -t tmpfs tmpfs /run/log
mount -t tmpfs tmpfs /var/log/journal
tmp=$(mktemp -d /tmp/hwctl-journal.XXXXXX)
epid=
trap 'kill "$jpid" $epid 2>/dev/null; wait "$jpid" $epid 2>/dev/null; rm -rf "$tmp"' EXIT
"$journald" >/dev/null 2>&1 &
jpid=$!
for _ in $(seq 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.05; done
[ -S /run/systemd/journal/socket ] || skip "systemd-journald did not start here"

hwctld=$HWCTL_BUILD_DIR/daemon/hwctld
hwctl=$HWCTL_BUILD_DIR/cli/hwctl
"$HWCTL_BUILD_DIR/tests/dtb-to-fs" "$HWCTL_DTB_DIR/bcm2711-rpi-4-b.dtb" "$tmp/root"
"$emu" --pty --chip "$chip" --hcd "$fw" > "$tmp/emu.pty" 2> "$tmp/emu.err" &
epid=$!
for _ in $(seq 100); do [ -s "$tmp/emu.pty" ] && break; sleep 0.05; done
pty=$(head -n1 "$tmp/emu.pty")
case $pty in /dev/pts/*) ;; *) die "bcm-emu gave no pty: $(cat "$tmp/emu.err")" ;; esac
mkdir -p "$tmp/root/dev" "$tmp/root/lib/firmware/brcm"
ln -s "$pty" "$tmp/root/dev/ttyBT"
cp "$fw" "$tmp/root/lib/firmware/brcm/"
# A kernel with N_HCI (a VM's) takes the tty; this host's refuses it: the probe fails there.
n_hci=no
grep -q '^n_hci *15$' /proc/tty/ldiscs 2>/dev/null && n_hci=yes
printf '[Audio]\nVolume=loud\n[Bluetooth]\nAttach=userspace\nDevice=/dev/ttyBT\n' > "$tmp/bad.conf"
env -u HWCTL_LOG_TARGET DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent \
	"$hwctld" --sysroot "$tmp/root" --config "$tmp/bad.conf" --once 2> "$tmp/stderr"
rc=$?
if [ $n_hci = no ]; then
	check "hwctld --once exits 1: bluetooth failed at the hand-over" [ $rc -eq 1 ]
else
	check "hwctld --once exits 0 or 1" [ $rc -le 1 ]
fi
snap=$tmp/root/run/hwctl/status.json
verdict_of() { python3 -c "import json,sys; print(next(p['verdict'] for p in json.load(open('$snap'))['probes'] if p['name']==sys.argv[1]))" "$1"; }
check "with a journal and no terminal, nothing goes to stderr" [ ! -s "$tmp/stderr" ]
journalctl --sync 2>/dev/null || sleep 0.5

NO_COLOR=1 "$hwctl" journal > "$tmp/all"
check "hwctl journal shows the board" grep -q "Board: Raspberry Pi 4 Model B (rpi-4-b, bcm2711)" "$tmp/all"
every_verdict_in_journal() {
	local p v
	for p in $(python3 -c "import json; print(' '.join(p['name'] for p in json.load(open('$snap'))['probes']))"); do
		v=$(verdict_of "$p") && grep -q "$p *$v: " "$tmp/all" || return 1
	done
}
check "hwctl journal shows every probe's verdict, as the snapshot has it" every_verdict_in_journal
check "hwctl journal shows rootfs and network skipped" \
	bash -c "grep -q 'rootfs *skipped: ' '$tmp/all' && grep -q 'network *skipped: ' '$tmp/all'"
# An entry anyone can write, claiming to be hwctld: hwctl journal must not show it as hwctld's.
if command -v logger >/dev/null && id nobody >/dev/null 2>&1; then
	setpriv --reuid=nobody --regid=nogroup --clear-groups logger --journald <<-EOF
		SYSLOG_IDENTIFIER=hwctld
		HWCTL_PROBE=rootfs
		HWCTL_VERDICT=changed
		MESSAGE=rootfs changed: forged by nobody
	EOF
	journalctl --sync 2>/dev/null || sleep 0.5
	check "the forged entry reached the journal" bash -c "journalctl -q SYSLOG_IDENTIFIER=hwctld --grep 'forged by nobody' >/dev/null"
	NO_COLOR=1 "$hwctl" journal > "$tmp/all2"
	check "hwctl journal does not show an entry another user wrote as hwctld" \
		bash -c "! grep -q 'forged by nobody' '$tmp/all2' && grep -q 'Board: Raspberry Pi 4' '$tmp/all2'"
else
	die "logger (bsdutils) or the nobody user is missing: cannot forge an entry"
fi
NO_COLOR=1 "$hwctl" journal bluetooth > "$tmp/bt"
check "hwctl journal bluetooth shows only bluetooth" \
	bash -c "[ \$(wc -l < '$tmp/bt') -ge 2 ] && ! grep -v ' bluetooth ' '$tmp/bt'"
check "hwctl journal bluetooth shows the bring-up step: the tty, 3000000 baud, RTS/CTS" \
	grep -q "bluetooth bringing up the Bluetooth controller on /dev/ttyBT (3000000 baud, RTS/CTS)" "$tmp/bt"
if [ $n_hci = no ]; then
	check "hwctl journal bluetooth shows the verdict after the step: failed, the chip ready, N_HCI refused" \
		bash -c "tail -n1 '$tmp/bt' | grep -q 'bluetooth failed: $chip is ready on /dev/ttyBT, but the kernel did not take the tty (N_HCI line discipline: .*remedy: load the hci_uart module'"
fi
"$hwctl" journal audio --json > "$tmp/audio.json"
audio=$(verdict_of audio)
check "hwctl journal --json gives the probe and verdict" \
	python3 -c "import json,sys; e=[json.loads(l) for l in open('$tmp/audio.json')]; sys.exit(not (e and all(x['probe']=='audio' for x in e) and e[-1]['verdict']=='$audio'))"

journalctl -o json MESSAGE_ID=6319bc7e52674563b4d47f14999c35cf HWCTL_PROBE=gpio > "$tmp/gpio.json"
gpio=$(verdict_of gpio)
check "the probe result entry carries MESSAGE_ID, HWCTL_PROBE, HWCTL_VERDICT, HWCTL_BOARD, PRIORITY" \
	python3 -c "import json,sys; e=json.loads(open('$tmp/gpio.json').readline()); sys.exit(not (e['HWCTL_VERDICT']=='$gpio' and e['HWCTL_BOARD']=='rpi-4-b' and e['PRIORITY']==str({'failed':3,'degraded':4,'changed':5}.get('$gpio',6)) and 'HWCTL_DURATION_USEC' in e))"

# The bluetooth result entry: its details (what the probe found and did, step by step) in
# HWCTL_DETAILS, so `journalctl -o json` has them without the snapshot.
journalctl -o json MESSAGE_ID=6319bc7e52674563b4d47f14999c35cf HWCTL_PROBE=bluetooth > "$tmp/bt.json"
check "the bluetooth entry's HWCTL_DETAILS: $chip, the real patch, 3000000 baud with flow control" \
	python3 -c "
import json, os, sys
e = json.loads(open('$tmp/bt.json').readline())
d = json.loads(e['HWCTL_DETAILS'])
fw = d.get('firmware') or {}
sys.exit(not (d.get('chip') == '$chip' and fw.get('path') == '/lib/firmware/brcm/$chip.hcd'
              and fw.get('size') == os.path.getsize('$fw') and d.get('baud') == 3000000
              and d.get('flow_control') is True))"
check "the bluetooth entry's HWCTL_DETAILS lists the steps: reset, version, speed, patch, each timed" \
	python3 -c "
import json, sys
d = json.loads(json.loads(open('$tmp/bt.json').readline())['HWCTL_DETAILS'])
steps = [s['step'] for s in d.get('steps', [])]
sys.exit(not (steps[:2] == ['reset', 'read version'] and 'patch' in steps
              and steps.index('baud 3000000') < steps.index('patch')
              and all('ms' in s for s in d['steps'])))"
if [ $n_hci = no ]; then
	check "the bluetooth entry: failed, PRIORITY 3 (err), HWCTL_REMEDY names hci_uart" \
		python3 -c "import json,sys; e=json.loads(open('$tmp/bt.json').readline()); sys.exit(not (e['HWCTL_VERDICT']=='failed' and e['PRIORITY']=='3' and 'hci_uart' in e.get('HWCTL_REMEDY','') and 'N_HCI' in e['MESSAGE']))"
fi
journalctl -o json MESSAGE_ID=c48f7263bcc04572ac2812c28d38de4b > "$tmp/config.json"
check "a config problem is one entry with CONFIG_FILE and CONFIG_LINE" \
	python3 -c "import json,sys; e=json.loads(open('$tmp/config.json').readline()); sys.exit(not (e['CONFIG_FILE']=='$tmp/bad.conf' and e['CONFIG_LINE']=='2' and e['PRIORITY']=='3'))"
"$hwctl" journal wifi >/dev/null 2>&1
check "an unknown probe is a usage error" [ $? -eq 2 ]
kill "$epid"
wait "$epid"
epid=
check "the emulated chip received the whole patch" grep -q 'patch complete' "$tmp/emu.err"
finish
