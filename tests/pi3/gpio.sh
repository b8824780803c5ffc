# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash disable=SC1091
# Runs inside the emulated Pi 3 (tests/pi3/run-pi3 --gpiod): hwctld's gpio probe on the
# kernel's real pinctrl-bcm2835 chip, with libgpiod's own tools (gpioinfo, gpioget, gpioset,
# gpionotify) and /sys/kernel/debug/gpio as independent peers. Prints what each step left in
# sections that tests/pi3/test-gpio.py checks; decides nothing itself but the waits.
. /pi3/lib.sh

export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/bus HWCTL_LOG_TARGET=stderr
GID=997
mkdir -p /etc/hwctl /var/lib/hwctl
printf 'root:x:0:\ngpio:x:%s:\n' "$GID" >/etc/group

section gpiodetect gpiodetect
chipname=$(gpiodetect | awk '/\[pinctrl-bcm2835\]/ { print $1; exit }')
[ -n "$chipname" ] || { say "gpio: no pinctrl-bcm2835 chip"; exit 1; }
node=/dev/$chipname
section sysfs sh -c 'for c in /sys/class/gpio/gpiochip*; do
	echo "$(cat "$c/label") $(cat "$c/base") $(cat "$c/ngpio")"; done'
section cpuinfo cat /proc/cpuinfo

once() { # once NAME: hwctld --once --only gpio, its log, exit code and status document
	hwctld --once --only gpio >"/tmp/$1.log" 2>&1
	echo "$?" >"/tmp/$1.rc"
	section "$1.log" cat "/tmp/$1.log"
	section "$1.rc" cat "/tmp/$1.rc"
	section "$1.json" cat /run/hwctl/status.json
}

# 1. No lines declared, the node as devtmpfs makes it (root, 0600: no udev in this initramfs).
section perm-before stat -c '%a %g' "$node"
say "gpio: --once, no lines, no udev rule applied"
once once-bare
# 2. The node as hwctl's udev rule leaves it (tests/pi3/test-udev-gpiochip.sh proves the rule).
chgrp "$GID" "$node" && chmod 0660 "$node"
say "gpio: --once, no lines, node group gpio 0660"
once once-legacy

# 3. Declared lines, --once: configured, then released at exit.
cat >/etc/hwctl/hwctl.conf <<EOF
[GPIO]
Line=led-high GPIO17 output high
Line=led-low pin13 output low
Line=button GPIO4 input pull-up active-low
Line=relay pin15 output low open-drain
Line=typo GPIO_17 input
EOF
say "gpio: --once with four lines"
once once-lines
section once-lines-after gpioinfo -c "$chipname" 17 27 4 22

# 4. Another process holds relay's line (GPIO22, header pin 15) before hwctld starts; the
# daemon runs with the four good lines.
sed -i '/^Line=typo /d' /etc/hwctl/hwctl.conf
gpioset -c "$chipname" 22=1 &
blocker=$!
sleep 1
section blocker gpioinfo -c "$chipname" 22

LOG=/tmp/daemon.log
reports() { grep -cE 'gpio: (ok|changed|degraded|failed|skipped):' "$LOG"; }
wait_reports() { # wait_reports N SECONDS: until hwctld has logged N gpio reports in $LOG
	local i=0
	while [ "$(reports)" -lt "$1" ] && [ "$i" -lt $(($2 * 5)) ]; do
		sleep 0.2
		i=$((i + 1))
	done
	echo "reports: $(reports) (waited for $1)"
}

say "gpio: hwctld as a daemon"
hwctld --only gpio >/tmp/daemon.log 2>&1 &
daemon=$!
section wait1 wait_reports 1 30
section d1.json cat /run/hwctl/status.json
section d1-gpioinfo gpioinfo -c "$chipname"
section d1-debugfs cat /sys/kernel/debug/gpio
section busy sh -c "gpioget -c $chipname 17; echo rc=\$?"

# 5. The other process lets go: hwctld sees it in line info and takes the line.
say "gpio: the blocker lets go"
kill "$blocker"
wait "$blocker"
section wait2 wait_reports 2 30
section d2.json cat /run/hwctl/status.json
section d2-gpioinfo gpioinfo -c "$chipname" 22

