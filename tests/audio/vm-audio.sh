#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# In the VM (tests/vm/run-vm, Debian's amd64 kernel, real ALSA): the audio probe against
# snd-dummy cards named as a Pi 4's kernel names them (Headphones, vc4hdmi0) after a Loopback
# card (snd-aloop) that takes card number 0, so a default by number would be wrong. alsa-utils
# is the independent peer: aplay -D default must play on Headphones, amixer must show the level.
# snd-dummy has no playback switch; tests/audio/add-switch adds a real one to the card (a
# user-space control the kernel holds), muted, so unmuting shows.
. "$HWCTL_SOURCE_DIR/tests/lib/check.sh"

HWCTLD=$HWCTL_BUILD_DIR/daemon/hwctld
ADD_SWITCH=$HWCTL_BUILD_DIR/tests/add-switch
export HWCTL_LOG_TARGET=stderr DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/bus NO_COLOR=1
need aplay amixer python3
for b in "$HWCTLD" "$ADD_SWITCH"; do
	[ -x "$b" ] || skip "$b is not built"
done
[ "${HWCTL_IN_VM:-}" = 1 ] || skip "runs inside tests/vm/run-vm only (it loads sound modules)"
RIG=$(mktemp -d /tmp/hwctl-audio.XXXXXX)
CONF=$RIG/hwctl.conf
DEFAULT_FILE=/etc/alsa/conf.d/60-hwctl-default.conf
printf '[Audio]\nSettleSec=1\n' >"$CONF"

modprobe snd-aloop index=0 || skip "modprobe snd-aloop failed"
modprobe snd-dummy index=1,2 enable=1,1 id=Headphones,vc4hdmi0 pcm_devs=1,1 ||
	skip "modprobe snd-dummy failed"
check "the cards are there: Loopback 0, Headphones 1, vc4hdmi0 2" \
	grep -q '^ *1 \[Headphones' /proc/asound/cards
"$ADD_SWITCH" Headphones "Master Playback Switch" off
check_rc $? "add-switch gives Headphones a real Master Playback Switch, off"
check "amixer sees it muted" sh -c "amixer -c Headphones sget Master | grep -q 'Playback.*\[off\]'"

# run_once: hwctld --once --only audio; its stderr in $RIG/run.log, the audio entry in $RIG/audio.json.
run_once() {
	"$HWCTLD" --once --only audio --config "$CONF" >"$RIG/out.log" 2>"$RIG/run.log"
	# A sanitized build (HWCTL_BUILD_DIR=build-san) reports memory errors and leaks here.
	if grep -q 'Sanitizer' "$RIG/run.log"; then
		fail "hwctld: $(grep -m1 -A12 'Sanitizer' "$RIG/run.log")"
	fi
	python3 - "$RIG/audio.json" <<'EOF'
import json, sys
doc = json.load(open("/run/hwctl/status.json"))
json.dump([p for p in doc["probes"] if p["name"] == "audio"][0], open(sys.argv[1], "w"))
EOF
}
# q EXPR: a Python expression over p (the audio entry) and d (its details), printed.
q() {
	python3 -c "import json,sys; p=json.load(open('$RIG/audio.json')); d=p.get('details') or {}; print($1)"
}
expect() { # expect DESCRIPTION PY-EXPR (true)
	if [ "$(q "$2")" = True ]; then ok "$1"; else
		fail "$1 ($(q "p['verdict'] + ': ' + p['summary']"))"
	fi
}
raw_level() { amixer -c Headphones sget Master | sed -n 's/.*Front Left: \([0-9-]*\) \[.*/\1/p'; }

# 1. First boot (no /var/lib/alsa/asound.state): Headphones, unmuted, -6 dB, verified.
rm -f /var/lib/alsa/asound.state "$DEFAULT_FILE" /var/lib/hwctl/audio-levels
run_once
expect "first run: changed" "p['verdict'] == 'changed'"
expect "Headphones is chosen, as the analog output" \
	"d['choice']['card'] == 'Headphones' and d['choice']['kind'] == 'analog'"
expect "every card is listed with its PCM devices" \
	"sorted(c['id'] for c in d['cards']) == ['Headphones', 'Loopback', 'vc4hdmi0'] and all(c['playback'] for c in d['cards'])"
