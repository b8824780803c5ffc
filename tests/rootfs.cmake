# SPDX-License-Identifier: LGPL-2.1-or-later
# rootfs: the planner and libfdisk on image files (unit), then growing on Debian's kernel (VM).
hwctl_unit_test(test-rootfs-plan unit/test-rootfs-plan.c)
hwctl_unit_test(test-rootfs-table unit/test-rootfs-table.c)
hwctl_unit_test(test-rootfs-locate unit/test-rootfs-locate.c)
foreach(t test-rootfs-plan test-rootfs-table test-rootfs-locate)
        target_include_directories(${t} PRIVATE ${PROJECT_SOURCE_DIR}/probes)
endforeach()

foreach(t grow refuse powercut)
        hwctl_script_test(rootfs-vm-${t} ${CMAKE_CURRENT_SOURCE_DIR}/rootfs/test-vm-${t}.sh)
        set_tests_properties(rootfs-vm-${t} PROPERTIES LABELS "vm;root;slow" RUN_SERIAL TRUE
                TIMEOUT 1500)
endforeach()
