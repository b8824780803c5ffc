/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the config tests share: temporary sysroots with files in them, loading, and looking at
 * the problems and the effective values. */
#pragma once
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "audio.h"
#include "bt-settings.h"
#include "config.h"
#include "dt-fs-writer.h"
#include "network-settings.h"
#include "probe.h"
#include "rootfs-settings.h"
#include "test-util.h"
#include "util.h"

/* Each probe owns its section: the parsed values are its struct. */
extern const ProbeOps probe_rootfs, probe_gpio, probe_audio, probe_bluetooth, probe_network;
#define ROOTFS(c)    ((const RootfsSettings *)config_probe_settings(c, &probe_rootfs))
#define AUDIO(c)     ((const AudioSettings *)config_probe_settings(c, &probe_audio))
#define BLUETOOTH(c) ((const BluetoothSettings *)config_probe_settings(c, &probe_bluetooth))
#define NETWORK(c)   ((const NetworkSettings *)config_probe_settings(c, &probe_network))

#define MAIN  "etc/hwctl/hwctl.conf"
#define ETC_D "etc/hwctl/hwctl.conf.d/"
#define RUN_D "run/hwctl/hwctl.conf.d/"
#define LIB_D "usr/lib/hwctl/hwctl.conf.d/"

/* ---- Helpers ---- */

/* A temporary system root, removed with everything in it (tests/unit/dt-fs-writer.c). */
static inline char *sysroot_new(void)
{
        return dt_fs_sysroot_new("config");
}
#define _cleanup_sysroot_ _cleanup_(dt_fs_sysroot_freep)

static inline char *path_in(const char *root, const char *rel)
{
        char *p = strdup_printf("%s/%s", root, rel);
        if (!p)
                exit(EXIT_FAILURE);
        return p;
}

static inline void write_bytes(const char *root, const char *rel, const void *data, size_t size)
{
        _cleanup_free_ char *p = path_in(root, rel);
        _cleanup_close_ int fd = -EBADF;

        if (mkdir_parents(p, 0755) < 0)
                exit(EXIT_FAILURE);
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
                perror(p);
                exit(EXIT_FAILURE);
        }
}

static inline void write_text(const char *root, const char *rel, const char *text)
{
        write_bytes(root, rel, text, strlen(text));
}

static inline void make_symlink(const char *root, const char *rel, const char *target)
{
        _cleanup_free_ char *p = path_in(root, rel);
        if (mkdir_parents(p, 0755) < 0 || symlink(target, p) < 0) {
                perror(p);
                exit(EXIT_FAILURE);
        }
}

static inline void make_dir(const char *root, const char *rel)
{
        _cleanup_free_ char *p = path_in(root, rel);
        if (mkdir_parents(p, 0755) < 0 || mkdir(p, 0755) < 0) {
                perror(p);
                exit(EXIT_FAILURE);
        }
}

static inline Config *load(const char *root, const char *main_file)
{
        Config *c = NULL;
        int r = config_load(probe_table, root, main_file, &c);
        if (r < 0 || !c) {
                fprintf(stderr, "config_load() failed: %s\n", strerror(-r));
                exit(EXIT_FAILURE);
        }
        return c;
}

static inline void dump_problems(const Config *c)
{
        for (size_t i = 0; i < config_n_problems(c); i++) {
                _cleanup_free_ char *s = config_problem_to_string(config_problem(c, i));
                fprintf(stderr, "    problem: %s (%s)\n", strna(s),
                        config_severity_to_string((*config_problem(c, i)).severity));
        }
}

/* The only problem recorded, checked for file, line and severity; NULL (and a failure) if not. */
static inline const ConfigProblem *only_problem(const Config *c, const char *file, unsigned line,
                                                ConfigSeverity severity)
{
        if (config_n_problems(c) != 1) {
                TEST_FAIL("expected 1 problem at %s:%u, got %zu", file, line, config_n_problems(c));
                dump_problems(c);
                return NULL;
        }
        ASSERT_STR_EQ((*config_problem(c, 0)).file, file);
        ASSERT_INT_EQ((*config_problem(c, 0)).line, line);
        ASSERT_INT_EQ((*config_problem(c, 0)).severity, severity);
        return config_problem(c, 0);
}

static inline const ConfigProblem *find_problem(const Config *c, const char *file, unsigned line)
{
        for (size_t i = 0; i < config_n_problems(c); i++)
                if (streq((*config_problem(c, i)).file, file) &&
                    (*config_problem(c, i)).line == line)
                        return config_problem(c, i);
        return NULL;
}

static inline void assert_no_problems(const Config *c)
{
        if (config_n_problems(c) != 0) {
                TEST_FAIL("expected no problems, got %zu", config_n_problems(c));
                dump_problems(c);
        }
}

/* JSON text of one setting, e.g. field_json(c, "Audio", "Volume") -> "55". */
static inline char *field_json(const Config *c, const char *section, const char *key)
{
        json_object *o = config_section_to_json(c, section), *v = NULL;
        char *s = NULL;

        if (o && json_object_object_get_ex(o, key, &v))
                s = strdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
        else
                s = strdup("<missing>");
        json_object_put(o);
        return s;
}

/* Whether a section's effective values equal the defaults'. */
static inline bool section_is_default(const Config *c, const char *section)
{
        _cleanup_(config_unrefp) Config *d = NULL;
        json_object *a, *b;
        bool eq;

        if (config_new_default(probe_table, &d) < 0)
                exit(EXIT_FAILURE);
        a = config_section_to_json(c, section);
        b = config_section_to_json(d, section);
        eq = a && b && json_object_equal(a, b);
        json_object_put(a);
        json_object_put(b);
        return eq;
}

static inline bool config_is_default(const Config *c)
{
        static const char *const sections[] = {"Daemon", "RootFS",    "GPIO",
                                               "Audio",  "Bluetooth", "Network"};
        for (size_t i = 0; i < ELEMENTSOF(sections); i++)
                if (!section_is_default(c, sections[i]))
                        return false;
        return true;
}

/* ---- Defaults ---- */
