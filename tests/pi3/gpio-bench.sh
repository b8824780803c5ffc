# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash disable=SC1091
# Runs inside the emulated Pi 3 (run-pi3 --gpiod) for scripts/bench-gpio: eight declared lines,
# RUNS times with --once (the first request of each line), then RUNS reloads of a running
# daemon that change one output (reconfigured in place). Each run's status document goes out in
# a section; the host reads the gpio probe's own duration_usec from them.
#
#     gpio-bench.sh RUNS
. /pi3/lib.sh
runs=${1:-5}
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/bus HWCTL_LOG_TARGET=stderr
mkdir -p /etc/hwctl /var/lib/hwctl
printf 'root:x:0:\ngpio:x:997:\n' >/etc/group
chgrp 997 /dev/gpiochip0 && chmod 0660 /dev/gpiochip0
conf() {
	cat >/etc/hwctl/hwctl.conf <<CONF
[GPIO]
Line=out1 GPIO17 output $1
Line=out2 GPIO27 output low
Line=out3 GPIO22 output high
Line=out4 pin16 output low open-drain
Line=in1 GPIO5 input pull-up
Line=in2 GPIO6 input pull-down active-low
Line=in3 pin32 input bias-disable
Line=in4 GPIO13 input
CONF
}
conf low
i=1
while [ "$i" -le "$runs" ]; do
	hwctld --once --only gpio >/tmp/once.log 2>&1
	section "once-$i.json" cat /run/hwctl/status.json
	i=$((i + 1))
done
hwctld --only gpio >/tmp/daemon.log 2>&1 &
daemon=$!
reports() { grep -cE 'gpio: (ok|changed|degraded|failed|skipped):' /tmp/daemon.log; }
until [ "$(reports)" -ge 1 ]; do sleep 0.2; done
i=1
while [ "$i" -le "$runs" ]; do
	if [ $((i % 2)) -eq 1 ]; then conf high; else conf low; fi
	kill -HUP "$daemon"
	n=0
	until [ "$(reports)" -ge $((i + 1)) ] || [ "$n" -ge 100 ]; do
		sleep 0.2
		n=$((n + 1))
	done
	section "hup-$i.json" cat /run/hwctl/status.json
	i=$((i + 1))
done
kill -TERM "$daemon"
wait "$daemon"
section daemon.log cat /tmp/daemon.log
exit 0
