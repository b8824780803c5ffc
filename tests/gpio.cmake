# SPDX-License-Identifier: LGPL-2.1-or-later
# gpio: Line= declarations and PIN resolution against real device trees (unit); the probe on the
# emulated Pi 3's real pinctrl-bcm2835 is in pi3.cmake.
hwctl_test(test-gpio-line unit SOURCES gpio/test-gpio-line.c unit/dt-fs-writer.c LINK fdt::fdt)
add_dependencies(test-gpio-line board-fixture-dtbs)
target_compile_definitions(test-gpio-line PRIVATE
        HWCTL_BOARD_FIXTURE_DTB_DIR="${HWCTL_BOARD_FIXTURE_DTB_DIR}")
