#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# In the VM: hwctld's userspace path. hwctld (Attach=userspace) brings the emulated BCM4345C0 up
# over a pty with its real bluez-firmware patch, sets the configured address and speed, hands
# the tty to the kernel (N_HCI, H4) and holds it: hci0 registers and comes up, the kernel reads
# the configured address from the chip, the status document and `hwctl status` say ok with the
# facts, and SIGTERM to hwctld releases the tty, so hci0 goes away. Each argument is
# BAUD:FLOW[:rfkill], e.g. 3000000:yes 921600:no 921600:no:rfkill; with rfkill, Bluetooth is
# soft-blocked (rfkill, all Bluetooth devices) before hwctld starts, and hwctld must lift it.
. "$HWCTL_SOURCE_DIR/tests/bt/vm-lib.sh"

require_tools hciconfig hcitool python3
for b in "$HWCTLD" "$HWCTL"; do
	[ -x "$b" ] || skip "$b is not built"
done
load_modules bluetooth hci_uart
# The hand-over primitive alone, on a pty with no chip behind it: N_HCI + H4 registers an hciN
# (this machine's own kernel has no N_HCI, so this is where tests/bt/test-bt-ldisc runs).
"$HWCTL_BUILD_DIR/tests/test-bt-ldisc" >/tmp/ldisc.log 2>&1
check_rc $? "test-bt-ldisc: TIOCSETD N_HCI and HCIUARTSETPROTO register an hciN on a pty ($(tail -n1 /tmp/ldisc.log))"
chip=BCM4345C0
hcd=/lib/firmware/brcm/$chip.hcd
[ -r "$hcd" ] || skip "$hcd is missing (install bluez-firmware, non-free-firmware)"
address=12:34:56:78:9A:BC

# read_probe: the status document's bluetooth entry, read once: state, verdict, summary, remedy,
# details (JSON) and d_path, d_hci, d_baud, d_chip from the details; 1 when there is none yet.
state='' verdict='' summary='' remedy='' details='' d_path='' d_hci='' d_baud='' d_chip=''
read_probe() {
	local vars
	vars=$(python3 - <<'EOF' 2>/dev/null
import json, shlex
doc = json.load(open("/run/hwctl/status.json"))
p = [p for p in doc["probes"] if p["name"] == "bluetooth"][0]
d = p.get("details") or {}
for k in ("state", "verdict", "summary", "remedy"):
    print(f"{k}={shlex.quote(str(p.get(k) or ''))}")
print(f"details={shlex.quote(json.dumps(d))}")
for k in ("path", "hci", "baud", "chip"):
    print(f"d_{k}={shlex.quote(str(d.get(k, '')))}")
EOF
	) || return 1
	eval "$vars"
}
probe_done() { read_probe && [ "$state" = "done" ]; }

# rfkill_all SOFT: blocks (1) or unblocks (0) every Bluetooth switch, present and future.
rfkill_all() {
	python3 -c 'import struct, sys
with open("/dev/rfkill", "wb", buffering=0) as f:
    f.write(struct.pack("<IBBBB", 0, 2, 3, int(sys.argv[1]), 0))' "$1"
}

for spec in "${@:-3000000:yes}"; do
	IFS=: read -r baud flow block <<<"$spec"
	echo "== hwctld, Attach=userspace, $chip at $baud baud, FlowControl=$flow${block:+, rfkill soft-blocked}"
	if [ "$block" = rfkill ]; then
		modprobe rfkill 2>/dev/null
		rfkill_all 1
		check_rc $? "Bluetooth soft-blocked through /dev/rfkill"
	fi
	dmesg -C
	emu_start "$chip" "$hcd" || continue
	# hwctld gets a pty of its own, bridged to the chip's. bcm-emu --pty keeps its own slave
	# open, and a pty's line discipline lives until both ends are closed: the relay lets go of
	# its end after hwctld's last close, so that close releases the tty as it would a UART.
	relay_start pty "$EMU_PTY" || continue
	rm -f /run/hwctl/status.json
	conf=$RIG/hwctl.conf
	printf '[Daemon]\nProbes=bluetooth\n[Bluetooth]\nAttach=userspace\nDevice=%s\nBaud=%s\nFlowControl=%s\nAddress=%s\n' \
		"$RELAY_PTY" "$baud" "$flow" "$address" >"$conf"
	"$HWCTLD" --config "$conf" 2>"$RIG/hwctld.log" &
	daemon=$!
	wait_for 90 probe_done
	check_rc $? "the bluetooth probe reports a verdict"
	echo "   bluetooth: $verdict: $summary${remedy:+ (remedy: $remedy)}"
	[ "$verdict" = ok ]
	check_rc $? "verdict ok"
	[ "$d_path" = userspace ]
	check_rc $? "details.path is userspace ($d_path)"
	[ "$d_hci" = hci0 ]
	check_rc $? "details.hci is hci0 ($d_hci)"
	[ "$d_baud" = "$baud" ]
	check_rc $? "details.baud is $baud ($d_baud)"
	[ "$d_chip" = "$chip" ]
	check_rc $? "details.chip is $chip ($d_chip)"
	echo "   details: $details"
	if [ "$block" = rfkill ]; then
		python3 -c 'import json, sys; sys.exit(0 if json.loads(sys.argv[1]).get("rfkill_unblocked") is True else 1)' "$details"
		check_rc $? "details.rfkill_unblocked: hwctld lifted the soft block"
	fi
	hci_present
	check_rc $? "hci0 exists in /sys/class/bluetooth"
	wait_for 30 hci_up
	check_rc $? "hci0 comes up ($(cat "$RIG/hciconfig.err"))"
	errors=$(bt_errors)
	[ -z "$errors" ]
	check_rc $? "no Bluetooth error or warning in the kernel log${errors:+: $errors}"
	got=$(hci_address)
	[ "$got" = "$address" ]
	check_rc $? "libbluetooth reads the configured address $address (got '$got')"
	got=$(chip_address)
	[ "$got" = "$address" ]
	check_rc $? "Read BD_ADDR through the kernel answers $address (got '$got')"
	"$HWCTL" status >"$RIG/status.txt" 2>&1
	grep -q -E '^bluetooth +ok ' "$RIG/status.txt"
	check_rc $? "hwctl status has a bluetooth line with ok: $(grep '^bluetooth' "$RIG/status.txt")"

	kill -TERM "$daemon"
	wait_for 10 eval '! kill -0 '"$daemon"' 2>/dev/null'
	check_rc $? "hwctld stops on SIGTERM"
	wait "$daemon"
	wait_for 10 hci_absent
	check_rc $? "hci0 goes away: hwctld released the tty"
	relay_stop
	emu_stop
	[ "$EMU_PATCH" = complete ] && [ "$EMU_RECORDS" = "$(hcd_records "$hcd")" ]
	check_rc $? "the chip received the whole patch ($EMU_RECORDS records, $EMU_PATCH)"
	[ "$EMU_BAUD" = "$baud" ]
	check_rc $? "the chip ended at $baud baud ($EMU_BAUD)"
	[ "$EMU_UNKNOWN" -eq 0 ]
	check_rc $? "no command was unknown to the chip ($EMU_UNKNOWN were)"
	[ "$check_failures" -eq 0 ] || sed 's/^/   hwctld: /' "$RIG/hwctld.log" | tail -n 30
	[ "$block" = rfkill ] && rfkill_all 0
done
finish
