/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Overlays resolved against a base before libfdt sees them. libfdt (fdtoverlay, U-Boot,
 * pylibfdt) answers -FDT_ERR_NOTFOUND alike for a label the base lacks, a base built without -@
 * and a target path the base lacks, and poisons both blobs' magic on any error; the checks here
 * tell the three apart and say which fragment asked for what. */
#include <libfdt.h>
#include <stdio.h>

#include "details.h"
#include "dt-overlay.h"
#include "dt.h"
#include "util.h"

#define LABEL_MAX       128 /* longer labels are compared by their first LABEL_MAX bytes */
#define CLOSEST_MAX     5
#define FIXUP_ENTRY_MAX 4096

/* Labels that left a family's trees, with what replaced them. */
static const struct {
        const char *label;
        const char *compatible_prefix; /* the base's root compatible */
        const char *fix;
} known_moves[] = {
        {"audio", "brcm,bcm2",
         "Raspberry Pi trees have no audio label any more: upstream Linux never had the "
         "bcm2835_audio node, and the Raspberry Pi kernel replaced it by the audio parameter of "
         "its __overrides__ (raspberrypi/linux, bcm2711-rpi-4-b.dts and bcm2710-rpi-3-b.dts), "
         "which only writes snd_bcm2835.enable_headphones=1 snd_bcm2835.enable_hdmi=1 into "
         "/chosen/bootargs. Drop the overlay and put snd_bcm2835.enable_headphones=1 on the "
         "kernel command line (NixOS: boot.kernelParams; extlinux: the APPEND line). &sound is "
         "not it: sound is the empty node that I2S sound-card overlays fill in (hifiberry-dac "
         "and the like target <&sound>), so enabling it gives no headphone jack."},
};

typedef struct Check {
        const void *base, *ovl;
        const char *base_name, *ovl_name;
        json_object *findings;
        int errors;
        int symbols;   /* the base's /__symbols__, or < 0 */
        char **labels; /* the base's labels, for the closest ones */
        bool oom;
} Check;

static json_object *finding(Check *c, const char *severity, const char *kind, const char *fragment,
                            const char *fmt, ...) _printf_(5, 6);
static json_object *finding(Check *c, const char *severity, const char *kind, const char *fragment,
                            const char *fmt, ...)
{
        json_object *o = json_object_new_object();
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        msg = strdup_vprintf_errno(0, fmt, ap);
        va_end(ap);
        if (!o || !msg) {
                json_object_put(o);
                c->oom = true;
                return NULL;
        }
        details_add_text(o, "overlay", c->ovl_name, strlen(c->ovl_name));
        details_add_str(o, "severity", severity);
        details_add_str(o, "kind", kind);
        if (fragment)
                details_add_text(o, "fragment", fragment, strlen(fragment));
        details_add_text(o, "message", msg, strlen(msg));
        json_object_array_add(c->findings, o);
        if (streq(severity, "error"))
                c->errors++;
        return o;
}

/* A property's value as a string when it is exactly one NUL-terminated string. */
static const char *prop_str(const void *fdt, int node, const char *name)
{
        int len;
        const char *v = fdt_getprop(fdt, node, name, &len);

        if (!v || len < 2 || v[len - 1] != 0 || strnlen(v, (size_t)len) != (size_t)len - 1)
                return NULL;
        return v;
}

static size_t min3(size_t a, size_t b, size_t c)
{
        size_t m = a < b ? a : b;
        return m < c ? m : c;
}

/* Levenshtein distance of the first LABEL_MAX bytes of each. */
static size_t edit_distance(const char *a, const char *b)
{
        size_t n = strnlen(a, LABEL_MAX), m = strnlen(b, LABEL_MAX);
        size_t row[LABEL_MAX + 1];

        for (size_t j = 0; j <= m; j++)
                row[j] = j;
        for (size_t i = 1; i <= n; i++) {
                size_t diag = row[0];

                row[0] = i;
                for (size_t j = 1; j <= m; j++) {
                        size_t up = row[j];

                        row[j] = min3(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1]));
                        diag = up;
                }
        }
        return row[m];
}

