# SPDX-License-Identifier: LGPL-2.1-or-later
# Tier 3: the emulated Raspberry Pi 3 Model B (tests/pi3/run-pi3): Debian's arm64 kernel on
# qemu's raspi3b with the upstream device tree, hwctld cross-compiled (build-arm64/), the
# kernel's Bluetooth driver on uart0 talking to tests/bt's emulated Broadcom chip.
# One boot each, 8-13 s; one at a time (qemu's TCG and the cross build want the two cores).
foreach(case healthy ignore-baud no-patch expander)
        hwctl_test(pi3-bt-kernel-${case} pi3
                COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/pi3/test-bt-kernel.py ${case}
                SERIAL TIMEOUT 300)
endforeach()
# 60-hwctl-gpio.rules on the board's real gpiochip0 (pinctrl-bcm2835): udevadm test inside the
# guest (udev:arm64 from run-pi3 --prepare); one boot without hwctld or Bluetooth, about 6 s.
hwctl_test(pi3-udev-gpiochip pi3 COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/pi3/test-udev-gpiochip.sh
        LABELS root SERIAL TIMEOUT 300)
# hwctld's gpio probe on the board's real pinctrl-bcm2835, judged by libgpiod's tools (gpiod:arm64
# from run-pi3 --prepare) and debugfs: held, reconfigured in place, released. One boot, ~25 s.
hwctl_test(pi3-gpio pi3 COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/pi3/test-gpio.py SERIAL TIMEOUT 400)
# hwctld's audio probe where no card can come (qemu emulates no VideoCore): the diagnosis for
# this kernel, without and with snd_bcm2835 and vc4 loaded. One boot, about 15 s.
hwctl_test(pi3-audio pi3 COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/pi3/test-audio.py SERIAL TIMEOUT 300)
# The kernel attaches the chip after hwctld's wait ran out (hci_uart loaded late, as udev did on
# the board image's first boot): the daemon, watching through udevd, brings hci0 up. ~25 s.
hwctl_test(pi3-bt-late pi3 COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/pi3/test-bt-late.py SERIAL TIMEOUT 300)
