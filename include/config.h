/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hwctl.conf and its drop-ins: parsed settings with their defaults, and every problem found. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

typedef enum BluetoothAttach {
        BLUETOOTH_ATTACH_AUTO,
        BLUETOOTH_ATTACH_KERNEL,
        BLUETOOTH_ATTACH_USERSPACE,
        _BLUETOOTH_ATTACH_MAX,
} BluetoothAttach;

typedef enum ConfigSeverity {
        CONFIG_WARNING, /* unknown section or key: ignored */
        CONFIG_ERROR,   /* unparsable line or invalid value: the default is kept */
} ConfigSeverity;

typedef struct ConfigProblem {
        char *file;
        unsigned line;          /* 0 when about the file as a whole */
        ConfigSeverity severity;
        char *message;
} ConfigProblem;

typedef struct Config {
        struct {
                char **probes;          /* Probes=: only these run; NULL means all */
                uint64_t probe_timeout_usec; /* ProbeTimeoutSec=: 0 means each probe's own */
        } daemon;
        struct {
                bool enabled;
                char *mount;            /* Mount=, default "/" */
                uint64_t reserve_bytes; /* Reserve= as a size */
                unsigned reserve_percent; /* Reserve= as a percentage */
        } rootfs;
        struct {
                bool enabled;
        } gpio;
        struct {
                bool enabled;
                char *card;             /* Card=, NULL means choose */
                unsigned volume_percent; /* Volume=, default 80 */
        } audio;
        struct {
                bool enabled;
                BluetoothAttach attach;  /* Attach=auto|kernel|userspace */
                uint32_t baud;           /* Baud=, 0 means from the board */
                char **firmware_dirs;    /* FirmwareDirs= */
                uint64_t kernel_timeout_usec; /* KernelTimeoutSec=, default 15 s */
        } bluetooth;
        struct {
                bool enabled;
                char **uplinks;          /* Uplinks= */
                char **prefer;           /* Prefer=, default "wired wireless" */
                uint64_t ipv4_timeout_usec; /* IPv4TimeoutSec=, default 30 s */
        } network;

        char **files;                   /* the files read, in order */
        ConfigProblem *problems;
        size_t n_problems;
} Config;

/* Defaults only. */
int config_new_default(Config **ret);

/* Reads <sysroot>/etc/hwctl/hwctl.conf (or main_file when given, taken as is, without the
 * sysroot) and then hwctl.conf.d/\*.conf drop-ins from <sysroot>/usr/lib/hwctl,
 * <sysroot>/run/hwctl and <sysroot>/etc/hwctl, sorted by file name, a name in a later
 * directory masking the same name in an earlier one. Bad settings are recorded in
 * problems and keep their default; only -ENOMEM is an error. */
int config_load(const char *sysroot, const char *main_file, Config **ret);

Config *config_free(Config *c);
static inline void config_freep(Config **c)
{
        config_free(*c);
}

/* One JSON object per section, for `hwctl plan`, for the status details, and so SIGHUP can
 * tell which probes' settings changed (compare the section objects). */
json_object *config_to_json(const Config *c);
json_object *config_section_to_json(const Config *c, const char *section);

const char *bluetooth_attach_to_string(BluetoothAttach a);
