# SPDX-License-Identifier: LGPL-2.1-or-later
# End to end: hwctld and hwctl as a person runs them, with a private dbus-daemon.
hwctl_test(e2e-daemon-bus e2e COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/e2e/test_daemon.py
        LABELS root TIMEOUT 600)
hwctl_test(e2e-once-cli e2e COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/e2e/test_once.py
        LABELS root TIMEOUT 600)
hwctl_test(e2e-journal e2e COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/e2e/test_journal.sh
        LABELS root TIMEOUT 600)
