# SPDX-License-Identifier: LGPL-2.1-or-later
# End to end: hwctld and hwctl as a person runs them, with a private dbus-daemon.
hwctl_script_test(e2e-daemon-bus ${CMAKE_CURRENT_SOURCE_DIR}/e2e/test_daemon.py)
hwctl_script_test(e2e-once-cli ${CMAKE_CURRENT_SOURCE_DIR}/e2e/test_once.py)
hwctl_script_test(e2e-journal ${CMAKE_CURRENT_SOURCE_DIR}/e2e/test_journal.sh)
