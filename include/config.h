/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hwctl.conf and its drop-ins: parsed settings with their defaults, and every problem found. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <stddef.h>

#include <json-c/json.h>

#include "cleanup.h"

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

typedef struct Config Config;
typedef struct ProbeOps ProbeOps;

/* ---- A section, as the probe that owns it declares it ---- */

/* Parses a non-empty value into *field. -EINVAL with an optional *ret_detail (allocated) when
 * the value is bad, -ENOMEM. */
typedef int (*ConfigParser)(const char *value, void *field, char **ret_detail);

typedef enum ConfigFieldKind {
        CONFIG_FIELD_SCALAR, /* plain bytes, copied to reset */
        CONFIG_FIELD_STRING, /* char * */
        CONFIG_FIELD_STRV,   /* char ** */
} ConfigFieldKind;

/* One key of a section: where its value lives in the section's struct and how it is read. */
typedef struct ConfigSetting {
        const char *key;
        ConfigParser parse;
        ConfigFieldKind kind;
        size_t offset, size;
        const char *expected; /* what a good value looks like, for the problem message */
} ConfigSetting;

/* CONFIG_FIELD(Type, member) for a ConfigSetting's offset and size. */
#define CONFIG_FIELD(type, member) offsetof(type, member), sizeof(((type *)NULL)->member)
/* A setting that writes two adjacent members (first..last), so its reset copies both. */
#define CONFIG_FIELD_RANGE(type, first, last)                                                      \
        offsetof(type, first),                                                                     \
                offsetof(type, last) + sizeof(((type *)NULL)->last) - offsetof(type, first)

/* A probe's section of hwctl.conf: the probe owns its struct, defaults, keys, JSON form and
 * free. Every probe section also has Enable= (a boolean, default yes), which the config core
 * keeps itself, so a probe's struct does not carry it. */
typedef struct ConfigSection {
        const char *name; /* "Bluetooth", as written in hwctl.conf */
        size_t size;      /* of the section's struct */
        /* Fills a zeroed struct with the defaults; may allocate; -ENOMEM. NULL: all zero. */
        int (*init)(void *section);
        /* Frees what init() and the parsers allocated, not the struct itself. NULL: nothing. */
        void (*done)(void *section);
        const ConfigSetting *settings; /* terminated by an entry with key NULL */
        size_t n_settings;
        /* Adds the keys (as in hwctl.conf) with their effective values; false on -ENOMEM. */
        bool (*to_json)(const void *section, json_object *o);
} ConfigSection;

/* Defaults only, for the probes of table (NULL-terminated, normally probe_table). */
int config_new_default(const ProbeOps *const *table, Config **ret);

/* Reads <sysroot>/etc/hwctl/hwctl.conf (or main_file when given, taken as is, without the
 * sysroot) and then hwctl.conf.d/\*.conf drop-ins from <sysroot>/usr/lib/hwctl,
 * <sysroot>/run/hwctl and <sysroot>/etc/hwctl, sorted by file name, a name in a later
 * directory masking the same name in an earlier one. Bad settings are recorded in
 * problems and keep their default; only -ENOMEM is an error. */
int config_load(const ProbeOps *const *table, const char *sysroot, const char *main_file,
                Config **ret);

/* A Config is shared by the daemon and the runs that started under it: reference-counted, and
 * immutable once loaded (so the const pointers probes hold stay valid while they hold a ref). */
Config *config_ref(const Config *c);
Config *config_unref(const Config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Config *, config_unref)

/* [Daemon] */
char *const *config_daemon_probes(const Config *c);    /* Probes=: NULL means all */
uint64_t config_daemon_probe_timeout(const Config *c); /* ProbeTimeoutSec=: 0 means each own */
/* The files read, in order; the problems found. */
char *const *config_files(const Config *c);
size_t config_n_problems(const Config *c);
const ConfigProblem *config_problem(const Config *c, size_t i);

/* The probe's section data (the struct its ConfigSection describes), or NULL when the probe has
 * no section or this config was made for a table without it. */
const void *config_probe_settings(const Config *c, const ProbeOps *probe);
/* The section's Enable=; true for a probe without a section. */
bool config_probe_enabled(const Config *c, const ProbeOps *probe);
/* "Bluetooth" for the bluetooth probe (as c has it, else as the probe declares it); NULL for a
 * probe that has no section. */
const char *config_section_name(const Config *c, const ProbeOps *probe);

/* One JSON object per section, for `hwctl plan`, for the status details, and so SIGHUP can
 * tell which probes' settings changed (compare the section objects). */
json_object *config_to_json(const Config *c);
json_object *config_section_to_json(const Config *c, const char *section);

/* Limits, problems, single assignments, and the value syntax shared with check-config. */

/* Files larger than this are not parsed (a CONFIG_ERROR at line 0). */
#define CONFIG_FILE_SIZE_MAX ((size_t)1024 * 1024)
/* Problems recorded per file; past this one summary problem counts the rest. */
#define CONFIG_FILE_PROBLEMS_MAX 50U

const char *config_severity_to_string(ConfigSeverity s); /* "warning", "error" */

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
/* "01:23:45:67:89:AB" (either case) into bytes, most significant first. All zeros and all ones
 * are refused (-ERANGE): no controller can use them. */
int config_parse_bdaddr(const char *s, uint8_t ret[6]);
/* A Linux interface name: 1..15 bytes, not "." or "..", no '/', ':' or white space. */
bool config_ifname_is_valid(const char *s);

/* Field parsers for the probes' setting tables (ConfigParser). */
int config_parse_enable_field(const char *value, void *field, char **ret_detail);   /* bool */
int config_parse_timespan_field(const char *value, void *field, char **ret_detail); /* uint64 */
/* char *: an absolute path without . or .. components, normalised. */
int config_parse_path_field(const char *value, void *field, char **ret_detail);
int config_parse_string_field(const char *value, void *field, char **ret_detail); /* char * */
/* char **: absolute, normalised paths; interface names. Repeats are dropped. */
int config_parse_paths_field(const char *value, void *field, char **ret_detail);
int config_parse_ifnames_field(const char *value, void *field, char **ret_detail);
/* An absolute path without "." or ".." components, repeated and trailing slashes dropped. */
int config_path_normalize(const char *s, char **ret);
/* A decimal number of at most max; -EINVAL, -ERANGE. */
int config_parse_decimal_max(const char *s, uint64_t max, uint64_t *ret);

#define CONFIG_EXPECT_BOOL    "a boolean (yes/no, true/false, on/off, 1/0)"
#define CONFIG_EXPECT_TIME    "a time span such as 15, 15s, 500ms, 2min or 1min 30s"
#define CONFIG_EXPECT_IFNAMES "interface names of 1..15 characters without '/', ':' or white space"

/* For the sections' to_json(): each takes value's reference and returns false when value is NULL
 * (no memory). */
bool config_json_add(json_object *o, const char *key, json_object *value);
bool config_json_add_strv(json_object *o, const char *key, char *const *l);
/* JSON null for NULL. */
bool config_json_add_string_or_null(json_object *o, const char *key, const char *s);
/* "<Name>USec": the exact value; "<Name>Sec": the same as hwctl.conf would write it. */
bool config_json_add_timespan(json_object *o, const char *name, uint64_t usec);
