/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Kernel configurations: "CONFIG_X=y", "CONFIG_X=m", "CONFIG_X=\"...\"", "# CONFIG_X is not set".
 * Read through read_full_file() (a regular file, never blocking), inflated in memory. */
#include <zlib.h>

#include "kconfig.h"

typedef struct KconfigEntry {
        char *name; /* without CONFIG_ */
        KconfigValue value;
        size_t seq; /* its place in the file */
} KconfigEntry;

struct Kconfig {
        KconfigEntry *e;
        size_t n, allocated;
};

Kconfig *kconfig_free(Kconfig *k)
{
        if (!k)
                return NULL;
        for (size_t i = 0; i < k->n; i++)
                free(k->e[i].name);
        free(k->e);
        free(k);
        return NULL;
}

const char *kconfig_value_to_string(KconfigValue v)
{
        switch (v) {
        case KCONFIG_BUILTIN:
                return "y";
        case KCONFIG_MODULE:
                return "m";
        case KCONFIG_OTHER:
                return "set";
        default:
                return "missing";
        }
}

static bool name_char(char c)
{
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_';
}

static int entry_add(Kconfig *k, const char *name, size_t len, KconfigValue v)
{
        if (k->n == k->allocated) {
                size_t m = k->allocated ? k->allocated * 2 : 256;
                KconfigEntry *e = realloc(k->e, m * sizeof(*e));
                if (!e)
                        return -ENOMEM;
                k->e = e;
                k->allocated = m;
        }
        k->e[k->n].name = strndup(name, len);
        if (!k->e[k->n].name)
                return -ENOMEM;
        k->e[k->n].seq = k->n;
        k->e[k->n++].value = v;
        return 0;
}

