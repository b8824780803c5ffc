/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A kernel's build configuration: a .config, /boot/config-RELEASE or /proc/config.gz. */
#pragma once

#include "util.h"

typedef enum KconfigValue {
        KCONFIG_MISSING, /* absent or "is not set" */
        KCONFIG_BUILTIN, /* =y */
        KCONFIG_MODULE,  /* =m */
        KCONFIG_OTHER,   /* a string or a number */
} KconfigValue;

typedef struct Kconfig Kconfig;

/* Reads a configuration file, gzip-compressed or not (told by its magic, not its name), at most
 * KCONFIG_SIZE_MAX bytes once inflated. -EBADMSG when the text does not look like a kernel
 * configuration (no CONFIG_ line at all), with *ret_error saying why; -ENOENT, -EFBIG, ... */
#define KCONFIG_SIZE_MAX ((size_t)4 * 1024 * 1024)
int kconfig_load(const char *path, Kconfig **ret, char **ret_error);
/* Parses text already in memory (not NUL-terminated: size bytes). */
int kconfig_parse(const char *text, size_t size, Kconfig **ret, char **ret_error);
Kconfig *kconfig_free(Kconfig *k);
DEFINE_TRIVIAL_CLEANUP_FUNC(Kconfig *, kconfig_free)

/* name with or without the CONFIG_ prefix. */
KconfigValue kconfig_get(const Kconfig *k, const char *name);
const char *kconfig_value_to_string(KconfigValue v); /* "y", "m", "missing", "set" */

/* The configuration of the running kernel as the system keeps it: <sysroot>/proc/config.gz,
 * else <sysroot>/boot/config-<release> with release from <sysroot>/proc/sys/kernel/osrelease.
 * -ENOENT when neither exists; *ret_path names the file read. */
int kconfig_load_running(const char *sysroot, Kconfig **ret, char **ret_path, char **ret_error);
