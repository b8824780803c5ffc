# SPDX-License-Identifier: LGPL-2.1-or-later
# The probe framework, the status document and the shared helpers.
hwctl_test(test-runner unit SOURCES unit/test-runner.c)
hwctl_test(test-status unit SOURCES unit/test-status.c)
hwctl_test(test-util unit SOURCES unit/test-util.c)
hwctl_test(test-state unit SOURCES unit/test-state.c)
# The code as .clang-format has it, so the format does not drift again.
hwctl_test(code-format unit COMMAND ${PROJECT_SOURCE_DIR}/scripts/check-format)
