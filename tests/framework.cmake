# SPDX-License-Identifier: LGPL-2.1-or-later
# The probe framework, the status document and the shared helpers.
hwctl_test(test-runner unit SOURCES unit/test-runner.c)
hwctl_test(test-status unit SOURCES unit/test-status.c)
hwctl_test(test-util unit SOURCES unit/test-util.c)
hwctl_test(test-state unit SOURCES unit/test-state.c)
