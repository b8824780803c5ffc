#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# In the VM: the kernel's own Broadcom path (hci_uart's "bcm" protocol with btbcm: reset, verbose
# config, features, name, version, request_firmware, patch download, re-initialisation, address
# check, then hci_sync's init stages) against the emulated chip with its real bluez-firmware
# patch: hci0 registers without a Bluetooth error or warning in the kernel log, comes up, and
# the kernel and the chip agree on the address. Arguments: the chips, e.g. BCM4345C0.
. "$HWCTL_SOURCE_DIR/tests/bt/vm-lib.sh"

require_tools btattach hciconfig hcitool python3
load_modules bluetooth hci_uart
# hci_uart's bcm protocol refuses a tty without modem-control lines (bcm_open(): -EOPNOTSUPP),
# and a pty has none. So the chip is reached the way a USB serial adapter would reach it:
# dummy_hcd loops a g_serial gadget back to cdc-acm, /dev/ttyACM0 on the host side (which has
# the lines) and /dev/ttyGS0 on the gadget side, relayed to the emulator's pty at 115200. That
# speed is the whole session: the bcm protocol has no operating speed for a tty that no device
# tree or ACPI node describes, so it neither sends 0xfc18 nor changes the tty's speed.
load_modules dummy_hcd g_serial cdc_acm
wait_for 20 test -c /dev/ttyACM0 -a -c /dev/ttyGS0 || {
	fail "the looped-back USB serial gadget gave no /dev/ttyACM0 and /dev/ttyGS0"
	finish
}

# The kernel loads firmware from /lib/firmware in PID 1's root, and PID 1 stays in the
# initramfs (tests/vm/run-vm chroots the scenario into the host's tree): put the patches there.
fw_root=/proc/1/root/lib/firmware/brcm
mkdir -p "$fw_root"

default_address() {
	case $1 in
	BCM43430A1) echo AA:AA:AA:AA:AA:AA ;;
	BCM43430B0) echo 43:43:B0:00:1F:AC ;;
	BCM4345C0) echo 43:45:C0:00:1F:AC ;;
	BCM4345C5) echo 43:45:C5:00:1F:AC ;;
	esac
}

# The name the patched firmware gives itself: the first entry of the patch's configuration.
patch_name() {
	python3 - "$1" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
i = d.find(b"BRCMcfgD")
if i >= 0 and d[i + 16:i + 18] == b"\x03\x03":
    print(d[i + 19:i + 19 + d[i + 18]].split(b"\0")[0].decode())
EOF
}

for chip in "${@:-BCM4345C0}"; do
	hcd=/lib/firmware/brcm/$chip.hcd
	echo "== $chip with the kernel's hci_uart bcm protocol and btbcm"
	[ -r "$hcd" ] || skip "$hcd is missing (install bluez-firmware, non-free-firmware)"
	[ "$hcd" -ef "$fw_root/$chip.hcd" ] || cp "$hcd" "$fw_root/"
	dmesg -C
	emu_start "$chip" "$hcd" || continue
	relay_start tty /dev/ttyGS0 "$EMU_PTY" || continue
	start=$(date +%s%N)
	btattach -B /dev/ttyACM0 -P bcm >"$RIG/btattach.log" 2>&1 &
	attach=$!
	wait_for 10 hci_present
	check_rc $? "$chip: hci0 registers"
	[ "$check_failures" -eq 0 ] || sed 's/^/   btattach: /' "$RIG/btattach.log"
	wait_for 60 hci_up
	check_rc $? "$chip: hci0 comes up: setup, patch and init are done ($(cat "$RIG/hciconfig.err"))"
	echo "   up after $((($(date +%s%N) - start) / 1000000)) ms"
	dmesg >"$RIG/dmesg"
	errors=$(bt_errors)
	[ -z "$errors" ]
	check_rc $? "$chip: no Bluetooth error or warning in the kernel log${errors:+: $errors}"
	grep -q -E "hci0: BCM: chip id [0-9]+" "$RIG/dmesg"
	check_rc $? "$chip: btbcm read the verbose config (0xfc79)"
	grep -q -F "hci0: $chip '$(basename "$(dirname "$hcd")")/$chip.hcd' Patch" "$RIG/dmesg"
	check_rc $? "$chip: btbcm found brcm/$chip.hcd"
	name=$(patch_name "$hcd")
	[ -n "$name" ] && grep -q -F "hci0: $name" "$RIG/dmesg"
	check_rc $? "$chip: after the patch the chip names itself from its config ('$name')"
	grep -q -E "hci0: $chip \([0-9.]+\) build 0*[1-9][0-9]*\$" "$RIG/dmesg"
	check_rc $? "$chip: btbcm reads a patched build: $(grep -o "$chip ([0-9.]*) build [0-9]*" \
		"$RIG/dmesg" | awk '!s[$0]++' | tr '\n' ' ')"
	hciconfig hci0 | grep -q "UP RUNNING"
	check_rc $? "$chip: hciconfig says UP RUNNING"
	want=$(default_address "$chip")
	got=$(hci_address)
	[ "$got" = "$want" ]
	check_rc $? "$chip: libbluetooth reads the address $want (got '$got')"
	got=$(chip_address)
	[ "$got" = "$want" ]
	check_rc $? "$chip: Read BD_ADDR through the kernel now answers $want (got '$got')"
	grep -E "hci0: (BCM|$chip|$name)" "$RIG/dmesg" | sed 's/^/   /'

	kill -TERM "$attach"
	wait "$attach"
	wait_for 10 hci_absent
	check_rc $? "$chip: hci0 goes away when btattach releases the tty"
	relay_stop
	emu_stop
	[ "$EMU_PATCH" = complete ]
	check_rc $? "$chip: the chip received the whole patch, record for record, Launch RAM last"
	records=$(hcd_records "$hcd")
	[ "$EMU_RECORDS" = "$records" ]
	check_rc $? "$chip: $EMU_RECORDS of the file's $records records"
	[ "$EMU_UNKNOWN" -eq 0 ]
	check_rc $? "$chip: no command the kernel sent was unknown to the chip ($EMU_UNKNOWN were)"
	echo "   the kernel sent, in order: $EMU_OPCODES"
done
finish
