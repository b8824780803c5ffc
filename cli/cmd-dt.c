/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `hwctl dt check`: overlays resolved against a base before libfdt applies them, for an image
 * build; then the merged tree, which `hwctl board --dtb` and `hwctl plan --dtb` can read. */
#include <getopt.h>
#include <libfdt.h>

#include "details.h"
#include "dt-overlay.h"
#include "dt.h"
#include "hwctl.h"

typedef struct Overlay {
        char *arg;     /* as given */
        char *path;    /* the file */
        char **params; /* "param=value" after the file, as the Pi firmware takes them */
        void *blob;
        size_t size;
} Overlay;

static int log_oom_cli(void)
{
        fprintf(stderr, "hwctl: out of memory\n");
        return EXIT_NEEDS_ATTENTION;
}

static void overlays_free(Overlay *o, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(o[i].arg);
                free(o[i].path);
                strv_free(o[i].params);
                free(o[i].blob);
        }
        free(o);
}

static const char *base_name(const char *p)
{
        const char *s = strrchr(p, '/');
        return s ? s + 1 : p;
}

/* "x.dtbo,param=value,flag": the file, then its parameters; a file whose own name has a comma
 * is taken whole when it exists. */
static int split_overlay_arg(const char *a, Overlay *o)
{
        const char *comma = strchr(a, ',');

        o->arg = strdup(a);
        if (!o->arg)
                return -ENOMEM;
        if (!comma || access(a, F_OK) == 0) {
                o->path = strdup(a);
                return o->path ? 0 : -ENOMEM;
        }
        o->path = strndup(a, (size_t)(comma - a));
        if (!o->path)
                return -ENOMEM;
        for (const char *p = comma + 1; *p;) {
                size_t n = strcspn(p, ",");
                _cleanup_free_ char *one = strndup(p, n);

                if (!one || strv_extend(&o->params, one) < 0)
                        return -ENOMEM;
                p += n;
                if (*p == ',')
                        p++;
        }
        return 0;
}

static void help(void)
{
        printf("Usage: hwctl dt check BASE.dtb [OVERLAY.dtbo[,param=value]...] [-o MERGED.dtb] "
               "[--json]\n\n"
               "Checks device tree overlays against the base tree they will be applied to, as an\n"
               "image build has them, before libfdt (fdtoverlay, U-Boot, the Pi firmware) sees\n"
               "them: every label an overlay refers to (__fixups__) must be in the base's\n"
               "__symbols__, every fragment's target or target-path must be in the base. A\n"
               "problem names the fragment, the label or path, whether the base was built\n"
               "without -@, the base's closest labels, and the known fix when the label moved.\n"
               "Then the overlays are applied in order to a copy of the base; with -o the\n"
               "merged tree is written, for hwctl board --dtb and hwctl plan --dtb.\n\n"
               "Overlay parameters (,param=value) are recognised but not applied: hwctl does\n"
               "not evaluate __overrides__, and says so.\n\n"
               "Options:\n"
               "  -o, --output FILE  write the merged tree to FILE\n"
               "  --json             the findings as JSON\n\n"
               "Exit status: 0 every overlay resolves and applies, 1 a problem, 2 usage.\n");
}

static void print_finding(json_object *f)
{
        json_object *v;
        const char *sev = json_object_get_string(json_object_object_get(f, "severity"));
        _cleanup_free_ char *msg =
                text_for_terminal(json_object_get_string(json_object_object_get(f, "message")));

        printf("  %s%s%s: %s\n", color_on(streq_ptr(sev, "error") ? COLOR_RED : COLOR_YELLOW),
               strna(sev), color_off(), strna(msg));
        if (json_object_object_get_ex(f, "closest", &v)) {
                _cleanup_free_ char *list = NULL;

                for (size_t i = 0; i < json_object_array_length(v); i++)
                        (void)strbuf_append(
                                &list, "%s%s", i ? ", " : "",
                                json_object_get_string(json_object_array_get_idx(v, i)));
                _cleanup_free_ char *shown = text_for_terminal(list);
                printf("    closest labels in the base: %s\n", strna(shown));
        }
        if (json_object_object_get_ex(f, "fix", &v)) {
                _cleanup_free_ char *fix = text_for_terminal(json_object_get_string(v));
                printf("    fix: %s\n", strna(fix));
        }
}

