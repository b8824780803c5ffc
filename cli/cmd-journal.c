/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `hwctl journal`: hwctld's journal entries, optionally of one probe, optionally followed. */
#include <getopt.h>
#include <inttypes.h>
#include <time.h>

#include <systemd/sd-journal.h>

#include "hwctl.h"
#include "probe.h"

static char *entry_field(sd_journal *j, const char *field)
{
        const void *data;
        size_t len, k = strlen(field);

        if (sd_journal_get_data(j, field, &data, &len) < 0 || len <= k + 1)
                return NULL;
        return strndup((const char *)data + k + 1, len - k - 1);
}

static void print_entry(sd_journal *j)
{
        _cleanup_free_ char *msg = entry_field(j, "MESSAGE");
        _cleanup_free_ char *probe = entry_field(j, "HWCTL_PROBE");
        _cleanup_free_ char *verdict = entry_field(j, "HWCTL_VERDICT");
        _cleanup_free_ char *prio = entry_field(j, "PRIORITY");
        uint64_t usec = 0;
        char when[32] = "?";
        time_t t;
        struct tm tm;

        if (sd_journal_get_realtime_usec(j, &usec) >= 0) {
                t = (time_t)(usec / USEC_PER_SEC);
                if (localtime_r(&t, &tm))
                        strftime(when, sizeof when, "%b %d %H:%M:%S", &tm);
        }
        if (arg.json) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "realtime_usec", json_object_new_int64((int64_t)usec));
                json_object_object_add(o, "message", msg ? json_object_new_string(msg) : NULL);
                json_object_object_add(o, "probe", probe ? json_object_new_string(probe) : NULL);
                json_object_object_add(o, "verdict",
                                       verdict ? json_object_new_string(verdict) : NULL);
                json_object_object_add(o, "priority",
                                       prio ? json_object_new_int(atoi(prio)) : NULL);
                puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
                json_object_put(o);
                return;
        }
        printf("%s %-10s%s%s%s%s%s\n", when, probe ? probe : "hwctld",
               color_on(verdict ? verdict_color(verdict) : COLOR_NONE), strempty(verdict),
               color_off(), verdict ? ": " : "", strna(msg));
}

int cmd_journal(int argc, char *argv[])
{
        static const struct option options[] = {
                {"follow", no_argument, NULL, 'f'},
                {"lines", required_argument, NULL, 'n'},
                {"directory", required_argument, NULL, 'D'},
                {"json", no_argument, NULL, 'j'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        sd_journal *j = NULL;
        const char *directory = NULL, *probe = NULL;
        bool follow = false;
        _cleanup_free_ char *names = NULL;
        long lines = 50;
        int c, r;

        while ((c = getopt_long(argc, argv, "fn:D:h", options, NULL)) >= 0)
                switch (c) {
                case 'f':
                        follow = true;
                        break;
                case 'n': {
                        char *end;
                        errno = 0;
                        lines = strtol(optarg, &end, 10);
                        if (errno || *end || lines < 0)
                                return usage_error("journal: -n needs a number of lines, got '%s'",
                                                   optarg);
                        break;
                }
                case 'D':
                        directory = optarg;
                        break;
                case 'j':
                        arg.json = true;
                        break;
                case 'h':
                        names = probe_table_names(probe_table);
                        printf("Usage: hwctl journal [PROBE] [-f] [-n LINES] [-D DIR] [--json]\n\n"
                               "Shows hwctld's journal entries (the last 50 by default), only\n"
                               "those of PROBE when named (%s).\n\n"
                               "  -f, --follow        keep printing new entries\n"
                               "  -n, --lines N       how many past entries to show (0: all)\n"
                               "  -D, --directory DIR read the journal files in DIR (another\n"
                               "                      card's /var/log/journal, say)\n"
                               "  --json              one JSON object per entry\n",
                               strna(names));
                        return EXIT_ALL_FINE;
                default:
                        return EXIT_USAGE;
                }
        if (optind < argc)
                probe = argv[optind++];
        if (optind < argc)
                return usage_error("journal: unexpected argument '%s'", argv[optind]);
        if (probe && !probe_find(probe)) {
                names = probe_table_names(probe_table);
                return usage_error("journal: unknown probe '%s' (known: %s)", probe, strna(names));
        }

        r = directory ? sd_journal_open_directory(&j, directory, 0)
                      : sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0) {
                fprintf(stderr, "hwctl: cannot open the journal%s%s: %s\n", directory ? " in " : "",
                        strempty(directory), strerror(-r));
                return EXIT_NEEDS_ATTENTION;
        }
        /* Only fields journald itself sets can be trusted: any client may claim
         * SYSLOG_IDENTIFIER=hwctld. hwctld's entries come from its unit, or (--once, by hand)
         * from a process named hwctld running as root. */
        r = sd_journal_add_match(j, "_SYSTEMD_UNIT=hwctld.service", 0);
        if (r >= 0)
                r = sd_journal_add_disjunction(j);
        if (r >= 0)
                r = sd_journal_add_match(j, "_COMM=hwctld", 0);
        if (r >= 0)
                r = sd_journal_add_match(j, "_UID=0", 0);
        if (r >= 0 && probe) {
                _cleanup_free_ char *m = strdup_printf("HWCTL_PROBE=%s", probe);
                r = sd_journal_add_conjunction(j);
                if (r >= 0)
                        r = m ? sd_journal_add_match(j, m, 0) : -ENOMEM;
        }
        if (r < 0) {
                sd_journal_close(j);
                fprintf(stderr, "hwctl: cannot filter the journal: %s\n", strerror(-r));
                return EXIT_NEEDS_ATTENTION;
        }

        if (lines > 0) {
                sd_journal_seek_tail(j);
                r = sd_journal_previous_skip(j, (uint64_t)lines);
                if (r < lines)
                        sd_journal_seek_head(j);
        } else
                sd_journal_seek_head(j);

        for (;;) {
                r = sd_journal_next(j);
                if (r < 0) {
                        fprintf(stderr, "hwctl: cannot read the journal: %s\n", strerror(-r));
                        break;
                }
                if (r == 0) {
                        if (!follow)
                                break;
                        fflush(stdout);
                        r = sd_journal_wait(j, UINT64_MAX);
                        if (r < 0)
                                break;
                        continue;
                }
                print_entry(j);
        }
        sd_journal_close(j);
        return r < 0 ? EXIT_NEEDS_ATTENTION : EXIT_ALL_FINE;
}
