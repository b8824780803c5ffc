/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loads hwctl.conf and its drop-ins in systemd's order, recording every problem with its line. */
#include <dirent.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "config-private.h"
#include "util.h"

/*
 * inih does the tokenising; everything it would get wrong or silently accept is caught first, in
 * our line reader, which hands inih one physical line per call (so inih's line count is ours):
 *  - a line longer than inih's buffer would be split into two lines, the tail read as a line
 *    of its own; we reject the whole line instead;
 *  - an indented line after an assignment would be a continuation of it; we strip indentation;
 *  - syntax errors (no '=', broken section header) are only reported by inih as "the first
 *    bad line"; we report each one;
 *  - "Key:Value" would be an assignment; we require '=' and a plain key name;
 *  - NUL bytes, control characters and invalid UTF-8 would reach values; we reject the line.
 * inih's inline comments (" ; comment" after a value) are kept: they are part of its syntax.
 */

#define MAIN_FILE     "/etc/hwctl/hwctl.conf"
#define DROPIN_SUBDIR "hwctl.conf.d"
#define DROPIN_SUFFIX ".conf"

static const char *const dropin_dirs[] = {"/usr/lib/hwctl", "/run/hwctl", "/etc/hwctl"};

const char *config_severity_to_string(ConfigSeverity s)
{
        static const char *const table[_CONFIG_SEVERITY_MAX] = {
                [CONFIG_WARNING] = "warning",
                [CONFIG_ERROR] = "error",
        };
        if ((unsigned)s >= _CONFIG_SEVERITY_MAX)
                return NULL;
        return table[s];
}

char *config_problem_to_string(const ConfigProblem *p)
{
        if (p->line == 0)
                return strdup_printf("%s: %s", p->file, p->message);
        return strdup_printf("%s:%u: %s", p->file, p->line, p->message);
}

bool config_has_errors(const Config *c)
{
        for (size_t i = 0; c && i < c->n_problems; i++)
                if (c->problems[i].severity == CONFIG_ERROR)
                        return true;
        return false;
}

/* ---- Loading ---- */

typedef struct ConfigLoader {
        Config *config;
        int error; /* -ENOMEM once an allocation failed; everything else is a problem */

        /* The file being parsed. */
        const char *path;
        const char *data;
        size_t size, pos;
        unsigned line;
        bool in_broken_section; /* after a bad section header: skip until the next one */
        unsigned n_file_problems, n_suppressed;
        bool suppressed_error;
} ConfigLoader;

static void problem_addv(ConfigLoader *l, const char *path, unsigned line, ConfigSeverity severity,
                         const char *fmt, va_list ap)
{
        _cleanup_free_ char *file = NULL, *message = NULL;
        ConfigProblem *p;

        if (l->error < 0)
                return;
        if (line > 0 && l->n_file_problems >= CONFIG_FILE_PROBLEMS_MAX) {
                l->n_suppressed++;
                l->suppressed_error |= severity == CONFIG_ERROR;
                return;
        }
        file = strdup(path);
        if (vasprintf(&message, fmt, ap) < 0)
                message = NULL;
        p = reallocarray(l->config->problems, l->config->n_problems + 1, sizeof(ConfigProblem));
        if (!file || !message || !p) {
                if (p)
                        l->config->problems = p;
                l->error = -ENOMEM;
                return;
        }
        l->config->problems = p;
        p[l->config->n_problems++] = (ConfigProblem){
                .file = TAKE_PTR(file),
                .line = line,
                .severity = severity,
                .message = TAKE_PTR(message),
        };
        if (line > 0)
                l->n_file_problems++;
}

_printf_(5, 6) static void problem_add(ConfigLoader *l, const char *path, unsigned line,
                                       ConfigSeverity severity, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        problem_addv(l, path, line, severity, fmt, ap);
        va_end(ap);
}

/* A problem on the current line of the file being parsed. */
_printf_(3, 4) static void line_problem(ConfigLoader *l, ConfigSeverity severity, const char *fmt,
                                        ...)
{
        va_list ap;

        va_start(ap, fmt);
        problem_addv(l, l->path, l->line, severity, fmt, ap);
        va_end(ap);
}

static bool has_control_chars(const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (((unsigned char)s[i] < ' ' && s[i] != '\t') || s[i] == 0x7f)
                        return true;
        return false;
}

static bool is_key_char(char c)
{
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.';
}

