/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Checked access to properties and nodes of a device tree blob that passed fdt_check_full(). */
#include <libfdt.h>

#include "dt.h"
#include "util.h"

static bool printable(const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
                        return false;
        return true;
}

const char *dt_prop_string(const void *fdt, int node, const char *name, bool *ret_malformed)
{
        const char *v;
        int len;

        v = fdt_getprop(fdt, node, name, &len);
        if (!v)
                return NULL;
        if (len <= 1 || v[len - 1] != 0 || strlen(v) != (size_t)len - 1 ||
            !printable(v, (size_t)len - 1)) {
                if (ret_malformed)
                        *ret_malformed = true;
                return NULL;
        }
        return v;
}

int dt_prop_strv(const void *fdt, int node, const char *name, bool allow_empty, char ***ret)
{
        _cleanup_strv_free_ char **l = NULL;
        const char *v, *p, *end;
        size_t n = 0;
        int len, r;

        v = fdt_getprop(fdt, node, name, &len);
        if (!v)
                return -ENOENT;
        if (len <= 0 || v[len - 1] != 0)
                return -EBADMSG;
        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (p = v, end = v + len; p < end; p += strlen(p) + 1) {
                size_t k = strlen(p);
                if (!printable(p, k))
                        return -EBADMSG;
                if (k == 0 && !allow_empty)
                        return -EBADMSG;
                if (++n > DT_STRV_ENTRIES_MAX)
                        return -EBADMSG;
                r = strv_extend(&l, p);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int dt_prop_cells(const void *fdt, int node, const char *name, const uint8_t **ret, size_t *ret_n)
{
        const uint8_t *v;
        int len;

        v = fdt_getprop(fdt, node, name, &len);
        if (!v)
                return -ENOENT;
        if (len < 0 || len % 4 != 0)
                return -EBADMSG;
        *ret = v;
        *ret_n = (size_t)len / 4;
        return 0;
}

int dt_prop_u32(const void *fdt, int node, const char *name, uint32_t *ret)
{
        const uint8_t *v;
        size_t n;
        int r;

        r = dt_prop_cells(fdt, node, name, &v, &n);
        if (r < 0)
                return r;
        if (n != 1)
                return -EBADMSG;
        *ret = dt_cell(v, 0);
        return 0;
}

bool dt_prop_exists(const void *fdt, int node, const char *name)
{
        return fdt_getprop(fdt, node, name, NULL) != NULL;
}

char *dt_node_path(const void *fdt, int node)
{
        char buf[DT_PATH_MAX];

        if (fdt_get_path(fdt, node, buf, sizeof(buf)) < 0)
                return NULL;
        return strdup(buf);
}

const char *dt_node_name(const void *fdt, int node)
{
        const char *n = fdt_get_name(fdt, node, NULL);
        return n ? n : "";
}

const char *dt_node_status(const void *fdt, int node)
{
        return dt_prop_string(fdt, node, "status", NULL);
}

bool dt_node_enabled(const void *fdt, int node)
{
        const char *s;
        int len;

        if (!fdt_getprop(fdt, node, "status", &len))
                return true;
        s = dt_node_status(fdt, node);
        return s && (streq(s, "okay") || streq(s, "ok"));
}

/* Matches an entry of the node's compatible list, if the list is well formed. */
static bool compatible_match(const void *fdt, int node, const char *what, bool prefix)
{
        const char *v, *p;
        int len;

        v = fdt_getprop(fdt, node, "compatible", &len);
        if (!v || len <= 0 || v[len - 1] != 0)
                return false;
        for (p = v; p < v + len; p += strlen(p) + 1) {
                if (prefix ? strncmp(p, what, strlen(what)) == 0 : streq(p, what))
                        return true;
        }
        return false;
}

bool dt_node_is_compatible(const void *fdt, int node, const char *compat)
{
        return compatible_match(fdt, node, compat, false);
}

bool dt_node_compatible_prefix(const void *fdt, int node, const char *prefix)
{
        return compatible_match(fdt, node, prefix, true);
}

const char *dt_node_first_compatible(const void *fdt, int node)
{
        const char *v;
        int len;

        v = fdt_getprop(fdt, node, "compatible", &len);
        if (!v || len <= 1 || v[len - 1] != 0)
                return NULL;
        if (v[0] == 0 || !printable(v, strlen(v)))
                return NULL;
        return v;
}

int dt_node_parent(const void *fdt, int node)
{
        return fdt_parent_offset(fdt, node);
}

int dt_path_offset(const void *fdt, const char *path)
{
        if (!path || path[0] != '/' || strlen(path) >= DT_PATH_MAX)
                return -FDT_ERR_BADPATH;
        return fdt_path_offset(fdt, path);
}

int dt_node_by_phandle(const void *fdt, uint32_t phandle)
{
        if (phandle == 0 || phandle == UINT32_MAX)
                return -FDT_ERR_BADPHANDLE;
        return fdt_node_offset_by_phandle(fdt, phandle);
}

/* Finds the name of a property of listing_node (aliases, __symbols__) whose value is the path of
 * node. Values are compared as strings with the node's own path (dtc writes full paths): resolving
 * each of several hundred symbols made this the slowest step of board detection. Of several
 * names the first in sort order wins, so the answer does not depend on property order (a live
 * tree lists them by name). */
static int property_naming_node(const void *fdt, const char *listing, int node, const char *prefix,
                                char **ret)
{
        const char *best = NULL;
        char path[1024];
        int list, prop;

        list = fdt_path_offset(fdt, listing);
        if (list < 0)
                return -ENOENT;
        if (fdt_get_path(fdt, node, path, sizeof(path)) < 0)
                return -ENOENT;
        fdt_for_each_property_offset(prop, fdt, list)
        {
                const char *value, *name;
                int len;

                value = fdt_getprop_by_offset(fdt, prop, &name, &len);
                if (!value || !name || len <= 1 || value[len - 1] != 0 ||
                    strlen(value) != (size_t)len - 1)
                        continue;
                if (!streq(value, path))
                        continue;
                if (prefix && strncmp(name, prefix, strlen(prefix)) != 0)
                        continue;
                if (!printable(name, strlen(name)))
                        continue;
                if (!best || strcmp(name, best) < 0)
                        best = name;
        }
        if (!best)
                return -ENOENT;
        *ret = strdup(best);
        return *ret ? 0 : -ENOMEM;
}

int dt_alias_for_node(const void *fdt, int node, const char *prefix, char **ret)
{
        return property_naming_node(fdt, "/aliases", node, prefix, ret);
}

int dt_label_for_node(const void *fdt, int node, char **ret)
{
        return property_naming_node(fdt, "/__symbols__", node, NULL, ret);
}

int dt_next_node(const void *fdt, int node)
{
        return fdt_next_node(fdt, node, NULL);
}

bool dt_best_offer(DtBest *best, const void *fdt, int node, int rank)
{
        char path[DT_PATH_MAX];

        if (node < 0 || fdt_get_path(fdt, node, path, sizeof(path)) < 0)
                return false;
        if (best->node >= 0 &&
            (rank < best->rank || (rank == best->rank && strcmp(path, best->path) >= 0)))
                return false;
        best->node = node;
        best->rank = rank;
        memcpy(best->path, path, sizeof(path));
        return true;
}