static int check(const char *base_path, Overlay *ovls, size_t n, const char *output)
{
        _cleanup_(json_object_putp) json_object *doc = json_object_new_object();
        json_object *findings = json_object_new_array(), *list = json_object_new_array();
        _cleanup_free_ void *base = NULL, *merged = NULL;
        _cleanup_free_ char *error = NULL;
        _cleanup_free_ DtOverlayBlob *blobs = NULL;
        size_t base_size = 0, merged_size = 0, failed = 0;
        int errors = 0, r;

        if (!doc || !findings || !list)
                return log_oom_cli();
        json_object_object_add(doc, "base", json_object_new_string(base_path));
        json_object_object_add(doc, "overlays", list);
        json_object_object_add(doc, "findings", findings);

        r = dt_blob_read_file(base_path, &base, &base_size, &error);
        if (r < 0) {
                fprintf(stderr, "hwctl: %s\n", error ? error : strerror(-r));
                return EXIT_NEEDS_ATTENTION;
        }
        blobs = calloc(n ? n : 1, sizeof(*blobs));
        if (!blobs)
                return log_oom_cli();

        for (size_t i = 0; i < n; i++) {
                Overlay *o = &ovls[i];
                json_object *entry = json_object_new_object(), *fs = json_object_new_array();
                _cleanup_free_ char *why = NULL;
                int before = (int)json_object_array_length(findings), k;

                json_object_array_add(list, entry);
                details_add_text(entry, "overlay", o->arg, strlen(o->arg));
                json_object_object_add(entry, "findings", fs);
                k = dt_blob_read_file(o->path, &o->blob, &o->size, &why);
                if (k < 0) {
                        json_object *f = json_object_new_object();

                        details_add_text(f, "overlay", o->arg, strlen(o->arg));
                        details_add_str(f, "severity", "error");
                        details_add_str(f, "kind", "unreadable");
                        details_add_text(f, "message", why ? why : strerror(-k),
                                         strlen(why ? why : strerror(-k)));
                        json_object_array_add(findings, f);
                        errors++;
                } else {
                        k = dt_overlay_check(base, base_name(base_path), o->blob, o->arg, findings);
                        if (k < 0)
                                return log_oom_cli();
                        errors += k;
                        STRV_FOREACH (p, o->params) {
                                _cleanup_strv_free_ char **known = NULL;
                                _cleanup_free_ char *name = strndup(*p, strcspn(*p, "="));
                                int q = dt_overlay_parameters(o->blob, &known);

                                if (!name)
                                        return log_oom_cli();
                                if (q == -ENOMEM)
                                        return log_oom_cli();
                                if (q >= 0 && strv_contains(known, name)) {
                                        fprintf(stderr,
                                                "hwctl: %s: '%s' is one of the overlay's "
                                                "parameters, but hwctl dt check does not apply "
                                                "parameters (it does not evaluate "
                                                "__overrides__); check the overlay without it, "
                                                "or set the value in the overlay's source\n",
                                                o->arg, name);
                                        return EXIT_USAGE;
                                }
                                _cleanup_free_ char *have = q >= 0 ? strv_join(known, ", ") : NULL;
                                json_object *f = json_object_new_object();
                                _cleanup_free_ char *msg =
                                        q >= 0 ? strdup_printf("%s has no parameter '%s' (its "
                                                               "parameters: %s)",
                                                               o->path, name, strna(have))
                                               : strdup_printf("%s takes no parameters (it has "
                                                               "no __overrides__), but '%s' "
                                                               "was given",
                                                               o->path, name);
                                details_add_text(f, "overlay", o->arg, strlen(o->arg));
                                details_add_str(f, "severity", "error");
                                details_add_str(f, "kind", "unknown-parameter");
                                details_add_text(f, "message", strna(msg), strlen(strna(msg)));
                                json_object_array_add(findings, f);
                                errors++;
                        }
                }
                for (size_t j = (size_t)before; j < json_object_array_length(findings); j++)
                        json_object_array_add(
                                fs, json_object_get(json_object_array_get_idx(findings, j)));
                blobs[i] = (DtOverlayBlob){.name = o->arg, .blob = o->blob, .size = o->size};
        }

        /* libfdt only sees overlays that resolved: on the others it says NOTFOUND and no more. */
        if (errors == 0) {
                _cleanup_free_ char *why = NULL;

                r = dt_overlay_merge(base, base_size, blobs, n, &merged, &merged_size, &failed,
                                     &why);
                if (r == -ENOMEM)
                        return log_oom_cli();
                if (r < 0) {
                        json_object *f = json_object_new_object();

                        details_add_text(f, "overlay", ovls[failed].arg, strlen(ovls[failed].arg));
                        details_add_str(f, "severity", "error");
                        details_add_str(f, "kind", "apply-failed");
                        details_add_text(f, "message", strna(why), strlen(strna(why)));
                        json_object_array_add(findings, f);
                        errors++;
                } else {
                        json_object *m = json_object_new_object();

                        details_add_int(m, "overlays", (int64_t)n);
                        details_add_u64(m, "size", merged_size);
                        if (output) {
                                r = write_file_atomic(output, merged, merged_size, 0644);
                                if (r < 0) {
                                        errno = -r;
                                        fprintf(stderr, "hwctl: cannot write %s: %m\n", output);
                                        json_object_put(m);
                                        return EXIT_NEEDS_ATTENTION;
                                }
                                details_add_str(m, "output", output);
                        }
                        json_object_object_add(doc, "merged", m);
                }
        }
        details_add_int(doc, "errors", errors);

        if (arg.json) {
                print_json(doc);
                return errors ? EXIT_NEEDS_ATTENTION : EXIT_ALL_FINE;
        }
        {
                _cleanup_free_ char *shown = text_for_terminal(base_path);
                int symbols = fdt_subnode_offset(base, 0, "__symbols__");
                printf("base %s: %zu bytes, %s\n", strna(shown), base_size,
                       symbols >= 0 ? "with __symbols__" : "no __symbols__ (built without -@)");
        }
        for (size_t i = 0; i < json_object_array_length(list); i++) {
                json_object *entry = json_object_array_get_idx(list, i);
                json_object *fs = json_object_object_get(entry, "findings");
                _cleanup_free_ char *shown = text_for_terminal(
                        json_object_get_string(json_object_object_get(entry, "overlay")));
                size_t nf = json_object_array_length(fs);

                printf("overlay %s: %s\n", strna(shown), nf ? "" : "resolves against the base");
                for (size_t j = 0; j < nf; j++)
                        print_finding(json_object_array_get_idx(fs, j));
        }
        for (size_t j = 0; j < json_object_array_length(findings); j++) {
                json_object *f = json_object_array_get_idx(findings, j);
                const char *kind = json_object_get_string(json_object_object_get(f, "kind"));
                if (streq_ptr(kind, "apply-failed"))
                        print_finding(f);
        }
        if (merged)
                printf("merged: %zu overlay(s) applied, %zu bytes%s%s\n", n, merged_size,
                       output ? ", written to " : "", output ? output : "");
        else if (errors)
                printf("not merged: %d problem(s) above\n", errors);
        return errors ? EXIT_NEEDS_ATTENTION : EXIT_ALL_FINE;
}

