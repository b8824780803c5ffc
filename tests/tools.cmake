# SPDX-License-Identifier: LGPL-2.1-or-later
# Tools the test scripts, the demo and the benchmarks use.
add_executable(dtb-to-fs tools/dtb-to-fs.c unit/dt-fs-writer.c)
target_include_directories(dtb-to-fs PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/unit)
target_link_libraries(dtb-to-fs PRIVATE hwctl-core)
# The audio tier: a real playback switch on snd-dummy (tests/audio/vm-audio.sh).
add_executable(add-switch audio/add-switch.c)
target_link_libraries(add-switch PRIVATE PkgConfig::ALSA)
