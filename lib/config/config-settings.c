/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Config itself: [Daemon], the probes' sections with their defaults and Enable=, and how one
 * assignment is applied, reset or refused. The probes' own keys live with the probes. */
#include <assert.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#include "config-private.h"
#include "util.h"

/* A later assignment replaces an earlier one. Lists behave as systemd's do: the first assignment
 * since the load replaces the default, later ones append (dropping repeats), and an empty one
 * resets the list to its default, so the next one replaces that again. */

static void section_data_free(ConfigSectionData *d)
{
        if (!d->data)
                return;
        if (d->section->done)
                d->section->done(d->data);
        free(d->data);
        d->data = NULL;
}

/* A zeroed struct of the section's size with its defaults. */
static int section_data_new(const ConfigSection *s, void **ret)
{
        void *data = calloc(1, s->size ? s->size : 1);
        int r;

        if (!data)
                return -ENOMEM;
        if (s->init) {
                r = s->init(data);
                if (r < 0) {
                        if (s->done)
                                s->done(data);
                        free(data);
                        return r;
                }
        }
        *ret = data;
        return 0;
}

int config_new_default(const ProbeOps *const *table, Config **ret)
{
        _cleanup_(config_unrefp) Config *c = calloc(1, sizeof(Config));
        size_t n = 0;
        int r;

        assert(table);
        if (!c)
                return -ENOMEM;
        c->n_ref = 1;
        c->table = table;
        for (size_t i = 0; table[i]; i++)
                n += table[i]->config != NULL;
        c->sections = calloc(n ? n : 1, sizeof(ConfigSectionData));
        if (!c->sections)
                return -ENOMEM;
        for (size_t i = 0; table[i]; i++) {
                ConfigSectionData *d;

                if (!table[i]->config)
                        continue;
                d = &c->sections[c->n_sections++];
                d->probe = table[i];
                d->section = table[i]->config;
                d->enabled = true;
                r = section_data_new(d->section, &d->data);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(c);
        return 0;
}

Config *config_ref(const Config *c)
{
        Config *m = (Config *)c; /* the count is the one mutable part of a loaded Config */

        if (m)
                m->n_ref++;
        return m;
}

Config *config_unref(const Config *c)
{
        Config *m = (Config *)c;

        if (!m || --m->n_ref > 0)
                return NULL;
        strv_free(m->daemon.probes);
        for (size_t i = 0; i < m->n_sections; i++)
                section_data_free(&m->sections[i]);
        free(m->sections);
        strv_free(m->files);
        for (size_t i = 0; i < m->n_problems; i++) {
                free(m->problems[i].file);
                free(m->problems[i].message);
        }
        free(m->problems);
        free(m);
        return NULL;
}

char *const *config_daemon_probes(const Config *c)
{
        return c ? c->daemon.probes : NULL;
}

uint64_t config_daemon_probe_timeout(const Config *c)
{
        return c ? c->daemon.probe_timeout_usec : 0;
}

char *const *config_files(const Config *c)
{
        return c ? c->files : NULL;
}

size_t config_n_problems(const Config *c)
{
        return c ? c->n_problems : 0;
}

const ConfigProblem *config_problem(const Config *c, size_t i)
{
        return c && i < c->n_problems ? &c->problems[i] : NULL;
}

ConfigSectionData *config_find_section(const Config *c, const char *name)
{
        for (size_t i = 0; c && name && i < c->n_sections; i++)
                if (streq(c->sections[i].section->name, name))
                        return &c->sections[i];
        return NULL;
}

static const ConfigSectionData *section_of_probe(const Config *c, const ProbeOps *probe)
{
        for (size_t i = 0; c && probe && i < c->n_sections; i++)
                if (c->sections[i].probe == probe || streq(c->sections[i].probe->name, probe->name))
                        return &c->sections[i];
        return NULL;
}

const void *config_probe_settings(const Config *c, const ProbeOps *probe)
{
        const ConfigSectionData *d = section_of_probe(c, probe);
        return d ? d->data : NULL;
}

bool config_probe_enabled(const Config *c, const ProbeOps *probe)
{
        const ConfigSectionData *d = section_of_probe(c, probe);
        return d ? d->enabled : true;
}

const char *config_section_name(const Config *c, const ProbeOps *probe)
{
        const ConfigSectionData *d = section_of_probe(c, probe);

        if (d)
                return d->section->name;
        return probe && probe->config ? probe->config->name : NULL;
}

/* ---- Field parsers the sections share ---- */

int config_parse_enable_field(const char *value, void *field, char **ret_detail)
{
        int b = config_parse_boolean(value);
        if (b < 0)
                return b;
        *(bool *)field = b;
        return 0;
}

int config_parse_timespan_field(const char *value, void *field, char **ret_detail)
{
        uint64_t usec;
        int r = config_parse_timespan(value, &usec);
        if (r == -ERANGE)
                *ret_detail = strdup("too large");
        if (r < 0)
                return r == -ERANGE ? -EINVAL : r;
        *(uint64_t *)field = usec;
        return 0;
}

int config_path_normalize(const char *s, char **ret)
{
        _cleanup_free_ char *out = NULL;
        size_t n = 0;

        if (s[0] != '/' || strlen(s) >= PATH_MAX)
                return -EINVAL;
        out = malloc(strlen(s) + 1);
        if (!out)
                return -ENOMEM;
        for (const char *p = s; *p;) {
                size_t k;
                p += strspn(p, "/");
                k = strcspn(p, "/");
                if (k == 0)
                        break;
                if ((k == 1 && p[0] == '.') || (k == 2 && p[0] == '.' && p[1] == '.'))
                        return -EINVAL;
                out[n++] = '/';
                memcpy(out + n, p, k);
                n += k;
                p += k;
        }
        if (n == 0)
                out[n++] = '/';
        out[n] = 0;
        *ret = TAKE_PTR(out);
        return 0;
}

int config_parse_path_field(const char *value, void *field, char **ret_detail)
{
        char *path;
        int r = config_path_normalize(value, &path);
        if (r < 0)
                return r;
        free(*(char **)field);
        *(char **)field = path;
        return 0;
}

int config_parse_string_field(const char *value, void *field, char **ret_detail)
{
        char *s = strdup(value);
        if (!s)
                return -ENOMEM;
        free(*(char **)field);
        *(char **)field = s;
        return 0;
}

int config_parse_decimal_max(const char *s, uint64_t max, uint64_t *ret)
{
        uint64_t v = 0;

        if (!*s)
                return -EINVAL;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                v = v * 10 + (uint64_t)(*s - '0');
                if (v > max)
                        return -ERANGE;
        }
        *ret = v;
        return 0;
}