/* The node name without its unit address: "audio" for "audio@7e00b840". */
static bool node_base_name_is(const char *path, const char *label)
{
        const char *name = strrchr(path, '/');
        size_t n;

        if (!name)
                return false;
        name++;
        n = strcspn(name, "@");
        return n == strlen(label) && strncmp(name, label, n) == 0;
}

/* The base's labels closest to label: within an edit distance of a third of its length (at
 * least 2), best first, then those whose node has the label's name. */
static void add_closest(Check *c, json_object *f, const char *label)
{
        size_t limit = strlen(label) / 3 < 2 ? 2 : strlen(label) / 3;
        json_object *arr;
        size_t n = 0;

        if (!f || !c->labels)
                return;
        arr = json_object_new_array();
        if (!arr)
                return;
        for (size_t d = 1; d <= limit && n < CLOSEST_MAX; d++)
                STRV_FOREACH (l, c->labels)
                        if (n < CLOSEST_MAX && edit_distance(label, *l) == d) {
                                json_object_array_add(arr, json_object_new_string(*l));
                                n++;
                        }
        STRV_FOREACH (l, c->labels) {
                const char *path = prop_str(c->base, c->symbols, *l);

                if (n >= CLOSEST_MAX)
                        break;
                if (path && node_base_name_is(path, label) && edit_distance(label, *l) > limit) {
                        json_object_array_add(arr, json_object_new_string(*l));
                        n++;
                }
        }
        if (n)
                json_object_object_add(f, "closest", arr);
        else
                json_object_put(arr);
}

static void add_known_fix(Check *c, json_object *f, const char *label)
{
        int root = 0;

        if (!f)
                return;
        for (size_t i = 0; i < ELEMENTSOF(known_moves); i++)
                if (streq(label, known_moves[i].label) &&
                    dt_node_compatible_prefix(c->base, root, known_moves[i].compatible_prefix)) {
                        details_add_str(f, "fix", known_moves[i].fix);
                        return;
                }
}

/* "fragment@0" from "/fragment@0/__overlay__/...": the first component, or NULL. */
static char *fragment_of(const char *path)
{
        size_t n;

        if (path[0] != '/')
                return NULL;
        n = strcspn(path + 1, "/");
        return n ? strndup(path + 1, n) : NULL;
}

/* One __fixups__ entry, "path:property:offset": the overlay must have that property at that
 * path with 4 bytes at that offset for libfdt to write the phandle into. */
static bool parse_fixup(const char *entry, char **ret_path, char **ret_prop, size_t *ret_off)
{
        const char *colon2 = strrchr(entry, ':'), *colon1;
        char *end;
        unsigned long off;

        if (!colon2 || colon2 == entry)
                return false;
        for (colon1 = colon2 - 1; colon1 > entry && *colon1 != ':'; colon1--)
                ;
        if (*colon1 != ':' || colon1 == entry || colon1 + 1 == colon2 || !colon2[1])
                return false;
        errno = 0;
        off = strtoul(colon2 + 1, &end, 10);
        if (errno || *end || colon2[1] < '0' || colon2[1] > '9')
                return false;
        *ret_path = strndup(entry, (size_t)(colon1 - entry));
        *ret_prop = strndup(colon1 + 1, (size_t)(colon2 - colon1 - 1));
        *ret_off = off;
        return *ret_path && *ret_prop;
}

static bool fixup_entry_valid(const Check *c, const char *path, const char *prop, size_t off)
{
        int node, len;

        if (path[0] != '/' || strlen(path) >= DT_PATH_MAX)
                return false;
        node = fdt_path_offset(c->ovl, path);
        if (node < 0 || !fdt_getprop(c->ovl, node, prop, &len))
                return false;
        return len >= 4 && off <= (size_t)len - 4;
}

