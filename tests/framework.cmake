# SPDX-License-Identifier: LGPL-2.1-or-later
# The probe framework, the status document and the shared helpers.
hwctl_unit_test(test-runner unit/test-runner.c)
hwctl_unit_test(test-status unit/test-status.c)
hwctl_unit_test(test-util unit/test-util.c)
hwctl_unit_test(test-state unit/test-state.c)
