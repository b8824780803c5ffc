# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash disable=SC1091,SC2016
# Runs inside the emulated Pi 3 (tests/pi3/run-pi3): the kernel attaches the Broadcom chip on
# uart0 itself (hci_uart_bcm, serdev) while hwctld's bluetooth probe runs, as at boot; then
# prints what hwctld and the kernel said, in sections the host side checks.
#
#     bt-kernel.sh SETTLE_ERE
#
# SETTLE_ERE is the kernel log line that ends the attach in this case: the scenario waits for
# it (at most 30 s) after hwctld exits, so the log is complete even when the probe is quick.
. /pi3/lib.sh
settle=$1

mkdir -p /etc/hwctl /var/lib/hwctl
# A real system has a machine-id; hwctld derives a stable address from it when the chip has only
# its default one (the emulated BCM43430A1, like a real one, reports AA:AA:AA:AA:AA:AA).
echo 5e1f0c0ffee0123456789abcdef01234 > /etc/machine-id
# The attach takes about 1 s here, 5 s when 0xfc18 times out twice: 12 s is ample.
printf '[Bluetooth]\nKernelTimeoutSec=12s\n' > /etc/hwctl/hwctl.conf

say "hwctld --once --only bluetooth"
hwctld --once --only bluetooth > /tmp/hwctld.log 2>&1
rc=$?
say "hwctld exited $rc"
if wait_dmesg "$settle" 30; then
	say "the kernel's attach is over"
else
	say "the kernel did not print /$settle/ within 30 s"
fi
sleep 1 # the controller's init after the last line

section hwctld.log cat /tmp/hwctld.log
section hwctld.rc echo "$rc"
section status.json cat /run/hwctl/status.json
section dmesg dmesg
section hci sh -c 'for h in /sys/class/bluetooth/hci*; do
	[ -e "$h" ] && echo "${h##*/} $(readlink -f "$h")"; done'
section pinmux-pins sh -c 'cat /sys/kernel/debug/pinctrl/*/pinmux-pins'
section model cat /proc/device-tree/model
exit 0
