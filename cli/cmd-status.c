/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `hwctl status` and `hwctl rerun`: what the daemon found, from the bus or else the snapshot. */
#include <getopt.h>
#include <time.h>

#include "hwctl.h"
#include "probe.h"
#include "status.h"

static const char *json_str(json_object *o, const char *key)
{
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

static char *format_time(int64_t usec)
{
        time_t t = (time_t)(usec / (int64_t)USEC_PER_SEC);
        struct tm tm;
        char buf[64];

        if (usec <= 0 || !localtime_r(&t, &tm) ||
            !strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm))
                return strdup("an unknown time");
        return strdup(buf);
}

/* Whether every reported verdict is ok, changed or skipped (pending ones do not count). */
static bool doc_good(json_object *doc)
{
        json_object *probes = NULL;

        json_object_object_get_ex(doc, "probes", &probes);
        for (size_t i = 0; i < json_object_array_length(probes); i++) {
                const char *v = json_str(json_object_array_get_idx(probes, i), "verdict");
                if (v && !verdict_is_good(verdict_from_string(v)))
                        return false;
        }
        return true;
}

/* Prints the board line and the probe table. */
static void print_status(json_object *doc)
{
        json_object *board = NULL, *probes = NULL;
        _cleanup_free_ char *line = NULL;

        json_object_object_get_ex(doc, "board", &board);
        json_object_object_get_ex(doc, "probes", &probes);
        line = board_json_line(board);
        print_field("Board", 10, "%s", strna(line));

        for (size_t i = 0; i < json_object_array_length(probes); i++) {
                json_object *p = json_object_array_get_idx(probes, i);
                const char *name = json_str(p, "name"), *verdict = json_str(p, "verdict");
                const char *summary = json_str(p, "summary"), *remedy = json_str(p, "remedy");
                const char *state = json_str(p, "state");
                _cleanup_free_ char *safe_name = text_for_terminal(strna(name)),
                                    *safe_summary = text_for_terminal(strempty(summary)),
                                    *safe_remedy = text_for_terminal(remedy);

                if (!verdict) {
                        bool running = state && streq(state, "running");
                        printf("%-10s%s%-10s%s%s\n", strna(safe_name), color_on(COLOR_GREY),
                               running ? "running" : "pending", color_off(),
                               running ? "in progress" : "waiting to run");
                        continue;
                }
                /* The verdict is printed only when it is one of ours. */
                if (verdict_from_string(verdict) < 0)
                        verdict = "unknown";
                printf("%-10s%s%-10s%s%s\n", strna(safe_name), color_on(verdict_color(verdict)),
                       verdict, color_off(), strempty(safe_summary));
                if (safe_remedy)
                        printf("%-20s%s\n", "", safe_remedy);
        }
}

int cmd_status(int argc, char *argv[])
{
        static const struct option options[] = {
                {"json", no_argument, NULL, 'j'},
                {"snapshot", no_argument, NULL, 's'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        _cleanup_free_ char *bus_error = NULL, *snap_error = NULL;
        json_object *doc = NULL;
        bool snapshot_only = false, good;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'j':
                        arg.json = true;
                        break;
                case 's':
                        snapshot_only = true;
                        break;
                case 'h':
                        printf("Usage: hwctl status [--json] [--snapshot]\n\n"
                               "Shows the board and each probe's verdict, summary and remedy, as\n"
                               "the running daemon reports them over D-Bus. Without a daemon on\n"
                               "the bus it reads the snapshot in <sysroot>/run/hwctl/status.json\n"
                               "and says so.\n\n"
                               "  --json      the status document, for programs\n"
                               "  --snapshot  read the snapshot without asking the daemon\n\n"
                               "Exit: 0 all ok/changed/skipped, 1 something degraded or failed,\n"
                               "2 usage error, 3 no daemon and no snapshot.\n");
                        return EXIT_ALL_FINE;
                default:
                        return EXIT_USAGE;
                }
        if (optind < argc)
                return usage_error("status: unexpected argument '%s'", argv[optind]);

        r = snapshot_only ? -ESRCH : bus_describe(&doc, &bus_error);
        if (r < 0) {
                json_object *updated;

                r = status_snapshot_read(arg.sysroot, &doc, &snap_error);
                if (r < 0) {
                        if (!snapshot_only)
                                fprintf(stderr, "hwctl: the daemon is not reachable: %s\n",
                                        strna(bus_error));
                        fprintf(stderr, "hwctl: and there is no usable snapshot: %s\n",
                                strna(snap_error));
                        return EXIT_NO_DAEMON;
                }
                if (json_object_object_get_ex(doc, "updated_usec", &updated)) {
                        _cleanup_free_ char *when = format_time(json_object_get_int64(updated));
                        if (snapshot_only)
                                fprintf(stderr, "hwctl: showing the snapshot written at %s\n",
                                        when);
                        else
                                fprintf(stderr,
                                        "hwctl: the daemon is not reachable (%s); showing the "
                                        "snapshot written at %s\n",
                                        strna(bus_error), when);
                }
        }

        if (arg.json)
                print_json(doc);
        else
                print_status(doc);
        good = doc_good(doc);
        json_object_put(doc);
        return good ? EXIT_ALL_FINE : EXIT_NEEDS_ATTENTION;
}

int cmd_rerun(int argc, char *argv[])
{
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {},
        };
        _cleanup_free_ char *error = NULL, *names = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        names = probe_table_names(probe_table);
                        printf("Usage: hwctl rerun PROBE...\n\n"
                               "Asks the daemon to run the named probes again (root only).\n"
                               "Probes: %s.\n",
                               strna(names));
                        return EXIT_ALL_FINE;
                default:
                        return EXIT_USAGE;
                }
        if (optind >= argc)
                return usage_error("rerun: name at least one probe");
        for (int i = optind; i < argc; i++)
                if (!probe_find(argv[i])) {
                        names = probe_table_names(probe_table);
                        return usage_error("rerun: unknown probe '%s' (known: %s)", argv[i],
                                           strna(names));
                }
        r = bus_rerun(argv + optind, &error);
        if (r < 0) {
                fprintf(stderr, "hwctl: cannot re-run: %s\n", strna(error));
                if (r == -EACCES)
                        fprintf(stderr, "hwctl: re-running probes needs root (try sudo)\n");
                return bus_error_is_no_daemon(r) ? EXIT_NO_DAEMON : EXIT_NEEDS_ATTENTION;
        }
        for (int i = optind; i < argc; i++)
                printf("Re-running %s; see hwctl status\n", argv[i]);
        return EXIT_ALL_FINE;
}
