# SPDX-License-Identifier: LGPL-2.1-or-later
# Configuration: value syntax, and loading hwctl.conf with its drop-ins from temporary sysroots.
hwctl_test(test-config-values unit SOURCES unit/test-config-values.c)
hwctl_test(test-config unit SOURCES unit/test-config.c unit/dt-fs-writer.c LINK fdt::fdt)
hwctl_test(test-config-keys unit SOURCES unit/test-config-keys.c unit/dt-fs-writer.c LINK fdt::fdt)

# hwctl kernel-check on Debian's real arm64 and amd64 kernel configurations and broken ones.
hwctl_test(kernel-check unit COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/kconfig/test-kernel-check.sh)

# The NixOS module: every .nix file parses, and its settings rendering is what check-config takes.
hwctl_test(nix-module unit COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/nix/test-nix.sh)