/* Where a target-path points in the base: absolute, or through an alias as libfdt reads it. */
static int base_path_offset(const Check *c, const char *path)
{
        _cleanup_free_ char *full = NULL;
        const char *alias;
        size_t n;
        int aliases;

        if (path[0] == '/')
                return dt_path_offset(c->base, path);
        n = strcspn(path, "/");
        aliases = fdt_path_offset(c->base, "/aliases");
        if (aliases < 0)
                return -FDT_ERR_NOTFOUND;
        {
                _cleanup_free_ char *name = strndup(path, n);
                if (!name)
                        return -FDT_ERR_NOTFOUND;
                alias = prop_str(c->base, aliases, name);
        }
        if (!alias || alias[0] != '/')
                return -FDT_ERR_NOTFOUND;
        full = strdup_printf("%s%s", alias, path + n);
        return full ? dt_path_offset(c->base, full) : -FDT_ERR_NOTFOUND;
}

/* The labels the overlay uses, with the fragments that use each and whether one is a target. */
typedef struct Use {
        char *label;
        char *fragments; /* "fragment@0, fragment@2" */
        bool as_target;
} Use;

static void check_label(Check *c, const Use *u)
{
        const char *path = c->symbols >= 0 ? prop_str(c->base, c->symbols, u->label) : NULL;
        const char *how = u->as_target ? "as its target" : "in a property";
        int node;

        if (c->symbols < 0)
                return; /* said once, with every label, by the caller */
        if (!path) {
                json_object *f = finding(c, "error", "missing-label", u->fragments,
                                         "%s refers to the label '%s' (%s), which %s does not have",
                                         u->fragments, u->label, how, c->base_name);
                if (f)
                        details_add_text(f, "label", u->label, strlen(u->label));
                add_closest(c, f, u->label);
                add_known_fix(c, f, u->label);
                return;
        }
        node = path[0] == '/' ? dt_path_offset(c->base, path) : -FDT_ERR_BADPATH;
        if (node < 0) {
                json_object *f = finding(c, "error", "dangling-label", u->fragments,
                                         "%s's __symbols__ says the label '%s' is %s, which is "
                                         "not in the tree",
                                         c->base_name, u->label, path);
                if (f)
                        details_add_text(f, "label", u->label, strlen(u->label));
                return;
        }
        if (fdt_get_phandle(c->base, node) == 0) {
                json_object *f = finding(c, "error", "label-without-phandle", u->fragments,
                                         "the label '%s' names %s in %s, but that node has no "
                                         "phandle for the overlay to point at: build the base "
                                         "with dtc -@, which gives every labelled node one",
                                         u->label, path, c->base_name);
                if (f)
                        details_add_text(f, "label", u->label, strlen(u->label));
        }
}

static void use_add(Use **uses, size_t *n, const char *label, const char *fragment, bool as_target,
                    bool *oom)
{
        Use *u = NULL;

        for (size_t i = 0; i < *n; i++)
                if (streq((*uses)[i].label, label))
                        u = &(*uses)[i];
        if (!u) {
                Use *grown = realloc(*uses, (*n + 1) * sizeof(Use));

                if (!grown) {
                        *oom = true;
                        return;
                }
                *uses = grown;
                u = &grown[(*n)++];
                *u = (Use){.label = strdup(label)};
                if (!u->label)
                        *oom = true;
        }
        u->as_target |= as_target;
        if (fragment && (!u->fragments || !strstr(u->fragments, fragment))) {
                char *s = u->fragments ? strdup_printf("%s, %s", u->fragments, fragment)
                                       : strdup(fragment);
                if (!s) {
                        *oom = true;
                        return;
                }
                free(u->fragments);
                u->fragments = s;
        }
}

