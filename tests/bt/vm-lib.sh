# SPDX-License-Identifier: LGPL-2.1-or-later
# Inside the VM: the Bluetooth rig: modules, the emulated chip on a pty, relays, bounded waits.
# Sourced by the scenarios, with HWCTL_SOURCE_DIR and HWCTL_BUILD_DIR set (tests/vm/run-vm).
# shellcheck shell=bash disable=SC2034 # it sets variables for the scenarios that source it

EMU=$HWCTL_BUILD_DIR/tests/bcm-emu
HWCTLD=$HWCTL_BUILD_DIR/daemon/hwctld
HWCTL=$HWCTL_BUILD_DIR/cli/hwctl
export HWCTL_LOG_TARGET=stderr DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/bus NO_COLOR=1
RIG=$(mktemp -d /tmp/hwctl-bt.XXXXXX)
# ok, fail, check_rc, skip, finish: the one shell harness (the VM sees this tree where it is).
. "$HWCTL_SOURCE_DIR/tests/lib/check.sh"

# require_tools TOOL...: each on PATH, else skip naming the package list that has it.
require_tools() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null ||
			skip "$t is missing (scripts/setup installs scripts/packages/bluetooth.main)"
	done
	[ -x "$EMU" ] || skip "$EMU is not built"
}

# load_modules MODULE...: modprobe each; a kernel without one skips the test.
load_modules() {
	local m
	for m in "$@"; do
		modprobe "$m" 2>"$RIG/modprobe.err" || skip "modprobe $m failed: $(cat "$RIG/modprobe.err")"
	done
}

# wait_for SECONDS CMD...: runs CMD every 20 ms until it succeeds; 1 when SECONDS pass first.
wait_for() {
	local end=$(($(date +%s%N) + ${1%.*} * 1000000000))
	shift
	while ! "$@"; do
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.02
	done
}
hci_present() { [ -e "/sys/class/bluetooth/${1:-hci0}" ]; }
hci_absent() { [ ! -e "/sys/class/bluetooth/${1:-hci0}" ]; }

# emu_start CHIP [HCD] [BCM-EMU-ARGS...]: the emulated chip on a new pty, every answer traced.
# Sets EMU_PID and EMU_PTY (the slave).
emu_start() {
	local chip=$1 hcd=${2:-}
	shift 2 || shift $#
	: >"$RIG/emu.out"
	BCM_EMU_TRACE=1 "$EMU" --pty --chip "$chip" ${hcd:+--hcd "$hcd"} "$@" \
		>"$RIG/emu.out" 2>"$RIG/emu.err" &
	EMU_PID=$!
	wait_for 10 test -s "$RIG/emu.out" || {
		fail "bcm-emu printed no pty: $(cat "$RIG/emu.err")"
		return 1
	}
	EMU_PTY=$(head -n1 "$RIG/emu.out")
}

# emu_stop: SIGTERM, then its counters from the summary line it prints and from its trace:
# EMU_COMMANDS, EMU_RECORDS, EMU_PATCH (complete / not complete), EMU_BAUD, EMU_UNKNOWN (commands
# it answered "Unknown HCI Command"), EMU_OPCODES (every opcode it answered, in order, unique).
emu_stop() {
	local line
	kill -TERM "$EMU_PID" 2>/dev/null
	wait "$EMU_PID" 2>/dev/null
	line=$(grep -E '^bcm-emu: [0-9]+ commands' "$RIG/emu.err" | tail -n1)
	EMU_COMMANDS=$(echo "$line" | sed -n 's/^bcm-emu: \([0-9]*\) commands.*/\1/p')
	EMU_RECORDS=$(echo "$line" | sed -n 's/.* \([0-9]*\) patch records.*/\1/p')
	EMU_PATCH=$(echo "$line" | sed -n 's/.*patch \(.*complete\),.*/\1/p')
	EMU_BAUD=$(echo "$line" | sed -n 's/.*, \([0-9]*\) baud.*/\1/p')
	EMU_UNKNOWN=$(grep -c -- '-> status 0x01,' "$RIG/emu.err")
	EMU_OPCODES=$(sed -n 's/^bcm-emu: \(0x[0-9a-f]*\) ->.*/\1/p' "$RIG/emu.err" | awk '!s[$0]++' |
		tr '\n' ' ')
}

# hcd_records FILE: how many records (HCI commands) the patch file holds.
hcd_records() {
	python3 - "$1" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
off = n = 0
while off + 3 <= len(d):
    off += 3 + d[off + 2]
    n += 1
print(n)
EOF
}