/* Splits a list, checks each word with check(), drops repeats, and replaces *field (config_set()
 * hands a fresh field and does the appending). */
static int parse_list(const char *value, char ***field, int (*check)(const char *word, char **ret),
                      const char *what, char **ret_detail)
{
        _cleanup_strv_free_ char **words = NULL, **out = NULL;
        int r;

        r = strv_split_whitespace(value, &words);
        if (r < 0)
                return r;
        STRV_FOREACH (w, words) {
                char *item = NULL;
                r = check(*w, &item);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        *ret_detail = strdup_printf("'%s' is not %s", *w, what);
                        return -EINVAL;
                }
                if (strv_contains(out, item)) {
                        free(item);
                        continue;
                }
                r = strv_push(&out, item);
                if (r < 0)
                        return -ENOMEM;
        }
        if (!out)
                return -EINVAL; /* only white space: inih strips it, so not reached */
        strv_free(*field);
        *field = TAKE_PTR(out);
        return 0;
}

static int check_ifname(const char *word, char **ret)
{
        if (!config_ifname_is_valid(word))
                return -EINVAL;
        *ret = strdup(word);
        return *ret ? 0 : -ENOMEM;
}

int config_parse_paths_field(const char *value, void *field, char **ret_detail)
{
        return parse_list(value, field, config_path_normalize, "an absolute, normalized path",
                          ret_detail);
}

