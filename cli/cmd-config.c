/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `hwctl check-config`: every problem in hwctl.conf and its drop-ins, with file and line. */
#include <getopt.h>

#include "config.h"
#include "hwctl.h"
#include "probe.h"

int cmd_check_config(int argc, char *argv[])
{
        static const struct option options[] = {
                {"config", required_argument, NULL, 'c'},
                {"json", no_argument, NULL, 'j'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        _cleanup_(config_unrefp) Config *cfg = NULL;
        const char *config = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        config = optarg;
                        break;
                case 'j':
                        arg.json = true;
                        break;
                case 'h':
                        printf("Usage: hwctl check-config [--config FILE] [--json]\n\n"
                               "Reads /etc/hwctl/hwctl.conf (or FILE) and the hwctl.conf.d "
                               "drop-ins\n"
                               "under /usr/lib/hwctl, /run/hwctl and /etc/hwctl as hwctld would,\n"
                               "and reports every problem with its file and line.\n"
                               "Exit: 0 no problems, 1 problems found, 2 usage error.\n");
                        return EXIT_ALL_FINE;
                default:
                        return EXIT_USAGE;
                }
        if (optind < argc)
                return usage_error("check-config: unexpected argument '%s'", argv[optind]);

        r = config_load(probe_table, arg.sysroot, config, &cfg);
        if (r < 0) {
                fprintf(stderr, "hwctl: cannot load the configuration: %s\n", strerror(-r));
                return EXIT_NEEDS_ATTENTION;
        }
        if (arg.json) {
                json_object *o = json_object_new_object(), *files = json_object_new_array(),
                            *problems = json_object_new_array();
                STRV_FOREACH (f, config_files(cfg))
                        json_object_array_add(files, json_object_new_string(*f));
                for (size_t i = 0; i < config_n_problems(cfg); i++) {
                        const ConfigProblem *p = config_problem(cfg, i);
                        json_object *e = json_object_new_object();
                        json_object_object_add(e, "file", json_object_new_string(p->file));
                        json_object_object_add(e, "line", json_object_new_int((int)p->line));
                        json_object_object_add(e, "severity",
                                               json_object_new_string(p->severity == CONFIG_ERROR
                                                                              ? "error"
                                                                              : "warning"));
                        json_object_object_add(e, "message", json_object_new_string(p->message));
                        json_object_array_add(problems, e);
                }
                json_object_object_add(o, "files", files);
                json_object_object_add(o, "problems", problems);
                json_object_object_add(o, "effective", config_to_json(cfg));
                print_json(o);
                json_object_put(o);
        } else {
                STRV_FOREACH (f, config_files(cfg))
                        printf("read %s\n", *f);
                for (size_t i = 0; i < config_n_problems(cfg); i++) {
                        const ConfigProblem *p = config_problem(cfg, i);
                        bool err = p->severity == CONFIG_ERROR;
                        if (p->line > 0)
                                printf("%s:%u: ", p->file, p->line);
                        else
                                printf("%s: ", p->file);
                        printf("%s%s%s: %s\n", color_on(err ? COLOR_RED : COLOR_YELLOW),
                               err ? "error" : "warning", color_off(), p->message);
                }
                if (config_n_problems(cfg) == 0)
                        printf("%zu file(s) read, no problems\n", strv_length(config_files(cfg)));
                else
                        printf("%zu problem(s); hwctld keeps the defaults for those settings\n",
                               config_n_problems(cfg));
        }
        return config_n_problems(cfg) == 0 ? EXIT_ALL_FINE : EXIT_NEEDS_ATTENTION;
}
