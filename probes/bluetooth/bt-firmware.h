/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Finds a Broadcom Bluetooth patch file by the names the kernel's btbcm driver tries. */
#pragma once

/* Tries, under each of firmware_dirs (joined under sysroot; NULL or "/" for the running system),
 * brcm/<chip>.<compatible>.hcd for each board compatible ('/' becomes '-'; the kernel itself
 * tries only the first), then brcm/<chip>.hcd. chip NULL means the chip is unknown: "BCM", as
 * the kernel names it then. Returns 1 with *ret_path (the path to open) when found, 0 with
 * *ret_path NULL when not; both ways *ret_tried (may be NULL) lists every path tried, as seen
 * on the system (without the sysroot), in order. */
int bt_firmware_find(const char *sysroot, char *const *firmware_dirs, const char *chip,
                     char *const *compatibles, char **ret_path, char ***ret_tried);
