# SPDX-License-Identifier: LGPL-2.1-or-later
# Tests of units/: each file is installed where its reader looks, and systemd, udev, dbus-daemon
# and journalctl accept it and do what it says. Every script installs into its own temporary root.

# Stands in for hwctld on a private bus, so the policy test needs no bindings package.
add_executable(hwctl-test-bus-peer units/bus-peer.c)
target_link_libraries(hwctl-test-bus-peer PRIVATE PkgConfig::SYSTEMD)

set(HWCTL_UNITS_TESTS ${CMAKE_CURRENT_SOURCE_DIR}/units)
hwctl_test(units-install install COMMAND ${HWCTL_UNITS_TESTS}/test-install.sh LABELS root TIMEOUT 600)
hwctl_test(units-verify install COMMAND ${HWCTL_UNITS_TESTS}/test-verify.sh LABELS root TIMEOUT 600)
hwctl_test(units-security install COMMAND ${HWCTL_UNITS_TESTS}/test-security.sh LABELS root TIMEOUT 600)
hwctl_test(units-sysusers-tmpfiles install COMMAND ${HWCTL_UNITS_TESTS}/test-sysusers-tmpfiles.sh LABELS root TIMEOUT 600)
hwctl_test(units-udev-rules install COMMAND ${HWCTL_UNITS_TESTS}/test-udev-rules.sh LABELS root TIMEOUT 600)
hwctl_test(units-dbus-policy install COMMAND ${HWCTL_UNITS_TESTS}/test-dbus-policy.sh LABELS root TIMEOUT 600)
hwctl_test(units-catalog install COMMAND ${HWCTL_UNITS_TESTS}/test-catalog.sh LABELS root TIMEOUT 600)
hwctl_test(units-config-example install COMMAND ${HWCTL_UNITS_TESTS}/test-config-example.sh LABELS root TIMEOUT 600)
set_property(TEST units-dbus-policy APPEND PROPERTY ENVIRONMENT
        "HWCTL_TEST_BUS_PEER=$<TARGET_FILE:hwctl-test-bus-peer>")
# The Debian package the board image installs (debian/, scripts/build-deb): amd64 and arm64.
hwctl_test(units-deb install COMMAND ${HWCTL_UNITS_TESTS}/test-deb.sh TIMEOUT 900)
