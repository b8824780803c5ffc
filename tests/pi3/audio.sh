# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash disable=SC1091
# Runs inside the emulated Pi 3 (tests/pi3/run-pi3 --modules ''): qemu's raspi3b has no
# VideoCore, so no sound card can come. hwctld's audio probe must say why, for this kernel:
# first with no sound module loaded, then with snd_bcm2835 and vc4 loaded as udev would load
# them. /proc/asound and sysfs are the independent view. Prints sections for
# tests/pi3/test-audio.py; decides nothing itself.
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
say "audio: loading snd_bcm2835 and vc4"
section modprobe sh -c 'modprobe snd_bcm2835; echo "snd_bcm2835 rc=$?"; modprobe vc4; echo "vc4 rc=$?"'
sleep 2
section modules-after cat /proc/modules
section asound sh -c 'cat /proc/asound/cards 2>&1; ls /sys/class/sound 2>&1'
section vchiq-driver sh -c 'ls -l /sys/bus/platform/drivers/bcm2835_vchiq/ 2>&1'
section dmesg-sound sh -c 'dmesg | grep -iE "vchiq|bcm2835.audio|snd|vc4|hdmi" | tail -n 40'
say "audio: --once, modules loaded"
once loaded