int config_parse_ifnames_field(const char *value, void *field, char **ret_detail)
{
        return parse_list(value, field, check_ifname, "a valid interface name", ret_detail);
}

/* ---- [Daemon] ---- */

static int check_word(const char *word, char **ret)
{
        *ret = strdup(word);
        return *ret ? 0 : -ENOMEM;
}

/* The words only: which names are probes depends on the config's table, which config_set()
 * checks them against before the list replaces the old one. */
static int parse_probes(const char *value, void *field, char **ret_detail)
{
        return parse_list(value, field, check_word, "a probe name", ret_detail);
}

static int set_probes(const Config *c, const char *value, char ***field, char **ret_detail)
{
        _cleanup_strv_free_ char **names = NULL;
        int r = parse_probes(value, &names, ret_detail);

        if (r < 0)
                return r;
        STRV_FOREACH (n, names) {
                bool known = false;
                for (size_t i = 0; c->table[i] && !known; i++)
                        known = streq(*n, c->table[i]->name);
                if (!known) {
                        *ret_detail = strdup_printf("'%s' is not a probe name", *n);
                        return -EINVAL;
                }
        }
        strv_free(*field);
        *field = TAKE_PTR(names);
        return 0;
}

typedef typeof(((Config *)NULL)->daemon) ConfigDaemon;

static const ConfigSetting daemon_settings[] = {
        {"Probes", parse_probes, CONFIG_FIELD_STRV, CONFIG_FIELD(ConfigDaemon, probes), NULL},
        {"ProbeTimeoutSec", config_parse_timespan_field, CONFIG_FIELD_SCALAR,
         CONFIG_FIELD(ConfigDaemon, probe_timeout_usec), CONFIG_EXPECT_TIME},
        {},
};

/* Here rather than in lib/core, since Probes= needs it and the config core is below the runner. */
char *probe_table_names(const ProbeOps *const *table)
{
        size_t n = 1;
        char *s, *p;

        for (size_t i = 0; table[i]; i++)
                n += strlen(table[i]->name) + 1;
        s = p = malloc(n);
        if (!s)
                return NULL;
        *p = 0;
        for (size_t i = 0; table[i]; i++)
                p += sprintf(p, "%s%s", i ? " " : "", table[i]->name);
        return s;
}

/* "probe names from: rootfs gpio ..." */
static char *probes_expected(const Config *c)
{
        _cleanup_free_ char *names = probe_table_names(c->table);
        return names ? strdup_printf("probe names from: %s", names) : NULL;
}

static const ConfigSetting enable_setting = {
        "Enable",     config_parse_enable_field, CONFIG_FIELD_SCALAR, 0,
        sizeof(bool), CONFIG_EXPECT_BOOL,
};

/* ---- One assignment ---- */

static const ConfigSetting *setting_in(const ConfigSetting *table, const char *key)
{
        for (; table && table->key; table++)
                if (streq(table->key, key))
                        return table;
        return NULL;
}

/* The setting's bit in ConfigSectionData.assigned; tables are far shorter than 64 keys. */
static uint64_t setting_bit(const ConfigSetting *table, const ConfigSetting *s)
{
        size_t i = (size_t)(s - table);

        assert(i < 64);
        return UINT64_C(1) << i;
}

/* A list assignment: parsed on its own, then replacing the list (the first since the load or a
 * reset) or appended to it, repeats dropped. A bad value changes nothing. */