/* Reads __fixups__: the labels used, and whether each fragment's target is among them. */
static void check_fixups(Check *c, Use **uses, size_t *n_uses, char ***targets_fixed)
{
        int fixups = fdt_subnode_offset(c->ovl, 0, "__fixups__"), prop, entries = 0;

        if (fixups < 0)
                return;
        fdt_for_each_property_offset(prop, c->ovl, fixups)
        {
                const char *label, *v;
                int len;

                v = fdt_getprop_by_offset(c->ovl, prop, &label, &len);
                if (!v || !label || len <= 0 || v[len - 1] != 0) {
                        finding(c, "error", "malformed", NULL,
                                "__fixups__ has a property that is not a list of strings");
                        continue;
                }
                for (const char *e = v; e < v + len; e += strlen(e) + 1) {
                        _cleanup_free_ char *path = NULL, *pname = NULL, *frag = NULL;
                        size_t off;

                        if (++entries > FIXUP_ENTRY_MAX) {
                                finding(c, "error", "malformed", NULL,
                                        "__fixups__ has more than %d entries", FIXUP_ENTRY_MAX);
                                return;
                        }
                        if (!parse_fixup(e, &path, &pname, &off) ||
                            !fixup_entry_valid(c, path, pname, off)) {
                                _cleanup_free_ char *shown = utf8_printable(e, strlen(e));
                                finding(c, "error", "malformed", NULL,
                                        "__fixups__ entry '%s' for the label '%s' does not name a "
                                        "4-byte cell of a property in the overlay (path:property:"
                                        "offset)",
                                        strna(shown), label);
                                continue;
                        }
                        frag = fragment_of(path);
                        use_add(uses, n_uses, label, frag, streq(pname, "target"), &c->oom);
                        if (frag && streq(pname, "target") && off == 0 &&
                            path[1 + strlen(frag)] == 0 && strv_extend(targets_fixed, frag) < 0)
                                c->oom = true;
                }
        }
}

/* __local_fixups__ mirrors the overlay's nodes; each property lists offsets of phandle cells in
 * the overlay's property of that name. libfdt 1.6.1 writes at those offsets unchecked, so every
 * one must name a 4-byte cell inside its property. lf: a node under __local_fixups__, node: the
 * overlay's node at the same place. */
static void check_local_fixups(Check *c, int lf, int node, unsigned depth)
{
        int prop, sub;

        if (depth > DT_DEPTH_MAX) {
                finding(c, "error", "malformed", NULL, "__local_fixups__ nests too deep");
                return;
        }
        fdt_for_each_property_offset(prop, c->ovl, lf)
        {
                const char *name;
                const fdt32_t *v;
                int len, plen;

                v = fdt_getprop_by_offset(c->ovl, prop, &name, &len);
                if (!v || !name)
                        continue;
                if (len % 4 || !fdt_getprop(c->ovl, node, name, &plen)) {
                        finding(c, "error", "malformed", NULL,
                                "__local_fixups__ names the property '%s', which the overlay "
                                "lacks or lists badly",
                                name);
                        continue;
                }
                for (int i = 0; i < len / 4; i++) {
                        uint32_t off = fdt32_to_cpu(v[i]);

                        if (plen < 4 || off > (uint32_t)plen - 4) {
                                finding(c, "error", "malformed", NULL,
                                        "__local_fixups__ points at byte %u of the property '%s', "
                                        "which has %d: libfdt would write outside it",
                                        off, name, plen);
                                break;
                        }
                }
        }
        fdt_for_each_subnode(sub, c->ovl, lf)
        {
                const char *name = fdt_get_name(c->ovl, sub, NULL);
                int target = name ? fdt_subnode_offset(c->ovl, node, name) : -FDT_ERR_NOTFOUND;

                if (target < 0) {
                        finding(c, "error", "malformed", NULL,
                                "__local_fixups__ has a node '%s' the overlay lacks", strna(name));
                        continue;
                }
                check_local_fixups(c, sub, target, depth + 1);
        }
}

