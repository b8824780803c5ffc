# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash
# Helpers for scenarios inside the emulated Pi 3 (busybox sh), sourced as /pi3/lib.sh.

uptime_s() { cut -d' ' -f1 /proc/uptime; }

# One progress line a phase, on the console.
say() { echo "pi3: [$(uptime_s)] $*"; }

# section NAME COMMAND...: the command's output (stdout and stderr) between markers; run-pi3
# writes it to --out DIR/NAME. Returns the command's exit code.
section() {
	local name=$1 rc f=/tmp/.section
	shift
	"$@" > "$f" 2>&1
	rc=$?
	echo "HWCTL-PI3-BEGIN $name"
	cat "$f"
	# The end marker on a line of its own, even after output without a final newline.
	[ -s "$f" ] && [ "$(tail -c1 "$f" | wc -l)" -eq 0 ] && echo
	echo "HWCTL-PI3-END $name"
	rm -f "$f"
	return $rc
}

# wait_dmesg ERE SECONDS: until the kernel log has a line matching ERE; 1 on timeout.
wait_dmesg() {
	local ere=$1 limit=$2 i=0
	while [ "$i" -lt $((limit * 5)) ]; do
		dmesg | grep -Eq "$ere" && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