/* Checks one physical line; returns whether inih should see it (trimmed to *p, *n). */
static bool loader_check_line(ConfigLoader *l, const char **p, size_t *n, size_t max)
{
        const char *s = *p;
        size_t len = *n;

        if (l->line == 1 && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
                s += 3, len -= 3;
        while (len > 0 && (s[0] == ' ' || s[0] == '\t'))
                s++, len--;
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
                len--;
        if (len == 0 || s[0] == '#' || s[0] == ';')
                return false;

        /* A rejected header leaves its keys without a section: don't give them to the last one. */
        if (s[0] == '[')
                l->in_broken_section = true;
        if (memchr(s, 0, len)) {
                line_problem(l, CONFIG_ERROR, "Line contains a NUL byte, ignoring");
                return false;
        }
        if (!utf8_is_valid_n(s, len)) {
                line_problem(l, CONFIG_ERROR, "Line is not valid UTF-8, ignoring");
                return false;
        }
        if (has_control_chars(s, len)) {
                line_problem(l, CONFIG_ERROR, "Line contains control characters, ignoring");
                return false;
        }
        if (len + 2 > max) { /* room for inih's '\n' and NUL */
                line_problem(l, CONFIG_ERROR, "Line is too long (%zu bytes, at most %zu), ignoring",
                             len, max - 2);
                return false;
        }

        if (s[0] == '[') {
                const char *close = memchr(s, ']', len);
                const char *rest = close ? close + 1 : NULL;
                size_t rest_len = close ? len - (size_t)(rest - s) : 0;

                while (rest_len > 0 && (*rest == ' ' || *rest == '\t'))
                        rest++, rest_len--;
                if (!close || close == s + 1 || memchr(s + 1, '[', (size_t)(close - s - 1)) ||
                    (rest_len > 0 && *rest != ';' && *rest != '#')) {
                        line_problem(l, CONFIG_ERROR,
                                     "Invalid section header '%.*s', ignoring the lines up to the "
                                     "next section",
                                     (int)len, s);
                        return false;
                }
                l->in_broken_section = false;
                *p = s;
                *n = (size_t)(close - s + 1); /* inih ignores what follows ']' anyway */
                return true;
        }

        const char *eq = memchr(s, '=', len);
        if (!eq) {
                line_problem(l, CONFIG_ERROR, "Missing '=' in '%.*s', ignoring", (int)len, s);
                return false;
        }
        size_t key_len = (size_t)(eq - s);
        while (key_len > 0 && (s[key_len - 1] == ' ' || s[key_len - 1] == '\t'))
                key_len--;
        if (key_len == 0) {
                line_problem(l, CONFIG_ERROR, "Missing key name before '=' in '%.*s', ignoring",
                             (int)len, s);
                return false;
        }
        for (size_t i = 0; i < key_len; i++)
                if (!is_key_char(s[i])) {
                        line_problem(l, CONFIG_ERROR, "Invalid key name '%.*s', ignoring",
                                     (int)key_len, s);
                        return false;
                }
        if (l->in_broken_section)
                return false;
        *p = s;
        *n = len;
        return true;
}

/* inih's fgets-like reader: one physical line per call, checked, with a '\n' appended. */
static char *loader_read_line(char *buf, int num, void *userdata)
{
        ConfigLoader *l = userdata;
        const char *line, *nl;
        size_t len;

        if (l->error < 0 || l->pos >= l->size || num < 3)
                return NULL;
        line = l->data + l->pos;
        nl = memchr(line, '\n', l->size - l->pos);
        len = nl ? (size_t)(nl - line) : l->size - l->pos;
        l->pos += len + (nl ? 1 : 0);
        l->line++;

        if (loader_check_line(l, &line, &len, (size_t)num)) {
                memcpy(buf, line, len);
                buf[len++] = '\n';
        } else
                len = 0;
        buf[len] = 0;
        return buf;
}

#if INI_HANDLER_LINENO
static int loader_handle(void *userdata, const char *section, const char *key, const char *value,
                         int lineno)
#else
static int loader_handle(void *userdata, const char *section, const char *key, const char *value)
#endif
{
        ConfigLoader *l = userdata;
        _cleanup_free_ char *reason = NULL;
        int r;

        if (l->error < 0)
                return 0;
        if (isempty(section)) {
                line_problem(l, CONFIG_WARNING,
                             "Assignment to '%s' outside of any section, ignoring", key);
                return 1;
        }
        r = config_set(l->config, section, key, value, &reason);
        if (r == -ENOMEM) {
                l->error = r;
                return 0;
        }
        if (r == -ENOENT)
                line_problem(l, CONFIG_WARNING, "Unknown key '%s' in section [%s], ignoring", key,
                             section);
        else if (r < 0)
                line_problem(l, CONFIG_ERROR,
                             "Invalid value '%s' for %s= in [%s]: %s; ignoring this assignment",
                             value, key, section, strna(reason));
        return 1;
}

/* Reads a regular file of at most CONFIG_FILE_SIZE_MAX bytes, without blocking on a FIFO. */
static int read_config_file(const char *path, char **ret, size_t *ret_size)
{
        return read_full_file(path, CONFIG_FILE_SIZE_MAX, ret, ret_size);
}

static void file_problem_errno(ConfigLoader *l, const char *path, int error)
{
        switch (error) {
        case -EISDIR:
                problem_add(l, path, 0, CONFIG_ERROR, "Is a directory, not a file; ignoring");
                break;
        case -EBADFD:
                problem_add(l, path, 0, CONFIG_ERROR, "Not a regular file, ignoring");
                break;
        case -EFBIG:
                problem_add(l, path, 0, CONFIG_ERROR, "File is larger than %zu KiB, ignoring",
                            CONFIG_FILE_SIZE_MAX / 1024);
                break;
        default:
                problem_add(l, path, 0, CONFIG_ERROR, "Cannot read file, ignoring: %s",
                            strerror(-error));
        }
}

static bool problem_recorded(const Config *c, const char *path, unsigned line)
{
        for (size_t i = c->n_problems; i > 0; i--)
                if (c->problems[i - 1].line == line && streq(c->problems[i - 1].file, path))
                        return true;
        return false;
}

static void loader_parse_file(ConfigLoader *l, const char *path)
{
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r;

        r = read_config_file(path, &data, &size);
        if (r == -ENOMEM) {
                l->error = r;
                return;
        }
        if (r < 0) {
                file_problem_errno(l, path, r);
                return;
        }
        if (strv_extend(&l->config->files, path) < 0) {
                l->error = -ENOMEM;
                return;
        }

        l->path = path;
        l->data = data;
        l->size = size;
        l->pos = 0;
        l->line = 0;
        l->in_broken_section = false;
        l->n_file_problems = l->n_suppressed = 0;
        l->suppressed_error = false;

        r = ini_parse_stream(loader_read_line, l, loader_handle, l);
        if (r == -2)
                l->error = -ENOMEM;
        else if (r > 0 && l->error == 0 && !problem_recorded(l->config, path, (unsigned)r))
                /* inih saw something our checks let through: still say where. */
                problem_add(l, path, (unsigned)r, CONFIG_ERROR, "Syntax error, ignoring the line");
        if (l->n_suppressed > 0)
                problem_add(l, path, 0, l->suppressed_error ? CONFIG_ERROR : CONFIG_WARNING,
                            "%u more problems in this file not listed", l->n_suppressed);
        l->path = l->data = NULL;
}

typedef enum FileKind {
        FILE_REGULAR,
        FILE_MASKED, /* a symlink to /dev/null, or /dev/null itself */
        FILE_OTHER,  /* a directory, FIFO, socket, device: never parsed */
} FileKind;

/* Returns a FileKind or -errno (-ENOENT for a missing file or dangling symlink). */
static int file_classify(int dir_fd, const char *name, mode_t *ret_mode)
{
        char target[sizeof("/dev/null")];
        struct stat st;
        ssize_t k;

        k = readlinkat(dir_fd, name, target, sizeof(target));
        if (k == (ssize_t)strlen("/dev/null") && memcmp(target, "/dev/null", (size_t)k) == 0)
                return FILE_MASKED;
        if (fstatat(dir_fd, name, &st, 0) < 0)
                return -errno;
        *ret_mode = st.st_mode;
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
                return FILE_MASKED;
        return S_ISREG(st.st_mode) ? FILE_REGULAR : FILE_OTHER;
}

static void kind_problem(ConfigLoader *l, const char *path, int kind, mode_t mode)
{
        if (kind < 0)
                file_problem_errno(l, path, kind);
        else if (kind == FILE_OTHER)
                file_problem_errno(l, path, S_ISDIR(mode) ? -EISDIR : -EBADFD);
}

static void loader_load_main(ConfigLoader *l, const char *sysroot, const char *main_file)
{
        _cleanup_free_ char *path = NULL;
        mode_t mode = 0;
        int kind;

        path = main_file ? strdup(main_file) : path_join_root(sysroot, MAIN_FILE);
        if (!path) {
                l->error = -ENOMEM;
                return;
        }
        kind = file_classify(AT_FDCWD, path, &mode);
        if (kind == -ENOENT && main_file)
                problem_add(l, path, 0, CONFIG_ERROR,
                            "The configuration file given does not exist, using the defaults");
        else if (kind == -ENOENT || kind == FILE_MASKED)
                return;
        else if (kind == FILE_REGULAR)
                loader_parse_file(l, path);
        else
                kind_problem(l, path, kind, mode);
}

typedef struct DropIn {
        char *name, *path;
        unsigned dir; /* index in dropin_dirs: later wins */
        int kind;     /* FileKind or -errno */
        mode_t mode;
} DropIn;

static int dropin_compare(const void *a, const void *b)
{
        const DropIn *x = a, *y = b;
        int c = strcmp(x->name, y->name);
        return c != 0 ? c : (x->dir > y->dir) - (x->dir < y->dir);
}

static bool dropin_name_ok(const char *name)
{
        size_t n = strlen(name), k = strlen(DROPIN_SUFFIX);
        /* Hidden files are editor and package manager leftovers, as for systemd. */
        return name[0] != '.' && n > k && streq(name + n - k, DROPIN_SUFFIX);
}

static int dropins_collect(ConfigLoader *l, const char *sysroot, unsigned index, DropIn **list,
                           size_t *n)
{
        _cleanup_free_ char *dir = NULL, *rel = NULL;
        DIR *d;
        int r = 0;

        rel = strdup_printf("%s/%s", dropin_dirs[index], DROPIN_SUBDIR);
        if (!rel)
                return -ENOMEM;
        dir = path_join_root(sysroot, rel);
        if (!dir)
                return -ENOMEM;
        d = opendir(dir);
        if (!d) {
                if (errno == ENOMEM)
                        return -ENOMEM;
                if (errno != ENOENT)
                        problem_add(l, dir, 0, CONFIG_ERROR,
                                    "Cannot read drop-in directory, ignoring: %s", strerror(errno));
                return 0;
        }
        for (struct dirent *de; (errno = 0, de = readdir(d));) {
                DropIn *grown, *e;

                if (!dropin_name_ok(de->d_name))
                        continue;
                grown = reallocarray(*list, *n + 1, sizeof(DropIn));
                if (!grown) {
                        r = -ENOMEM;
                        break;
                }
                *list = grown;
                e = &grown[*n];
                *e = (DropIn){.dir = index};
                e->name = strdup(de->d_name);
                e->path = strdup_printf("%s/%s", dir, de->d_name);
                if (!e->name || !e->path) {
                        free(e->name);
                        free(e->path);
                        r = -ENOMEM;
                        break;
                }
                e->kind = file_classify(dirfd(d), de->d_name, &e->mode);
                (*n)++;
        }
        if (r == 0 && errno != 0)
                problem_add(l, dir, 0, CONFIG_ERROR, "Cannot list drop-in directory: %s",
                            strerror(errno));
        closedir(d);
        return r;
}

static void loader_load_dropins(ConfigLoader *l, const char *sysroot)
{
        DropIn *list = NULL;
        size_t n = 0;
        int r = 0;

        for (unsigned i = 0; i < ELEMENTSOF(dropin_dirs) && r >= 0; i++)
                r = dropins_collect(l, sysroot, i, &list, &n);
        if (r < 0)
                l->error = r;
        else if (n > 0)
                qsort(list, n, sizeof(DropIn), dropin_compare);

        /* Per name: the last regular or masking entry wins; a later entry that is neither
         * (a directory, a dangling link) cannot mask it and is reported. */
        for (size_t start = 0, end; r >= 0 && start < n && l->error == 0; start = end) {
                const DropIn *winner = NULL;

                for (end = start; end < n && streq(list[end].name, list[start].name); end++)
                        if (list[end].kind == FILE_REGULAR || list[end].kind == FILE_MASKED)
                                winner = &list[end];
                for (size_t i = start; i < end; i++) {
                        const DropIn *e = &list[i];
                        if (e == winner)
                                continue;
                        if (winner ? e->dir > winner->dir : i == end - 1)
                                kind_problem(l, e->path, e->kind, e->mode);
                }
                if (winner && winner->kind == FILE_REGULAR)
                        loader_parse_file(l, winner->path);
        }
        for (size_t i = 0; i < n; i++) {
                free(list[i].name);
                free(list[i].path);
        }
        free(list);
}

int config_load(const ProbeOps *const *table, const char *sysroot, const char *main_file,
                Config **ret)
{
        _cleanup_(config_unrefp) Config *c = NULL;
        ConfigLoader l = {};
        int r;

        r = config_new_default(table, &c);
        if (r < 0)
                return r;
        l.config = c;

        loader_load_main(&l, sysroot, main_file);
        if (l.error == 0)
                loader_load_dropins(&l, sysroot);
        if (l.error < 0)
                return l.error;
        *ret = TAKE_PTR(c);
        return 0;
}