check "$DEFAULT_FILE names the card by id" grep -qx 'defaults.pcm.!card "Headphones"' "$DEFAULT_FILE"
check "... and the control default" grep -qx 'defaults.ctl.!card "Headphones"' "$DEFAULT_FILE"
check "aplay -L still works with it (the whole configuration parses)" sh -c 'aplay -L >/dev/null'
expect "the mixer element is Master, found by capability" "d['mixer']['element'] == 'Master'"
expect "it was muted and is unmuted" "d['mixer']['muted_before'] and not d['mixer']['muted_after']"
expect "level set to -6 dB" "abs(d['mixer']['db_after'] + 6.0) < 0.01"
check "amixer -c Headphones shows -6.00dB and on" \
	sh -c "amixer -c Headphones sget Master | grep 'Front Left:' | grep -q '\[-6.00dB\] Playback \[on\]'"
expect "verified by playing on plughw:CARD=Headphones,DEV=0" \
	"d['verification']['ok'] and d['verification']['device'] == 'plughw:CARD=Headphones,DEV=0' and d['verification']['duration_usec'] > 0"
expect "the work time is recorded" "d['work_usec'] > 0"

# aplay -D default, the way any client plays: it must land on Headphones (card 1), not card 0.
aplay -q -D default -f S16_LE -r 48000 -c 2 -d 3 /dev/zero 2>"$RIG/aplay.err" &
aplay_pid=$!
running=''
for _ in $(seq 100); do
	if grep -qs 'state: RUNNING' /proc/asound/Headphones/pcm0p/sub*/status; then
		running=Headphones
		break
	fi
	grep -qs 'state: RUNNING' /proc/asound/Loopback/pcm0p/sub*/status && running=Loopback && break
	sleep 0.05
done
wait $aplay_pid
check_rc $? "aplay -D default exits 0 ($(cat "$RIG/aplay.err"))"
check "aplay -D default played on Headphones (it ran on: ${running:-nothing})" [ "$running" = Headphones ]

# 2. A level a person chose is kept on a re-run, even without saved ALSA state.
amixer -q -c Headphones sset Master 30%
before=$(raw_level)
run_once
expect "re-run with a person's level: ok, nothing changed" "p['verdict'] == 'ok' and d['mixer']['action'] == 'kept'"
check "the level stays at ${before} (now $(raw_level))" [ "$(raw_level)" = "$before" ]
expect "the default file is left unchanged" "d['default']['action'] == 'unchanged'"

# 3. Muted by hand: unmuted, the level kept.
amixer -q -c Headphones sset Master mute
run_once
expect "muted: unmuted only" "d['mixer']['action'] == 'unmuted' and not d['mixer']['muted_after']"
check "the level is still ${before} (now $(raw_level))" [ "$(raw_level)" = "$before" ]

# 4. At its minimum: set again.
amixer -q -c Headphones sset Master 0%
run_once
expect "at the minimum: set to -6 dB" "d['mixer']['action'] == 'set' and abs(d['mixer']['db_after'] + 6.0) < 0.01"

# 5. Saved ALSA state exists (alsa-restore's): a level is never touched unless muted or minimal.
mkdir -p /var/lib/alsa /run/lock
alsactl store -f /var/lib/alsa/asound.state
check_rc $? "alsactl store saves the state, as alsa-restore does at shutdown"
amixer -q -c Headphones sset Master 50%
before=$(raw_level)
run_once
expect "with saved state: first_boot false, level kept" "not d['first_boot'] and d['mixer']['action'] == 'kept'"
check "the level stays at ${before}" [ "$(raw_level)" = "$before" ]

# 6. Output=vc4hdmi0 by id; Output=hdmi0 by port.
printf '[Audio]\nSettleSec=1\nOutput=hdmi0\n' >"$CONF"
run_once
expect "Output=hdmi0 chooses vc4hdmi0" "d['choice']['card'] == 'vc4hdmi0'"
check "the default file follows" grep -qx 'defaults.pcm.!card "vc4hdmi0"' "$DEFAULT_FILE"
printf '[Audio]\nSettleSec=1\nOutput=NoSuchCard\n' >"$CONF"
run_once
expect "Output= naming no card fails and lists the cards" \
	"p['verdict'] == 'failed' and 'NoSuchCard' in p['summary'] and 'Headphones' in p['summary'] and 'Output=' in (p.get('remedy') or '')"
printf '[Audio]\nSettleSec=1\n' >"$CONF"

# 7. A sound server's plugin as pcm.!default: reported with the file, not rewritten.
printf 'pcm.!default {\n\ttype pulse\n}\nctl.!default {\n\ttype pulse\n}\n' >/etc/alsa/conf.d/99-pulse.conf
run_once
expect "pcm.!default of type pulse: degraded, naming the file" \
	"p['verdict'] == 'degraded' and d['default']['pcm_default_type'] == 'pulse' and d['default']['pcm_default_file'] == '/etc/alsa/conf.d/99-pulse.conf'"
