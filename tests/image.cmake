# SPDX-License-Identifier: LGPL-2.1-or-later
# Tier 4: the card image (tests/board/board.py: Debian bookworm arm64 from mmdebstrap, hwctl
# installed from its arm64 package, Debian's arm64 kernel) booting systemd on qemu's raspi3b
# with the emulated Broadcom chip on uart0, checked over SSH as a person checks a new board:
# a first boot and a second one. About 5 minutes (two boots to SSH of 70-90 s each under TCG);
# the image itself is made by scripts/setup (tests/board/run-board --prepare).
hwctl_test(board-image image COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/board/test-board.py
        LABELS root SERIAL TIMEOUT 1500)
