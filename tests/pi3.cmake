# SPDX-License-Identifier: LGPL-2.1-or-later
# Tier 3: the emulated Raspberry Pi 3 Model B (tests/pi3/run-pi3): Debian's arm64 kernel on
# qemu's raspi3b with the upstream device tree, hwctld cross-compiled (build-arm64/), the
# kernel's Bluetooth driver on uart0 talking to tests/bt's emulated Broadcom chip.
set(HWCTL_PI3_ENV "HWCTL_BUILD_DIR=${PROJECT_BINARY_DIR}"
        "HWCTL_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
# One boot each, 8-13 s; one at a time (qemu's TCG and the cross build want the two cores).
foreach(case healthy ignore-baud no-patch)
        add_test(NAME pi3-bt-kernel-${case}
                COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/pi3/test-bt-kernel.py ${case})
        set_tests_properties(pi3-bt-kernel-${case} PROPERTIES
                LABELS "vm;pi3" SKIP_RETURN_CODE 77 RUN_SERIAL TRUE TIMEOUT 300
                ENVIRONMENT "${HWCTL_PI3_ENV}")
endforeach()
