# SPDX-License-Identifier: LGPL-2.1-or-later
# Bluetooth: .hcd patches, firmware lookup, HCI over H4, and the Broadcom bring-up against an
# emulated controller on a pty (tests/bt).
add_library(hwctl-bcm-emu STATIC bt/bcm-emu.c)
target_include_directories(hwctl-bcm-emu PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/bt)
target_link_libraries(hwctl-bcm-emu PUBLIC hwctl-probe-bluetooth hwctl-core util pthread)

add_executable(bcm-emu bt/bcm-emu-main.c)
target_link_libraries(bcm-emu PRIVATE hwctl-bcm-emu)

foreach(t hcd firmware hci bcm chips diagnose)
        hwctl_test(test-bt-${t} unit SOURCES bt/test-bt-${t}.c LINK hwctl-bcm-emu)
endforeach()
# The kernel's N_HCI line discipline on a pty: this machine's kernel has none, so it runs in
# the VM (Debian's kernel, hci_uart loaded); the program alone is built here.
add_executable(test-bt-ldisc bt/test-bt-ldisc.c)
target_include_directories(test-bt-ldisc PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(test-bt-ldisc PRIVATE hwctl-bcm-emu)

# The probe as hwctld runs it on fixture system roots: the userspace path against the emulated
# chip on a pty (up to the hand-over, which needs N_HCI), the kernel path on fake sysfs trees.
hwctl_test(bt-probe unit COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/bt/test_probe.py TIMEOUT 300)

# Tier 2 (tests/vm/run-vm, Debian's kernel under qemu): the kernel's own hci_uart bcm protocol and
# btbcm against the emulated chip with the real bluez-firmware patches (the emulator is complete
# for that kernel), and hwctld's userspace path at full speed with flow control and at 921600
# without it.
hwctl_test(bt-vm-kernel vm COMMAND ${PROJECT_SOURCE_DIR}/tests/vm/run-vm --timeout 300
        ${CMAKE_CURRENT_SOURCE_DIR}/bt/vm-kernel.sh BCM43430A1 BCM4345C0
        LABELS root SERIAL TIMEOUT 400)
hwctl_test(bt-vm-userspace vm COMMAND ${PROJECT_SOURCE_DIR}/tests/vm/run-vm --timeout 300
        ${CMAKE_CURRENT_SOURCE_DIR}/bt/vm-userspace.sh 3000000:yes 921600:no 921600:no:rfkill
        LABELS root SERIAL TIMEOUT 400)