# 6. A reload with changed values reconfigures in place: gpionotify sees no release.
gpionotify -c "$chipname" 17 27 >/tmp/notify.log 2>&1 &
notify=$!
sleep 1
sed -i -e 's/^Line=led-high GPIO17 output high$/Line=led-high GPIO17 output low/' \
	-e 's/^Line=led-low pin13 output low$/Line=led-low pin13 output high/' /etc/hwctl/hwctl.conf
say "gpio: SIGHUP with new values"
kill -HUP "$daemon"
section wait3 wait_reports 3 30
sleep 1
kill "$notify"
section notify.log cat /tmp/notify.log
section d3.json cat /run/hwctl/status.json
section d3-debugfs cat /sys/kernel/debug/gpio

# 7. SIGTERM: hwctld lets every line go.
say "gpio: SIGTERM"
kill -TERM "$daemon"
wait "$daemon"
section daemon.rc echo "$?"
section after-gpioinfo gpioinfo -c "$chipname" 17 27 4 22
section free sh -c "gpioget -c $chipname 17; echo rc=\$?"
section daemon.log cat /tmp/daemon.log

# 8. udevd, first without hwctl's rule: it handles the node and leaves it root's, 0600.
rm -f /etc/hwctl/hwctl.conf
chgrp 0 "$node" && chmod 0600 "$node"
mkdir -p /run/udev /etc/udev/rules.d
echo 5e1f0c0ffee0123456789abcdef01234 >/etc/machine-id
ln -sf /usr/bin/udevadm /tmp/systemd-udevd
/tmp/systemd-udevd --daemon >/tmp/udevd.log 2>&1
section udevd sh -c 'echo rc=$?; cat /tmp/udevd.log'
udevadm trigger --subsystem-match=gpio --action=add && udevadm settle --timeout=30
devnum=$(cat "/sys/bus/gpio/devices/$chipname/dev")
section u-before sh -c "stat -c '%a %g' $node; ls /run/udev/data/c$devnum"
say "gpio: the daemon, udev without hwctl's rule"
LOG=/tmp/udev-daemon.log
hwctld --only gpio >"$LOG" 2>&1 &
daemon=$!
section u-wait1 wait_reports 1 30
section u1.json cat /run/hwctl/status.json
# As the remedy says: the rule, then udevadm trigger. hwctld hears udev and runs again.
say "gpio: hwctl's rule installed, udevadm trigger"
cp /pi3/udev/60-hwctl-gpio.rules /etc/udev/rules.d/
udevadm control --reload && udevadm trigger --subsystem-match=gpio && udevadm settle --timeout=30
section u-after stat -c '%a %g' "$node"
section u-wait2 wait_reports 2 30
section u2.json cat /run/hwctl/status.json
kill -TERM "$daemon"
wait "$daemon"
section udev-daemon.log cat "$LOG"

# 9. hwctld starts before udev has handled the node, as on a first boot before coldplug: udev
# runs (with the rule), its database is empty, the node is still devtmpfs's.
udevadm control --exit
rm -rf /run/udev && mkdir -p /run/udev
chgrp 0 "$node" && chmod 0600 "$node"
/tmp/systemd-udevd --daemon >/tmp/udevd2.log 2>&1
section udevd2 sh -c 'echo rc=$?; cat /tmp/udevd2.log'
say "gpio: the daemon before udev's coldplug"
LOG=/tmp/coldplug.log
rm -f /run/hwctl/status.json
hwctld --only gpio >"$LOG" 2>&1 &
daemon=$!
sleep 3
section c-early sh -c "cat $LOG; echo reports=\$(grep -cE 'gpio: (ok|changed|degraded|failed|skipped):' $LOG)"
say "gpio: udev's coldplug"
udevadm trigger --subsystem-match=gpio --action=add && udevadm settle --timeout=30
section c-wait wait_reports 1 30
section c1.json cat /run/hwctl/status.json
kill -TERM "$daemon"
wait "$daemon"
udevadm control --exit
section coldplug.log cat "$LOG"
exit 0
