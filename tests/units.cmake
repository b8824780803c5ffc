# SPDX-License-Identifier: LGPL-2.1-or-later
# Tests of units/: each file is installed where its reader looks, and systemd, udev, dbus-daemon
# and journalctl accept it and do what it says. Every script installs into its own temporary root.

# Stands in for hwctld on a private bus, so the policy test needs no bindings package.
add_executable(hwctl-test-bus-peer units/bus-peer.c)
target_link_libraries(hwctl-test-bus-peer PRIVATE PkgConfig::SYSTEMD)

set(HWCTL_UNITS_TESTS ${CMAKE_CURRENT_SOURCE_DIR}/units)
hwctl_script_test(units-install ${HWCTL_UNITS_TESTS}/test-install.sh)
hwctl_script_test(units-verify ${HWCTL_UNITS_TESTS}/test-verify.sh)
hwctl_script_test(units-security ${HWCTL_UNITS_TESTS}/test-security.sh)
hwctl_script_test(units-sysusers-tmpfiles ${HWCTL_UNITS_TESTS}/test-sysusers-tmpfiles.sh)
hwctl_script_test(units-udev-rules ${HWCTL_UNITS_TESTS}/test-udev-rules.sh)
hwctl_script_test(units-udev-gpiochip ${HWCTL_UNITS_TESTS}/test-udev-gpiochip.sh)
hwctl_script_test(units-dbus-policy ${HWCTL_UNITS_TESTS}/test-dbus-policy.sh)
hwctl_script_test(units-catalog ${HWCTL_UNITS_TESTS}/test-catalog.sh)
hwctl_script_test(units-config-example ${HWCTL_UNITS_TESTS}/test-config-example.sh)
set_property(TEST units-dbus-policy APPEND PROPERTY ENVIRONMENT
        "HWCTL_TEST_BUS_PEER=$<TARGET_FILE:hwctl-test-bus-peer>")