static void check_fragment(Check *c, int fragment, const char *name, char **targets_fixed)
{
        const fdt32_t *t;
        const char *path;
        int len;

        t = fdt_getprop(c->ovl, fragment, "target", &len);
        if (t) {
                uint32_t ph;

                if (len != 4) {
                        finding(c, "error", "malformed", name,
                                "%s's target is %d bytes, not one phandle cell", name, len);
                        return;
                }
                ph = fdt32_to_cpu(*t);
                if (ph == 0xffffffff) {
                        if (!strv_contains(targets_fixed, name))
                                finding(c, "error", "malformed", name,
                                        "%s's target is an unresolved reference that __fixups__ "
                                        "does not name: the overlay was not compiled with dtc "
                                        "-@",
                                        name);
                        return; /* the label is checked with the other fixups */
                }
                if (ph == 0 || dt_node_by_phandle(c->base, ph) < 0)
                        finding(c, "error", "missing-target", name,
                                "%s targets phandle 0x%x, which %s does not have (an overlay "
                                "with fixed phandles only fits the tree it was built against)",
                                name, ph, c->base_name);
                return;
        }
        if (fdt_getprop(c->ovl, fragment, "target-path", &len)) {
                path = prop_str(c->ovl, fragment, "target-path");
                if (!path || strlen(path) >= DT_PATH_MAX) {
                        finding(c, "error", "malformed", name, "%s's target-path is not one string",
                                name);
                        return;
                }
                if (base_path_offset(c, path) < 0) {
                        _cleanup_free_ char *shown = utf8_printable(path, strlen(path));
                        json_object *f = finding(c, "error", "missing-target-path", name,
                                                 "%s targets the path %s, which %s does not have",
                                                 name, strna(shown), c->base_name);
                        if (f)
                                details_add_str(f, "path", shown);
                }
                return;
        }
        finding(c, "error", "no-target", name,
                "%s has an __overlay__ but neither target nor target-path: libfdt refuses it",
                name);
}

int dt_overlay_check(const void *base, const char *base_name, const void *overlay,
                     const char *overlay_name, json_object *findings)
{
        Check c = {
                .base = base,
                .ovl = overlay,
                .base_name = base_name,
                .ovl_name = overlay_name,
                .findings = findings,
                .symbols = fdt_subnode_offset(base, 0, "__symbols__"),
        };
        _cleanup_strv_free_ char **targets_fixed = NULL;
        Use *uses = NULL;
        size_t n_uses = 0, fragments = 0;
        int node, prop;

        if (c.symbols >= 0)
                fdt_for_each_property_offset(prop, base, c.symbols)
                {
                        const char *label;

                        if (fdt_getprop_by_offset(base, prop, &label, NULL) && label &&
                            strv_extend(&c.labels, label) < 0)
                                c.oom = true;
                }

        check_fixups(&c, &uses, &n_uses, &targets_fixed);
        {
                int lf = fdt_subnode_offset(overlay, 0, "__local_fixups__");
                if (lf >= 0)
                        check_local_fixups(&c, lf, 0, 0);
        }

        fdt_for_each_subnode(node, overlay, 0)
        {
                const char *name = fdt_get_name(overlay, node, NULL);

                if (!name || startswith(name, "__"))
                        continue;
                if (fdt_subnode_offset(overlay, node, "__overlay__") < 0) {
                        finding(&c, "warning", "not-a-fragment", name,
                                "%s has no __overlay__ node: libfdt skips it", name);
                        continue;
                }
                fragments++;
                check_fragment(&c, node, name, targets_fixed);
        }
        if (fragments == 0)
                finding(&c, "error", "no-fragments", NULL,
                        "%s has no fragment (a node with an __overlay__): there is nothing to "
                        "apply; is it an overlay at all?",
                        overlay_name);

        if (n_uses > 0 && c.symbols < 0) {
                _cleanup_free_ char *list = NULL;
                json_object *f;

                for (size_t i = 0; i < n_uses; i++)
                        (void)strbuf_append(&list, "%s%s", i ? ", " : "", uses[i].label);
                f = finding(&c, "error", "no-symbols", NULL,
                            "%s has no __symbols__ node: it was built without -@, so no overlay "
                            "can refer to its labels, and this one refers to %s",
                            base_name, strna(list));
                if (f)
                        details_add_str(f, "fix",
                                        "Rebuild the base with symbols (dtc -@; in a kernel build "
                                        "DTC_FLAGS=-@), or give the fragments target-path = "
                                        "\"/full/path\" instead of labels, or merge the change "
                                        "into the tree's source at build time.");
        }
        for (size_t i = 0; i < n_uses; i++) {
                check_label(&c, &uses[i]);
                free(uses[i].label);
                free(uses[i].fragments);
        }
        free(uses);
        strv_free(c.labels);
        return c.oom ? -ENOMEM : c.errors;
}

