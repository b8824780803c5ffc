# SPDX-License-Identifier: LGPL-2.1-or-later
# audio: the choice over every real device tree with the cards each kernel names, the kernel
# command line, the conf.d file read by the real alsa-lib, kernel configurations (unit); the
# probe against real ALSA under Debian's kernel, snd-dummy and snd-aloop (vm); the emulated
# Pi 3, which has no VideoCore audio, in pi3.cmake.
hwctl_test(test-audio unit SOURCES audio/test-audio.c LINK PkgConfig::ALSA PkgConfig::ZLIB
        hwctl-kconfig)
add_dependencies(test-audio board-fixture-dtbs)
target_compile_definitions(test-audio PRIVATE
        HWCTL_BOARD_FIXTURE_DTB_DIR="${HWCTL_BOARD_FIXTURE_DTB_DIR}"
        HWCTL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
hwctl_test(audio-vm vm COMMAND ${PROJECT_SOURCE_DIR}/tests/vm/run-vm --timeout 300
        ${CMAKE_CURRENT_SOURCE_DIR}/audio/vm-audio.sh
        LABELS root SERIAL TIMEOUT 400)
add_dependencies(test-audio add-switch)