static int set_list(const Config *c, const ConfigSetting *s, const char *value, char ***field,
                    bool append, char **ret_detail)
{
        _cleanup_strv_free_ char **items = NULL;
        int r;

        if (s->parse == parse_probes)
                r = set_probes(c, value, &items, ret_detail);
        else
                r = s->parse(value, &items, ret_detail);
        if (r < 0)
                return r;
        if (!append) {
                strv_free(*field);
                *field = TAKE_PTR(items);
                return 0;
        }
        STRV_FOREACH (i, items) {
                if (strv_contains(*field, *i))
                        continue;
                r = strv_extend(field, *i);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Copies the default of one field over the current value. */
static int field_reset(const ConfigSetting *s, void *field, const void *def)
{
        switch (s->kind) {
        case CONFIG_FIELD_SCALAR:
                memcpy(field, def, s->size);
                return 0;
        case CONFIG_FIELD_STRING: {
                char *copy = NULL;
                if (*(char *const *)def) {
                        copy = strdup(*(char *const *)def);
                        if (!copy)
                                return -ENOMEM;
                }
                free(*(char **)field);
                *(char **)field = copy;
                return 0;
        }
        case CONFIG_FIELD_STRV: {
                char **copy = NULL;
                if (*(char **const *)def) {
                        copy = strv_copy(*(char **const *)def);
                        if (!copy)
                                return -ENOMEM;
                }
                strv_free(*(char ***)field);
                *(char ***)field = copy;
                return 0;
        }
        }
        return -EINVAL;
}

static int setting_reset(const ConfigSetting *s, const ConfigSection *section, void *data)
{
        void *def = NULL;
        int r;

        if (!section) { /* [Daemon]: every default is zero */
                static const ConfigDaemon zero = {};
                return field_reset(s, (char *)data + s->offset, (const char *)&zero + s->offset);
        }
        r = section_data_new(section, &def);
        if (r < 0)
                return r;
        r = field_reset(s, (char *)data + s->offset, (char *)def + s->offset);
        if (section->done)
                section->done(def);
        free(def);
        return r;
}

int config_set(Config *c, const char *section, const char *key, const char *value,
               char **ret_reason)
{
        _cleanup_free_ char *detail = NULL, *expected_buf = NULL;
        const ConfigSection *sec = NULL;
        const ConfigSetting *s = NULL, *table = NULL;
        uint64_t *assigned = NULL;
        const char *expected;
        void *data = NULL;
        int r;

        assert(c);
        if (!section || !key)
                return -ENOENT;
        if (streq(section, "Daemon")) {
                s = setting_in(table = daemon_settings, key);
                data = &c->daemon;
                assigned = &c->daemon_assigned;
        } else {
                ConfigSectionData *d = config_find_section(c, section);
                if (!d)
                        return -ENOENT;
                if (streq(key, "Enable")) {
                        if (isempty(value)) {
                                d->enabled = true;
                                return 0;
                        }
                        s = &enable_setting;
                        data = &d->enabled;
                } else {
                        s = setting_in(table = d->section->settings, key);
                        data = d->data;
                        sec = d->section;
                        assigned = &d->assigned;
                }
        }
        if (!s)
                return -ENOENT;
        if (isempty(value)) {
                if (assigned)
                        *assigned &= ~setting_bit(table, s);
                return setting_reset(s, sec, data);
        }

        if (s->kind == CONFIG_FIELD_STRV) {
                r = set_list(c, s, value, (char ***)((char *)data + s->offset),
                             assigned && (*assigned & setting_bit(table, s)), &detail);
                if (r >= 0 && assigned)
                        *assigned |= setting_bit(table, s);
        } else
                r = s->parse(value, (char *)data + s->offset, &detail);
        if (r == -EINVAL && ret_reason) {
                expected = s->expected;
                if (!expected) {
                        expected = expected_buf = probes_expected(c);
                        if (!expected)
                                return -ENOMEM;
                }
                char *reason = strdup_printf("%s%sexpected %s", strempty(detail),
                                             detail ? ", " : "", expected);
                if (!reason)
                        return -ENOMEM;
                *ret_reason = reason;
        }
        return r;
}
