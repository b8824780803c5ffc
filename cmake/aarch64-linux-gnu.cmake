# SPDX-License-Identifier: LGPL-2.1-or-later
# Cross-compiles hwctl for 64-bit Arm boards on Debian with crossbuild-essential-arm64 and the
# -dev:arm64 packages (multiarch): tests/pi3/run-pi3 builds build-arm64/ with it.
#
#     cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(HWCTL_CROSS_TRIPLET aarch64-linux-gnu)

set(CMAKE_C_COMPILER ${HWCTL_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${HWCTL_CROSS_TRIPLET}-g++)

# Multiarch: the arm64 libraries and their .pc files live beside the host's, under
# /usr/lib/aarch64-linux-gnu, while the headers are shared in /usr/include. Search only the
# arm64 directories for libraries, so nothing links against the host's amd64 copies.
set(CMAKE_LIBRARY_ARCHITECTURE ${HWCTL_CROSS_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_FIND_ROOT_PATH /usr/lib/${HWCTL_CROSS_TRIPLET} /lib/${HWCTL_CROSS_TRIPLET})
set(CMAKE_LIBRARY_PATH /usr/lib/${HWCTL_CROSS_TRIPLET} /lib/${HWCTL_CROSS_TRIPLET})

# pkg-config reads the arm64 .pc files (and arch-independent ones), never the host's.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${HWCTL_CROSS_TRIPLET}/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")