int cmd_dt(int argc, char *argv[])
{
        static const struct option options[] = {
                {"output", required_argument, NULL, 'o'},
                {"json", no_argument, NULL, 'j'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        const char *output = NULL;
        Overlay *ovls = NULL;
        size_t n = 0;
        int c, r;

        while ((c = getopt_long(argc, argv, "ho:", options, NULL)) >= 0)
                switch (c) {
                case 'o':
                        output = optarg;
                        break;
                case 'j':
                        arg.json = true;
                        break;
                case 'h':
                        help();
                        return EXIT_ALL_FINE;
                default:
                        return EXIT_USAGE;
                }
        if (optind >= argc)
                return usage_error("dt: which command? (check)");
        if (!streq(argv[optind], "check"))
                return usage_error("dt: unknown command '%s' (there is: check)", argv[optind]);
        optind++;
        if (optind >= argc)
                return usage_error("dt check: no base tree given (BASE.dtb [OVERLAY.dtbo...])");
        const char *base = argv[optind++];
        if (argc - optind > 256)
                return usage_error("dt check: more than 256 overlays");
        ovls = calloc((size_t)(argc - optind) + 1, sizeof(*ovls));
        if (!ovls)
                return log_oom_cli();
        for (; optind < argc; optind++) {
                if (split_overlay_arg(argv[optind], &ovls[n++]) < 0) {
                        overlays_free(ovls, n);
                        return log_oom_cli();
                }
        }
        r = check(base, ovls, n, output);
        overlays_free(ovls, n);
        return r;
}
