/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `hwctl board` and `hwctl plan`: what hwctl sees in a device tree and would do with it. */
#include <getopt.h>

#include "config.h"
#include "hwctl.h"
#include "probe.h"

static int load_board(const char *dtb, Board **ret)
{
        _cleanup_free_ char *error = NULL;
        int r;

        r = dtb ? board_detect_from_dtb(dtb, ret, &error)
                : board_detect_from_live(arg.sysroot, ret, &error);
        if (r < 0) {
                fprintf(stderr, "hwctl: cannot read the device tree %s: %s\n",
                        dtb ? dtb : "of this machine", error ? error : strerror(-r));
                return r;
        }
        return 0;
}

int cmd_board(int argc, char *argv[])
{
        static const struct option options[] = {
                {"dtb", required_argument, NULL, 'd'},
                {"json", no_argument, NULL, 'j'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        _cleanup_(board_freep) Board *b = NULL;
        const char *dtb = NULL;
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'd':
                        dtb = optarg;
                        break;
                case 'j':
                        arg.json = true;
                        break;
                case 'h':
                        printf("Usage: hwctl board [--dtb FILE] [--json]\n\n"
                               "Detects the board from the live device tree\n"
                               "(<sysroot>/proc/device-tree) or from a DTB file, and shows what\n"
                               "hwctl knows about it: id, model, serial, revision, the Bluetooth\n"
                               "UART and its pins, audio nodes, the 40-pin header's GPIO\n"
                               "controller, and any differences from what the board should "
                               "have.\n");
                        return EXIT_ALL_FINE;
                default:
                        return EXIT_USAGE;
                }
        if (optind < argc)
                return usage_error("board: unexpected argument '%s'", argv[optind]);
        if (load_board(dtb, &b) < 0)
                return EXIT_NEEDS_ATTENTION;
        if (arg.json) {
                json_object *o = board_to_json(b);
                print_json(o);
                json_object_put(o);
        } else
                print_board(b);
        return EXIT_ALL_FINE;
}

int cmd_plan(int argc, char *argv[])
{
        static const struct option options[] = {
                {"dtb", required_argument, NULL, 'd'},
                {"config", required_argument, NULL, 'c'},
                {"json", no_argument, NULL, 'j'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        _cleanup_(board_freep) Board *b = NULL;
        _cleanup_(config_unrefp) Config *cfg = NULL;
        const char *dtb = NULL, *config = NULL;
        json_object *out, *arr;
        _cleanup_free_ char *line = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'd':
                        dtb = optarg;
                        break;
                case 'c':
                        config = optarg;
                        break;
                case 'j':
                        arg.json = true;
                        break;
                case 'h':
                        printf("Usage: hwctl plan [--dtb FILE] [--config FILE] [--json]\n\n"
                               "Shows what each probe would do on this board (or the board in\n"
                               "FILE) with this configuration (or FILE instead of\n"
                               "/etc/hwctl/hwctl.conf), changing nothing.\n");
                        return EXIT_ALL_FINE;
                default:
                        return EXIT_USAGE;
                }
        if (optind < argc)
                return usage_error("plan: unexpected argument '%s'", argv[optind]);
        if (load_board(dtb, &b) < 0)
                return EXIT_NEEDS_ATTENTION;
        r = config_load(probe_table, arg.sysroot, config, &cfg);
        if (r < 0) {
                fprintf(stderr, "hwctl: cannot load the configuration: %s\n", strerror(-r));
                return EXIT_NEEDS_ATTENTION;
        }
        for (size_t i = 0; i < config_n_problems(cfg); i++) {
                const ConfigProblem *p = config_problem(cfg, i);
                fprintf(stderr, "hwctl: %s:%u: %s (see hwctl check-config)\n", p->file, p->line,
                        p->message);
        }

        out = json_object_new_object();
        arr = json_object_new_array();
        json_object_object_add(out, "board", board_to_json(b));
        json_object_object_add(out, "config", config_to_json(cfg));
        json_object_object_add(out, "probes", arr);
        for (size_t i = 0; probe_table[i]; i++) {
                const ProbeOps *ops = probe_table[i];
                json_object *p = json_object_new_object(), *details = json_object_new_object();
                _cleanup_free_ char *summary = NULL;
                const char *action = "run";

                /* The runner's own decision, so the plan cannot disagree with a real run. */
                r = probe_skip_reason(ops, b, cfg, NULL, &summary);
                if (r < 0)
                        summary = strdup_printf("cannot plan: %s", strerror(-r));
                if (r != 0)
                        action = "skip";
                else if (ops->plan) {
                        r = ops->plan(b, cfg, arg.sysroot, &summary, details);
                        if (r < 0)
                                summary = strdup_printf("cannot plan: %s", strerror(-r));
                } else
                        summary = strdup("runs; this probe has no dry-run description");
                json_object_object_add(p, "name", json_object_new_string(ops->name));
                json_object_object_add(p, "action", json_object_new_string(action));
                json_object_object_add(p, "summary", json_object_new_string(strempty(summary)));
                json_object_object_add(p, "details", details);
                json_object_array_add(arr, p);
        }

        if (arg.json)
                print_json(out);
        else {
                json_object *board;
                json_object_object_get_ex(out, "board", &board);
                line = board_json_line(board);
                print_field("Board", 10, "%s", strna(line));
                for (size_t i = 0; i < json_object_array_length(arr); i++) {
                        json_object *p = json_object_array_get_idx(arr, i), *v;
                        const char *name, *action, *summary;
                        json_object_object_get_ex(p, "name", &v);
                        name = json_object_get_string(v);
                        json_object_object_get_ex(p, "action", &v);
                        action = json_object_get_string(v);
                        json_object_object_get_ex(p, "summary", &v);
                        summary = json_object_get_string(v);
                        printf("%-10s%s%-10s%s%s\n", name,
                               color_on(streq(action, "run") ? COLOR_BOLD : COLOR_GREY), action,
                               color_off(), summary);
                }
        }
        json_object_put(out);
        return EXIT_ALL_FINE;
}