# relay_start pty TTY | relay_start tty A B: copies bytes both ways, in a raw line discipline.
#   pty TTY  makes a new pty pair, keeps only its master, and prints "ready SLAVE": the host then
#            owns the slave alone, and the relay ends a second after the host's last close, so
#            that, as on a UART, that close releases the line discipline. The slave's speed and
#            RTS/CTS are mirrored onto TTY, so the chip still hears a wrong speed as noise.
#   tty A B  joins two ttys at 115200 (a USB serial gadget and the chip's pty).
# Sets RELAY_PID, and RELAY_PTY in pty mode. Returns once the relay is ready (its terminal modes
# are set), so no byte meets a cooked line discipline.
relay_start() {
	: >"$RIG/relay.out"
	python3 -u - "$@" >"$RIG/relay.out" 2>"$RIG/relay.err" <<'EOF' &
import fcntl, os, select, struct, sys, termios, time, tty

TCGETS2, TCSETS2 = 0x802C542A, 0x402C542B
FMT = "4I20B2I"  # termios2: iflag oflag cflag lflag, line + 19 cc, ispeed ospeed
CBAUD, CRTSCTS = 0o10017, 0o20000000000


def get2(fd):
    return list(struct.unpack(FMT, fcntl.ioctl(fd, TCGETS2, bytes(struct.calcsize(FMT)))))


def raw(fd):
    tty.setraw(fd)
    t = termios.tcgetattr(fd)
    t[4] = t[5] = termios.B115200
    termios.tcsetattr(fd, termios.TCSANOW, t)


def mirror(src, dst):
    """Gives dst the speed and RTS/CTS of src (a master reads its slave's modes)."""
    s, d = get2(src), get2(dst)
    want = list(d)
    want[2] = (d[2] & ~(CBAUD | CRTSCTS)) | (s[2] & (CBAUD | CRTSCTS))
    want[2] = (want[2] & ~(CBAUD << 16)) | (s[2] & (CBAUD << 16))
    want[24], want[25] = s[24], s[25]
    if want != d:
        fcntl.ioctl(dst, TCSETS2, struct.pack(FMT, *want))


if sys.argv[1] == "pty":
    chip = os.open(sys.argv[2], os.O_RDWR | os.O_NOCTTY)
    raw(chip)
    host, slave = os.openpty()
    path = os.ttyname(slave)
    raw(slave)
    os.close(slave)
    print("ready", path)
else:
    host = os.open(sys.argv[2], os.O_RDWR | os.O_NOCTTY)
    chip = os.open(sys.argv[3], os.O_RDWR | os.O_NOCTTY)
    raw(host)
    raw(chip)
    print("ready")
mirrored = sys.argv[1] == "pty"
poller = select.poll()
poller.register(host, select.POLLIN)
poller.register(chip, select.POLLIN)
opened, closed_at = False, None
while True:
    events = dict(poller.poll(5))
    if mirrored:
        if events.get(host, 0) & select.POLLHUP:  # no slave open on our pty right now
            # After the host's last close, wait a little (it may open the tty again), then let
            # go of our end too: a pty's line discipline is released only when both ends are
            # closed, a UART's at its last close, which is what the host did.
            closed_at = closed_at or time.monotonic()
            if opened and time.monotonic() - closed_at > 1:
                sys.exit(0)
            time.sleep(0.005)
            events.pop(host)
        else:
            opened, closed_at = True, None
            mirror(host, chip)  # the host sets its speed before it writes
    for fd, ev in events.items():
        if not ev & select.POLLIN:  # a hang-up with nothing to read
            time.sleep(0.005)
            continue
        try:
            data = os.read(fd, 4096)
        except OSError:
            continue
        os.write(chip if fd == host else host, data)
EOF
	RELAY_PID=$!
	wait_for 20 grep -q '^ready' "$RIG/relay.out" || {
		fail "the relay did not start: $(cat "$RIG/relay.err")"
		return 1
	}
	RELAY_PTY=$(sed -n 's/^ready //p' "$RIG/relay.out")
}

relay_stop() {
	kill "$RELAY_PID" 2>/dev/null
	wait "$RELAY_PID" 2>/dev/null
}

# hci_up [DEV]: HCIDEVUP through libbluetooth; "already up" counts as up.
hci_up() { hciconfig "${1:-hci0}" up 2>"$RIG/hciconfig.err"; }

# hci_address [DEV]: the address the kernel holds for the controller (libbluetooth's devinfo).
hci_address() { hciconfig "${1:-hci0}" | sed -n 's/.*BD Address: \([0-9A-F:]*\).*/\1/p'; }

# chip_address [DEV]: Read BD_ADDR (0x1009) sent now through the kernel to the controller.
chip_address() {
	hcitool -i "${1:-hci0}" cmd 0x04 0x0009 2>/dev/null | awk '
		/^> HCI Event: 0x0e/ { ev = 1; next }
		ev { for (i = 1; i <= NF; i++) b[n++] = $i }
		END { if (n >= 10 && b[3] == "00") printf "%s:%s:%s:%s:%s:%s\n", b[9], b[8], b[7], b[6], b[5], b[4] }'
}

# bt_errors: the kernel's Bluetooth errors and warnings so far.
bt_errors() { dmesg --level=err,warn | grep -i -E 'bluetooth|hci[0-9]'; }
