# SPDX-License-Identifier: LGPL-2.1-or-later
# rootfs: the planner and libfdisk on image files (unit), then growing on Debian's kernel (VM).
hwctl_test(test-rootfs-plan unit SOURCES rootfs/test-rootfs-plan.c)
hwctl_test(test-rootfs-table unit SOURCES rootfs/test-rootfs-table.c)
hwctl_test(test-rootfs-locate unit SOURCES rootfs/test-rootfs-locate.c)

foreach(t grow refuse powercut)
        hwctl_test(rootfs-vm-${t} vm COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/rootfs/test-vm-${t}.sh
                LABELS "root;slow" SERIAL TIMEOUT 1500)
endforeach()
