/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper: lays a DTB out as the kernel's /proc/device-tree, in a temporary sysroot. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cleanup.h"

/* Writes blob below dir as the kernel exposes a live tree: one directory per node, one file per
 * property holding its raw bytes, and (like the kernel) a "name" file per node. */
int dt_fs_write(const void *blob, const char *dir);

/* A new temporary sysroot (mkdtemp under /tmp); exits the test on failure. */
char *dt_fs_sysroot_new(const char *what);
/* Removes the sysroot recursively and frees the string. */
void dt_fs_sysroot_free(char *root);
DEFINE_TRIVIAL_CLEANUP_FUNC(char *, dt_fs_sysroot_free)

/* Creates <root>/sys/firmware/devicetree/base from blob and the absolute symlink
 * <root>/proc/device-tree -> /sys/firmware/devicetree/base, as on a real system. */
int dt_fs_make_sysroot(const void *blob, const char *root);

/* Helpers to build broken trees by hand. */
int dt_fs_write_file(const char *root, const char *rel, const void *data, size_t size);
int dt_fs_mkdir(const char *root, const char *rel);
int dt_fs_symlink(const char *target, const char *root, const char *rel);
/* Reads a whole file (a DTB); exits the test when it cannot. */
void *dt_fs_read_blob(const char *path, size_t *ret_size);
