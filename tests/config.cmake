# SPDX-License-Identifier: LGPL-2.1-or-later
# Configuration: value syntax, and loading hwctl.conf with its drop-ins from temporary sysroots.
hwctl_unit_test(test-config-values unit/test-config-values.c)
hwctl_unit_test(test-config unit/test-config.c)
