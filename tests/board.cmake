# SPDX-License-Identifier: LGPL-2.1-or-later
# Board detection: upstream DTBs (scripts/fetch-dtbs), vendor-tree fixtures compiled here with dtc,
# live trees laid out from both, revision codes, and malformed input.

# The fixtures under fixtures/dts are compiled at build time; -@ keeps __symbols__ as the real
# vendor and mainline builds do.
set(HWCTL_BOARD_FIXTURE_DTB_DIR "${CMAKE_CURRENT_BINARY_DIR}/fixtures/dtb")
find_program(HWCTL_DTC dtc REQUIRED) # device-tree-compiler, from scripts/setup
file(GLOB HWCTL_BOARD_FIXTURE_DTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/fixtures/dts/*.dts)
set(HWCTL_BOARD_FIXTURE_DTBS)
foreach(dts ${HWCTL_BOARD_FIXTURE_DTS})
                get_filename_component(name ${dts} NAME_WLE)
                set(dtb "${HWCTL_BOARD_FIXTURE_DTB_DIR}/${name}.dtb")
                add_custom_command(OUTPUT ${dtb}
                        COMMAND ${CMAKE_COMMAND} -E make_directory ${HWCTL_BOARD_FIXTURE_DTB_DIR}
                        COMMAND ${HWCTL_DTC} -q -@ -I dts -O dtb -o ${dtb} ${dts}
                        DEPENDS ${dts}
                        COMMENT "Compiling board fixture ${name}.dts")
                list(APPEND HWCTL_BOARD_FIXTURE_DTBS ${dtb})
endforeach()
add_custom_target(board-fixture-dtbs ALL DEPENDS ${HWCTL_BOARD_FIXTURE_DTBS})

set(HWCTL_BOARD_TEST_HELPER unit/dt-fs-writer.c)

hwctl_test(test-board-revision unit SOURCES unit/test-board-revision.c)
hwctl_test(test-uart-speed unit SOURCES unit/test-uart-speed.c)
hwctl_test(test-board-dtb unit SOURCES unit/test-board-dtb.c)
hwctl_test(test-board-vendor unit SOURCES unit/test-board-vendor.c)
hwctl_test(test-board-live unit SOURCES unit/test-board-live.c ${HWCTL_BOARD_TEST_HELPER}
        LINK fdt::fdt)
hwctl_test(test-board-malformed unit SOURCES unit/test-board-malformed.c ${HWCTL_BOARD_TEST_HELPER}
        LINK fdt::fdt)

foreach(t test-board-vendor test-board-live test-board-malformed)
        add_dependencies(${t} board-fixture-dtbs)
        target_compile_definitions(${t} PRIVATE
                HWCTL_BOARD_FIXTURE_DTB_DIR="${HWCTL_BOARD_FIXTURE_DTB_DIR}")
endforeach()

# hwctl dt check: overlays of tests/dt compiled by the test with dtc -@, against upstream DTBs.
hwctl_test(dt-check unit COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/dt/test-dt-check.sh)

# hwctl boot-check on boot trees the test lays out from upstream DTBs.
hwctl_test(boot-check unit COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/boot/test-boot-check.sh)
