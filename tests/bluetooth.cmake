# SPDX-License-Identifier: LGPL-2.1-or-later
# Bluetooth: .hcd patches, firmware lookup, HCI over H4, and the Broadcom bring-up against an
# emulated controller on a pty (tests/bt).
add_library(hwctl-bcm-emu STATIC bt/bcm-emu.c)
target_include_directories(hwctl-bcm-emu PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/bt
        ${PROJECT_SOURCE_DIR}/probes)
target_link_libraries(hwctl-bcm-emu PUBLIC hwctl-probes hwctl-core util pthread)

add_executable(bcm-emu bt/bcm-emu-main.c)
target_link_libraries(bcm-emu PRIVATE hwctl-bcm-emu)

foreach(t hcd firmware hci bcm chips ldisc diagnose probe)
        if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/unit/test-bt-${t}.c)
                hwctl_unit_test(test-bt-${t} unit/test-bt-${t}.c)
                target_link_libraries(test-bt-${t} PRIVATE hwctl-bcm-emu)
        endif()
endforeach()

# The probe as hwctld runs it on fixture system roots: the userspace path against the emulated
# chip on a pty (up to the hand-over, which needs N_HCI), the kernel path on fake sysfs trees.
hwctl_script_test(bt-probe ${CMAKE_CURRENT_SOURCE_DIR}/bt/test_probe.py)
set_tests_properties(bt-probe PROPERTIES TIMEOUT 300)

# Tier 2 (tests/vm/run-vm, Debian's kernel under qemu): the kernel's own hci_uart bcm protocol and
# btbcm against the emulated chip with the real bluez-firmware patches (the emulator is complete
# for that kernel), and hwctld's userspace path at full speed with flow control and at 921600
# without it.
foreach(t kernel userspace)
        if(t STREQUAL kernel)
                set(args BCM43430A1 BCM4345C0)
        else()
                set(args 3000000:yes 921600:no 921600:no:rfkill)
        endif()
        add_test(NAME bt-vm-${t}
                COMMAND ${PROJECT_SOURCE_DIR}/tests/vm/run-vm --timeout 300
                        ${CMAKE_CURRENT_SOURCE_DIR}/bt/vm-${t}.sh ${args})
        set_tests_properties(bt-vm-${t} PROPERTIES LABELS "vm;root" RUN_SERIAL TRUE
                SKIP_RETURN_CODE 77 TIMEOUT 400
                ENVIRONMENT "HWCTL_BUILD_DIR=${PROJECT_BINARY_DIR};HWCTL_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endforeach()