expect "the remedy says how to reach the card directly" \
	"'alsamixer -c Headphones' in p['remedy'] and 'plughw:CARD=Headphones' in p['remedy']"
check "hwctld left 99-pulse.conf as it was" grep -q 'type pulse' /etc/alsa/conf.d/99-pulse.conf
rm /etc/alsa/conf.d/99-pulse.conf

# 8. A file alsa-lib cannot take: the finding names it; hwctld's own is not the cause.
printf 'defaults.pcm.card Headphones\n' >/etc/alsa/conf.d/50-by-hand.conf
aplay -L >"$RIG/aplay-L.out" 2>&1
note "aplay -L with it: rc=$? $(head -c 300 "$RIG/aplay-L.out")"
run_once
expect "a string for defaults.pcm.card: failed, naming 50-by-hand.conf" \
	"p['verdict'] == 'failed' and d['default']['bad_file'] == '/etc/alsa/conf.d/50-by-hand.conf' and not d['default']['config_parses']"
expect "the remedy names the file and clears hwctld's own" \
	"'50-by-hand.conf' in p['remedy'] and '60-hwctl-default.conf is not it' in p['remedy']"
printf 'pcm.broken {\n\ttype hw\n' >/etc/alsa/conf.d/50-by-hand.conf
run_once
expect "an unterminated block: failed, naming the file" \
	"p['verdict'] == 'failed' and d['default']['bad_file'] == '/etc/alsa/conf.d/50-by-hand.conf'"
rm /etc/alsa/conf.d/50-by-hand.conf
run_once
expect "fixed: ok again" "p['verdict'] in ('ok', 'changed')"
check "aplay -L works again" sh -c 'aplay -L >/dev/null'

# 9. A file of that name hwctld did not write is left alone.
printf 'defaults.pcm.!card "vc4hdmi0"\n' >"$DEFAULT_FILE"
run_once
expect "someone else's $DEFAULT_FILE is left and reported" \
	"d['default']['action'] == 'left' and p['verdict'] == 'degraded'"
check "its content is untouched" grep -qx 'defaults.pcm.!card "vc4hdmi0"' "$DEFAULT_FILE"
rm "$DEFAULT_FILE"

# 10. The daemon, with udev: the default follows a card that appears later.
rmmod snd-dummy snd-aloop 2>/dev/null
modprobe snd-dummy index=0 enable=1 id=vc4hdmi0 pcm_devs=1 || die "modprobe snd-dummy again"
UDEVD=/lib/systemd/systemd-udevd
[ -x "$UDEVD" ] || skip "$UDEVD is missing (udev)"
"$UDEVD" --daemon 2>"$RIG/udevd.err" || die "systemd-udevd does not start: $(cat "$RIG/udevd.err")"
udevadm settle -t 10
"$HWCTLD" --config "$CONF" >"$RIG/daemon.out" 2>"$RIG/daemon.log" &
daemon=$!
wait_for_it() { # wait_for_it SECONDS CMD...
	local i n=$(($1 * 20))
	shift
	for i in $(seq "$n"); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}
wait_default() { # wait_default ID SECONDS
	local i
	for i in $(seq $(($2 * 20))); do
		grep -qsx "defaults.pcm.!card \"$1\"" "$DEFAULT_FILE" && return 0
		sleep 0.05
	done
	return 1
}
check "the daemon makes vc4hdmi0 the default while it is the only card" wait_default vc4hdmi0 20
modprobe snd-aloop index=1 id=Headphones
check "a Headphones card appears later: the default follows it" wait_default Headphones 20
reported() {
	python3 - <<'EOF' 2>/dev/null
import json, sys
p = [p for p in json.load(open("/run/hwctl/status.json"))["probes"] if p["name"] == "audio"][0]
sys.exit(not p.get("summary", "").startswith("Headphones (analog) is the default"))
EOF
}
check "... and the status says so" wait_for_it 10 reported
kill "$daemon"
wait "$daemon"
check_rc $? "hwctld exits 0 on SIGTERM"
if grep -q 'Sanitizer' "$RIG/daemon.log"; then
	fail "hwctld: $(grep -m1 -A12 'Sanitizer' "$RIG/daemon.log")"
fi
pkill -f systemd-udevd

rm -rf "$RIG"
finish
