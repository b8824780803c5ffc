# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash disable=SC1091
# Runs inside the emulated Pi 3 (tests/pi3/run-pi3 --modules ''): qemu's raspi3b has no
# VideoCore, so no sound card can come. hwctld's audio probe must say why, for this kernel:
# first with no sound module loaded, then with snd_bcm2835 and vc4 loaded as udev would load
# them, with --once and from a daemon that was already running when they loaded (with udevd, as
# on the board image's first boot, where udev loads vc4 late). /proc/asound and sysfs are the
# independent view. Prints sections for tests/pi3/test-audio.py; decides nothing itself.
. /pi3/lib.sh

export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/bus HWCTL_LOG_TARGET=stderr
mkdir -p /etc/hwctl /var/lib/hwctl
printf '[Audio]\nSettleSec=1\n' >/etc/hwctl/hwctl.conf

once() { # once NAME: hwctld --once --only audio: its log, exit code and status document
	hwctld --once --only audio >"/tmp/$1.log" 2>&1
	echo "$?" >"/tmp/$1.rc"
	section "$1.log" cat "/tmp/$1.log"
	section "$1.rc" cat "/tmp/$1.rc"
	section "$1.json" cat /run/hwctl/status.json
}

section cmdline cat /proc/cmdline
say "audio: --once, no sound module loaded"
section modules-before cat /proc/modules
once bare

# The daemon, before the modules load: udevd passes the kernel's module events on.
mkdir -p /run/udev /etc/udev/rules.d
echo 5e1f0c0ffee0123456789abcdef01234 >/etc/machine-id
ln -sf /usr/bin/udevadm /tmp/systemd-udevd
/tmp/systemd-udevd --daemon >/tmp/udevd.log 2>&1
section udevd sh -c 'echo rc=$?; cat /tmp/udevd.log'
audio_summary() { sed -n 's/.*"name":"audio","verdict":"[a-z]*","summary":"\([^"]*\)".*/\1/p' \
	/run/hwctl/status.json 2>/dev/null; }
wait_summary() { # wait_summary ERE SECONDS
	i=0
	while [ "$i" -lt $(($2 * 5)) ]; do
		audio_summary | grep -Eq "$1" && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
rm -f /run/hwctl/status.json
say "audio: the daemon, no sound module loaded"
hwctld --only audio >/tmp/daemon.log 2>&1 &
pid=$!
wait_summary 'no sound card' 40
section daemon-first.json cat /run/hwctl/status.json

# As udev loads them on a board: VCHIQ for the mailbox, vc4 for the display; VCHIQ gives up
# on qemu's mailbox, so the device snd_bcm2835 would load for never appears.
say "audio: loading vchiq and vc4"
section modprobe-vchiq sh -c 'modprobe vchiq; echo "vchiq rc=$?"; modprobe vc4; echo "vc4 rc=$?"'
wait_summary 'VCHIQ.*vc4 is loaded' 30
section daemon-second.json cat /run/hwctl/status.json

say "audio: loading snd_bcm2835"
section modprobe sh -c 'modprobe snd_bcm2835; echo "snd_bcm2835 rc=$?"; modprobe vc4; echo "vc4 rc=$?"'
sleep 2
section modules-after cat /proc/modules
section asound sh -c 'cat /proc/asound/cards 2>&1; ls /sys/class/sound 2>&1'
section vchiq-driver sh -c 'ls -l /sys/bus/platform/drivers/bcm2835_vchiq/ 2>&1'
section dmesg-sound sh -c 'dmesg | grep -iE "vchiq|bcm2835.audio|snd|vc4|hdmi" | tail -n 40'
wait_summary 'snd_bcm2835 is loaded' 30
section daemon-third.json cat /run/hwctl/status.json
kill "$pid"
wait "$pid"
section daemon.log cat /tmp/daemon.log
say "audio: --once, modules loaded"
once loaded
