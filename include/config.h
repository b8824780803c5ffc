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
        BLUETOOTH_ATTACH_OFF, /* leave the controller alone */
        _BLUETOOTH_ATTACH_MAX,
} BluetoothAttach;

typedef enum BluetoothFlowControl {
        BLUETOOTH_FLOW_CONTROL_AUTO, /* from the board's wiring */
        BLUETOOTH_FLOW_CONTROL_YES,
        BLUETOOTH_FLOW_CONTROL_NO,
        _BLUETOOTH_FLOW_CONTROL_MAX,
} BluetoothFlowControl;

typedef enum ConfigSeverity {
        CONFIG_WARNING, /* unknown section or key: ignored */
        CONFIG_ERROR,   /* unparsable line or invalid value: the default is kept */
        _CONFIG_SEVERITY_MAX,
} ConfigSeverity;

typedef struct ConfigProblem {
        char *file;
        unsigned line; /* 0 when about the file as a whole */
        ConfigSeverity severity;
        char *message;
} ConfigProblem;

typedef struct Config {
        struct {
                char **probes;               /* Probes=: only these run; NULL means all */
                uint64_t probe_timeout_usec; /* ProbeTimeoutSec=: 0 means each probe's own */
        } daemon;
        struct {
                bool enabled;
                char *mount;              /* Mount=, default "/" */
                uint64_t reserve_bytes;   /* Reserve= as a size */
                unsigned reserve_percent; /* Reserve= as a percentage */
        } rootfs;
        struct {
                bool enabled;
        } gpio;
        struct {
                bool enabled;
                char *card;              /* Card=, NULL means choose */
                unsigned volume_percent; /* Volume=, default 80 */
        } audio;
        struct {
                bool enabled;
                BluetoothAttach attach;       /* Attach=auto|kernel|userspace|off */
                char *device;                 /* Device=, the tty; NULL means from the board */
                uint32_t baud;                /* Baud=, 0 means from the board */
                BluetoothFlowControl flow_control; /* FlowControl=auto|yes|no */
                bool address_set;             /* Address= given */
                uint8_t address[6];           /* Address=, most significant byte first */
                char **firmware_dirs;         /* FirmwareDirs= */
                uint64_t kernel_timeout_usec; /* KernelTimeoutSec=, default 15 s */
        } bluetooth;
        struct {
                bool enabled;
                char **uplinks;             /* Uplinks= */
                char **prefer;              /* Prefer=, default "wired wireless" */
                uint64_t ipv4_timeout_usec; /* IPv4TimeoutSec=, default 30 s */
        } network;

        char **files; /* the files read, in order */
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
const char *bluetooth_flow_control_to_string(BluetoothFlowControl f);

/* "Bluetooth" for "bluetooth"; NULL for a name that has no section. */
const char *config_section_for_probe(const char *probe);
/* The section's Enable=; true for a probe without a section. */
bool config_probe_enabled(const Config *c, const char *probe);

/* Limits, problems, single assignments, and the value syntax shared with check-config. */

/* Files larger than this are not parsed (a CONFIG_ERROR at line 0). */
#define CONFIG_FILE_SIZE_MAX ((size_t)1024 * 1024)
/* Problems recorded per file; past this one summary problem counts the rest. */
#define CONFIG_FILE_PROBLEMS_MAX 50U

/* The probe names Probes= accepts, NULL-terminated. */
extern const char *const config_probe_names[];

const char *config_severity_to_string(ConfigSeverity s); /* "warning", "error" */
int bluetooth_attach_from_string(const char *s);         /* the enum value, or -EINVAL */
int bluetooth_flow_control_from_string(const char *s);   /* auto, yes/no (any boolean) */
/* "01:23:45:67:89:AB" (either case) into bytes, most significant first. All zeros and all ones
 * are refused: no controller can use them. */
int config_parse_bdaddr(const char *s, uint8_t ret[6]);

/* Applies one assignment as a line in hwctl.conf would: an empty value resets the setting to its
 * default, a bad value leaves it as it was. Returns 0, -ENOENT for an unknown section or key,
 * -EINVAL for a bad value (with *ret_reason, when given, saying what was expected), -ENOMEM. */
int config_set(Config *c, const char *section, const char *key, const char *value,
               char **ret_reason);

/* "file:line: message", or "file: message" when the problem is about the whole file. */
char *config_problem_to_string(const ConfigProblem *p);
bool config_has_errors(const Config *c);

/* Value syntax, shared with check-config and the tests. Each returns -EINVAL for a malformed
 * value, -ERANGE for one that does not fit, and writes ret_* only on success. */
int config_parse_boolean(const char *s); /* 1 or 0 */
/* "15", "15s", "500ms", "2min", "1min 30s", "1.5h": a number without unit is seconds. */
int config_parse_timespan(const char *s, uint64_t *ret_usec);
/* "4096", "4096B", "512M", "1.5G", "2TiB": base 1024. */
int config_parse_size(const char *s, uint64_t *ret_bytes);
/* The inverse of the two above, in a form they read back exactly: "1min 30s", "0", "512M". */
char *config_format_timespan(uint64_t usec);
char *config_format_size(uint64_t bytes);
/* A Linux interface name: 1..15 bytes, not "." or "..", no '/', ':' or white space. */
bool config_ifname_is_valid(const char *s);