static int entry_compare(const void *a, const void *b)
{
        const KconfigEntry *x = a, *y = b;
        int c = strcmp(x->name, y->name);

        return c ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

int kconfig_parse(const char *text, size_t size, Kconfig **ret, char **ret_error)
{
        _cleanup_(kconfig_freep) Kconfig *k = calloc(1, sizeof(*k));
        const char *p = text, *end = text + size;
        size_t lines = 0;
        int r;

        if (!k)
                return -ENOMEM;
        while (p < end) {
                const char *eol = memchr(p, '\n', (size_t)(end - p));
                const char *q, *name;
                size_t len;

                if (!eol)
                        eol = end;
                lines++;
                q = p;
                if ((size_t)(eol - q) > 9 && strncmp(q, "# CONFIG_", 9) == 0) {
                        name = q + 9;
                        for (q = name; q < eol && name_char(*q); q++)
                                ;
                        len = (size_t)(q - name);
                        if (len && (size_t)(eol - q) >= 11 && strncmp(q, " is not set", 11) == 0) {
                                r = entry_add(k, name, len, KCONFIG_MISSING);
                                if (r < 0)
                                        return r;
                        }
                } else if ((size_t)(eol - q) > 7 && strncmp(q, "CONFIG_", 7) == 0) {
                        name = q + 7;
                        for (q = name; q < eol && name_char(*q); q++)
                                ;
                        len = (size_t)(q - name);
                        if (len && q < eol && *q == '=') {
                                KconfigValue v = KCONFIG_OTHER;
                                if (eol - q == 2 && q[1] == 'y')
                                        v = KCONFIG_BUILTIN;
                                else if (eol - q == 2 && q[1] == 'm')
                                        v = KCONFIG_MODULE;
                                else if (eol - q == 2 && q[1] == 'n')
                                        v = KCONFIG_MISSING;
                                r = entry_add(k, name, len, v);
                                if (r < 0)
                                        return r;
                        }
                }
                p = eol + 1;
        }
        if (k->n == 0)
                return error_printf(ret_error, -EBADMSG,
                                    "no CONFIG_ line in %zu line%s: not a kernel configuration",
                                    lines, lines == 1 ? "" : "s");
        qsort(k->e, k->n, sizeof(KconfigEntry), entry_compare);
        /* A later assignment of the same name wins, as in Kconfig: keep the last of each run. */
        size_t w = 0;
        for (size_t i = 0; i < k->n; i++) {
                if (i + 1 < k->n && streq(k->e[i].name, k->e[i + 1].name)) {
                        free(k->e[i].name);
                        continue;
                }
                k->e[w++] = k->e[i];
        }
        k->n = w;
        *ret = TAKE_PTR(k);
        return 0;
}

KconfigValue kconfig_get(const Kconfig *k, const char *name)
{
        const char *n = startswith(name, "CONFIG_") ? name + 7 : name;
        size_t lo = 0, hi = k ? k->n : 0;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(n, k->e[mid].name);
                if (c == 0)
                        return k->e[mid].value;
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return KCONFIG_MISSING;
}

static int inflate_gzip(const char *path, const unsigned char *in, size_t size, char **ret,
                        size_t *ret_size, char **ret_error)
{
        _cleanup_free_ char *out = NULL;
        size_t allocated = 0, used = 0;
        z_stream z = {};
        int zr;

        if (inflateInit2(&z, 15 + 16) != Z_OK)
                return -ENOMEM;
        z.next_in = (unsigned char *)in;
        z.avail_in = (uInt)size;
        do {
                if (used == allocated) {
                        size_t m = allocated ? allocated * 2 : 256 * 1024;
                        char *o;
                        if (allocated >= KCONFIG_SIZE_MAX) {
                                inflateEnd(&z);
                                return error_printf(ret_error, -EFBIG,
                                                    "%s inflates to more than %zu MiB", path,
                                                    KCONFIG_SIZE_MAX >> 20);
                        }
                        o = realloc(out, m);
                        if (!o) {
                                inflateEnd(&z);
                                return -ENOMEM;
                        }
                        out = o;
                        allocated = m;
                }
                z.next_out = (unsigned char *)out + used;
                z.avail_out = (uInt)(allocated - used);
                zr = inflate(&z, Z_NO_FLUSH);
                used = allocated - z.avail_out;
        } while (zr == Z_OK);
        inflateEnd(&z);
        if (zr != Z_STREAM_END)
                return error_printf(ret_error, -EBADMSG, "%s is not a whole gzip stream (%s)", path,
                                    zr == Z_BUF_ERROR ? "truncated" : "corrupt");
        *ret = TAKE_PTR(out);
        *ret_size = used;
        return 0;
}

int kconfig_load(const char *path, Kconfig **ret, char **ret_error)
{
        _cleanup_free_ char *data = NULL, *plain = NULL;
        size_t size = 0, plain_size = 0;
        int r;

        r = read_full_file(path, KCONFIG_SIZE_MAX, &data, &size);
        if (r < 0)
                return error_printf(ret_error, r, "cannot read %s: %s", path, strerror(-r));
        if (size >= 2 && (unsigned char)data[0] == 0x1f && (unsigned char)data[1] == 0x8b) {
                r = inflate_gzip(path, (const unsigned char *)data, size, &plain, &plain_size,
                                 ret_error);
                if (r < 0)
                        return r;
                return kconfig_parse(plain, plain_size, ret, ret_error);
        }
        return kconfig_parse(data, size, ret, ret_error);
}

int kconfig_load_running(const char *sysroot, Kconfig **ret, char **ret_path, char **ret_error)
{
        _cleanup_free_ char *gz = path_join_root(sysroot, "/proc/config.gz");
        _cleanup_free_ char *osrel = path_join_root(sysroot, "/proc/sys/kernel/osrelease");
        _cleanup_free_ char *release = NULL, *boot = NULL, *rel_path = NULL;
        int r;

        if (!gz || !osrel)
                return -ENOMEM;
        if (access(gz, F_OK) == 0) {
                r = kconfig_load(gz, ret, ret_error);
                if (r >= 0 && ret_path)
                        *ret_path = TAKE_PTR(gz);
                return r;
        }
        r = read_one_line_file(osrel, &release);
        if (r < 0 || isempty(release) || strchr(release, '/'))
                return error_printf(ret_error, -ENOENT,
                                    "no %s, and the kernel release is unknown (%s)", gz, osrel);
        rel_path = strdup_printf("/boot/config-%s", release);
        if (!rel_path)
                return -ENOMEM;
        boot = path_join_root(sysroot, rel_path);
        if (!boot)
                return -ENOMEM;
        if (access(boot, F_OK) < 0)
                return error_printf(ret_error, -ENOENT, "neither %s nor %s exists", gz, boot);
        r = kconfig_load(boot, ret, ret_error);
        if (r >= 0 && ret_path)
                *ret_path = TAKE_PTR(boot);
        return r;
}
