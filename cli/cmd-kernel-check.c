/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `hwctl kernel-check`: a kernel's configuration read against what hwctld's probes need on a
 * board (include/kernel-needs.h), per probe, with what breaks without each option. */
#include <getopt.h>

#include "details.h"
#include "hwctl.h"
#include "kconfig.h"
#include "kernel-needs.h"

static void help(void)
{
        printf("Usage: hwctl kernel-check [--config FILE] [--dtb FILE] [--json]\n\n"
               "Reads a kernel's build configuration (a .config, /boot/config-RELEASE or\n"
               "/proc/config.gz; by default the running kernel's) and lists, per probe, the\n"
               "options hwctld needs on this board: y, m or missing, and what breaks without\n"
               "each. The board is the live device tree's, or --dtb FILE's; with neither (a\n"
               "build host) every board's needs are listed.\n\n"
               "Options:\n"
               "  --config FILE  the configuration to read (gzip or plain)\n"
               "  --dtb FILE     the board's device tree\n"
               "  --json         the same as JSON\n\n"
               "Exit status: 0 every required option is there, 1 one is missing (or the\n"
               "configuration cannot be read), 2 usage.\n");
}

/* Whether value v serves need n. */
static bool serves(const KernelNeed *n, KconfigValue v)
{
        return v == KCONFIG_BUILTIN || (v == KCONFIG_MODULE && n->module_ok);
}

int cmd_kernel_check(int argc, char *argv[])
{
        static const struct option options[] = {
                {"config", required_argument, NULL, 'c'},
                {"dtb", required_argument, NULL, 'd'},
                {"json", no_argument, NULL, 'j'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        _cleanup_(kconfig_freep) Kconfig *k = NULL;
        _cleanup_(board_freep) Board *b = NULL;
        _cleanup_(json_object_putp) json_object *doc = json_object_new_object();
        _cleanup_free_ char *path = NULL, *error = NULL, *berror = NULL;
        const char *config = NULL, *dtb = NULL, *last_probe = NULL;
        json_object *probes, *probe = NULL, *opts = NULL;
        unsigned missing_required = 0, missing_wanted = 0;
        bool all_boards = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        config = optarg;
                        break;
                case 'd':
                        dtb = optarg;
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
        if (optind < argc)
                return usage_error("kernel-check: unexpected argument '%s'", argv[optind]);
        probes = json_object_new_array();
        if (!doc || !probes) {
                json_object_put(probes);
                return EXIT_NEEDS_ATTENTION;
        }
        json_object_object_add(doc, "probes", probes);

        if (config) {
                r = kconfig_load(config, &k, &error);
                path = strdup(config);
        } else
                r = kconfig_load_running(arg.sysroot, &k, &path, &error);
        if (r < 0) {
                if (r == -ENOENT && !config)
                        fprintf(stderr, "hwctl: this system keeps no kernel configuration (no "
                                        "/proc/config.gz, no /boot/config-RELEASE); give one with "
                                        "--config FILE\n");
                else
                        fprintf(stderr, "hwctl: %s\n", error ? error : strerror(-r));
                return EXIT_NEEDS_ATTENTION;
        }

        r = dtb ? board_detect_from_dtb(dtb, &b, &berror)
                : board_detect_from_live(arg.sysroot, &b, &berror);
        if (r < 0 && dtb) {
                fprintf(stderr, "hwctl: cannot read the device tree %s: %s\n", dtb,
                        berror ? berror : strerror(-r));
                return EXIT_NEEDS_ATTENTION;
        }
        /* No tree (a build host, a PC): every board's needs, each saying which boards. */
        all_boards = r < 0 || !b || b->family == BOARD_FAMILY_UNKNOWN;

        details_add_str(doc, "config", path);
        details_add_str(doc, "board", all_boards ? NULL : board_id_to_string(b->id));
        for (size_t i = 0; i < kernel_needs_count; i++) {
                const KernelNeed *n = &kernel_needs[i];
                KconfigValue v;
                json_object *o;

                if (!kernel_need_applies(n, all_boards ? NULL : b))
                        continue;
                if (!last_probe || !streq(last_probe, n->probe)) {
                        probe = json_object_new_object();
                        opts = json_object_new_array();
                        details_add_str(probe, "probe", n->probe);
                        json_object_object_add(probe, "options", opts);
                        json_object_array_add(probes, probe);
                        last_probe = n->probe;
                }
                v = kconfig_get(k, n->option);
                o = json_object_new_object();
                details_add_str(o, "option", n->option);
                details_add_str(o, "value", kconfig_value_to_string(v));
                details_add_str(o, "need",
                                n->level == KERNEL_NEED_REQUIRED ? "required" : "wanted");
                details_add_bool(o, "ok", serves(n, v));
                if (n->when)
                        details_add_str(o, "when", n->when);
                details_add_str(o, "breaks", n->breaks);
                json_object_array_add(opts, o);
                if (!serves(n, v)) {
                        if (n->level == KERNEL_NEED_REQUIRED)
                                missing_required++;
                        else
                                missing_wanted++;
                }
        }
        details_add_int(doc, "missing_required", missing_required);
        details_add_int(doc, "missing_wanted", missing_wanted);

        if (arg.json) {
                print_json(doc);
                return missing_required ? EXIT_NEEDS_ATTENTION : EXIT_ALL_FINE;
        }
        printf("kernel configuration %s\n", path);
        if (all_boards)
                printf("board: none known here (no device tree; --dtb FILE names one): every "
                       "board's needs\n");
        else
                printf("board: %s (%s)\n", b->model ? b->model : "unknown model",
                       board_id_to_string(b->id));
        for (size_t i = 0; i < json_object_array_length(probes); i++) {
                json_object *p = json_object_array_get_idx(probes, i), *os;

                printf("\n%s\n", json_object_get_string(json_object_object_get(p, "probe")));
                os = json_object_object_get(p, "options");
                for (size_t j = 0; j < json_object_array_length(os); j++) {
                        json_object *o = json_object_array_get_idx(os, j);
                        bool ok = json_object_get_boolean(json_object_object_get(o, "ok"));
                        bool req = streq(json_object_get_string(json_object_object_get(o, "need")),
                                         "required");
                        const char *when =
                                json_object_get_string(json_object_object_get(o, "when"));

                        _cleanup_free_ char *scope =
                                when && all_boards ? strdup_printf(" [%s]", when) : NULL;

                        const char *what =
                                ok ? NULL
                                   : json_object_get_string(json_object_object_get(o, "breaks"));
                        _cleanup_free_ char *line = strdup_printf(
                                "CONFIG_%s%s%s%s",
                                json_object_get_string(json_object_object_get(o, "option")),
                                what ? (req ? " MISSING: " : " missing (wanted): ") : "",
                                strempty(what), strempty(scope));

                        printf("  %s%-8s%s %s\n",
                               color_on(ok    ? COLOR_GREEN
                                        : req ? COLOR_RED
                                              : COLOR_YELLOW),
                               json_object_get_string(json_object_object_get(o, "value")),
                               color_off(), strna(line));
                }
        }
        printf("\n%u required option(s) missing, %u wanted option(s) missing\n", missing_required,
               missing_wanted);
        return missing_required ? EXIT_NEEDS_ATTENTION : EXIT_ALL_FINE;
}
