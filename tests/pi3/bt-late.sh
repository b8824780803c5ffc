# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash disable=SC1091
# Runs inside the emulated Pi 3 (tests/pi3/run-pi3 --udev --modules ''): hwctld runs as a daemon
# before hci_uart is loaded, as on a first boot where udev loads it late. Its wait for the
# kernel's controller runs out and it reports; then hci_uart loads, the kernel attaches the chip,
# and hwctld (watching through udevd, the arm64 udevadm run as systemd-udevd) must bring hci0 up
# without being asked. Prints sections for tests/pi3/test-bt-late.py.
. /pi3/lib.sh

export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/bus HWCTL_LOG_TARGET=stderr
mkdir -p /etc/hwctl /var/lib/hwctl /run/udev /etc/udev/rules.d
echo 5e1f0c0ffee0123456789abcdef01234 > /etc/machine-id
printf '[Bluetooth]\nKernelTimeoutSec=2s\n' > /etc/hwctl/hwctl.conf
ln -sf /usr/bin/udevadm /tmp/systemd-udevd
/tmp/systemd-udevd --daemon > /tmp/udevd.log 2>&1
section udevd sh -c 'echo rc=$?; cat /tmp/udevd.log'

bt_field() { # bt_field KEY: the bluetooth entry's KEY (verdict, summary, remedy), or its details'
	sed -n 's/.*"name":"bluetooth","verdict":"\([a-z]*\)".*/\1/p' /run/hwctl/status.json 2>/dev/null
}
wait_verdict() { # wait_verdict ERE SECONDS
	local i=0
	while [ "$i" -lt $(($2 * 5)) ]; do
		bt_field | grep -Eq "$1" && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}

say "bt-late: hwctld before hci_uart is loaded"
hwctld --only bluetooth > /tmp/daemon.log 2>&1 &
pid=$!
wait_verdict 'failed|degraded|ok' 40
section first.json cat /run/hwctl/status.json
say "bt-late: loading hci_uart"
modprobe hci_uart
wait_dmesg 'Bluetooth: hci0' 30
wait_verdict 'ok' 60
section second.json cat /run/hwctl/status.json
section hci sh -c 'ls /sys/class/bluetooth; cat /sys/class/bluetooth/hci0/address 2>&1'
kill "$pid"
wait "$pid"
echo "$?" > /tmp/daemon.rc
section daemon.log cat /tmp/daemon.log
section daemon.rc cat /tmp/daemon.rc
section dmesg dmesg
