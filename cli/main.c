/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hwctl: the thin client for hwctld. Global options, then one command. */
#include <getopt.h>
#include <stdio.h>

#include "hwctl.h"

GlobalOptions arg = {.sysroot = "/"};

static const struct {
        const char *name;
        CommandFunc func;
        const char *help;
} commands[] = {
        {"status", cmd_status, "the board and each probe's verdict (default)"},
        {"board", cmd_board, "what hwctl reads from the device tree"},
        {"plan", cmd_plan, "what each probe would do here, changing nothing"},
        {"rerun", cmd_rerun, "run probes again (root)"},
        {"journal", cmd_journal, "hwctld's journal entries, by probe"},
        {"check-config", cmd_check_config, "check hwctl.conf and its drop-ins"},
        {"kernel-check", cmd_kernel_check, "a kernel config against what hwctld needs here"},
        {"boot-check", cmd_boot_check, "a boot partition as the boot loader will read it"},
        {"dt", cmd_dt, "dt check: overlays against their base, before the image is flashed"},
};

static void help(void)
{
        printf("Usage: hwctl [--sysroot DIR] [--json] [--no-color] COMMAND [ARGS]\n\n"
               "Shows what hwctld found on this board and what to do about it.\n\n"
               "Commands:\n");
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                printf("  %-14s%s\n", commands[i].name, commands[i].help);
        printf("\nOptions:\n"
               "  --sysroot DIR  read the snapshot, device tree and config under DIR\n"
               "  --json         output JSON for programs\n"
               "  --no-color     no colour (also: NO_COLOR set, or not a terminal)\n"
               "  -h, --help     this help; COMMAND --help for a command's\n"
               "  --version      the version\n\n"
               "Exit status: 0 all fine, 1 something degraded or failed, 2 usage error,\n"
               "3 no daemon and no snapshot.\n");
}

int main(int argc, char *argv[])
{
        static const struct option options[] = {
                {"sysroot", required_argument, NULL, 'r'}, {"json", no_argument, NULL, 'j'},
                {"no-color", no_argument, NULL, 'C'},      {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, 'V'},       {},
        };
        const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
        int c;

        arg.color = isatty(STDOUT_FILENO) && isempty(no_color) && !(term && streq(term, "dumb"));

        /* "+": stop at the command; its own options follow it. */
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0)
                switch (c) {
                case 'r':
                        if (optarg[0] != '/')
                                return usage_error("--sysroot needs an absolute path, got '%s'",
                                                   optarg);
                        arg.sysroot = optarg;
                        break;
                case 'j':
                        arg.json = true;
                        break;
                case 'C':
                        arg.color = false;
                        break;
                case 'h':
                        help();
                        return EXIT_ALL_FINE;
                case 'V':
                        printf("hwctl %s\n", HWCTL_VERSION);
                        return EXIT_ALL_FINE;
                default:
                        return EXIT_USAGE;
                }

        const char *name = optind < argc ? argv[optind] : "status";
        if (streq(name, "help")) {
                help();
                return EXIT_ALL_FINE;
        }
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (streq(commands[i].name, name)) {
                        int sub_argc = optind < argc ? argc - optind : 1;
                        char *fallback[] = {(char *)name, NULL};
                        char **sub_argv = optind < argc ? argv + optind : fallback;
                        /* 0, not 1: glibc then forgets the "+" ordering of the global parse and
                         * the command parses its own options, wherever they stand. */
                        optind = 0;
                        return commands[i].func(sub_argc, sub_argv);
                }
        return usage_error("unknown command '%s'", name);
}