int dt_overlay_parameters(const void *overlay, char ***ret)
{
        int node = fdt_subnode_offset(overlay, 0, "__overrides__"), prop;
        _cleanup_strv_free_ char **l = NULL;

        if (node < 0)
                return -ENOENT;
        fdt_for_each_property_offset(prop, overlay, node)
        {
                const char *name;

                if (fdt_getprop_by_offset(overlay, prop, &name, NULL) && name &&
                    strv_extend(&l, name) < 0)
                        return -ENOMEM;
        }
        if (!l)
                return -ENOENT;
        *ret = TAKE_PTR(l);
        return 0;
}

static int apply_one(void **buf, size_t *cap, const DtOverlayBlob *o, char **ret_error)
{
        for (int attempt = 0; attempt < 4; attempt++) {
                _cleanup_free_ void *tree = malloc(*cap), *ovl = malloc(o->size);
                int r;

                if (!tree || !ovl)
                        return -ENOMEM;
                memcpy(tree, *buf, *cap);
                memcpy(ovl, o->blob, o->size);
                r = fdt_overlay_apply(tree, ovl);
                if (r == 0) {
                        free(*buf);
                        *buf = TAKE_PTR(tree);
                        return 0;
                }
                if (r != -FDT_ERR_NOSPACE) {
                        *ret_error = strdup_printf(
                                "libfdt refused %s: %s%s", o->name, fdt_strerror(r),
                                r == -FDT_ERR_NOTFOUND
                                        ? " (libfdt says this alike for a missing label, a base "
                                          "without __symbols__ and a missing target path; the "
                                          "findings above say which)"
                                        : "");
                        return -EBADMSG;
                }
                /* Room for a larger result: reopen the unchanged tree into twice the space. */
                {
                        size_t bigger = *cap * 2;
                        void *grown = malloc(bigger);

                        if (!grown)
                                return -ENOMEM;
                        r = fdt_open_into(*buf, grown, (int)bigger);
                        if (r < 0) {
                                free(grown);
                                *ret_error = strdup_printf("cannot make room in the base: %s",
                                                           fdt_strerror(r));
                                return -EBADMSG;
                        }
                        free(*buf);
                        *buf = grown;
                        *cap = bigger;
                }
        }
        *ret_error = strdup_printf("%s does not fit in %zu bytes", o->name, *cap);
        return -EFBIG;
}

int dt_overlay_merge(const void *base, size_t base_size, const DtOverlayBlob *overlays, size_t n,
                     void **ret, size_t *ret_size, size_t *ret_failed, char **ret_error)
{
        _cleanup_free_ void *buf = NULL;
        size_t cap = base_size + 4096;
        int r;

        for (size_t i = 0; i < n; i++)
                cap += 2 * overlays[i].size;
        if (cap > DT_BLOB_SIZE_MAX) {
                *ret_error =
                        strdup_printf("the merged tree would pass %u MiB", DT_BLOB_SIZE_MAX >> 20);
                return -EFBIG;
        }
        buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        r = fdt_open_into(base, buf, (int)cap);
        if (r < 0) {
                *ret_error = strdup_printf("cannot open the base for writing: %s", fdt_strerror(r));
                return -EBADMSG;
        }
        for (size_t i = 0; i < n; i++) {
                r = apply_one(&buf, &cap, &overlays[i], ret_error);
                if (r < 0) {
                        *ret_failed = i;
                        return r;
                }
        }
        r = fdt_pack(buf);
        if (r < 0) {
                *ret_error = strdup_printf("cannot pack the merged tree: %s", fdt_strerror(r));
                return -EBADMSG;
        }
        *ret_size = fdt_totalsize(buf);
        *ret = TAKE_PTR(buf);
        return 0;
}
