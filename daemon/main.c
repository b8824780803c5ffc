/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hwctld's entry point: options, signals, the event loop, and the exit code. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "manager.h"
#include "messages.h"

static int help(void)
{
        _cleanup_free_ char *names = probe_table_names(probe_table);

        if (!names)
                return -ENOMEM;
        printf("Usage: hwctld [OPTIONS]\n"
               "\n"
               "Brings up a single-board computer's hardware: grows the root filesystem, detects\n"
               "the board from its device tree and runs the probes\n"
               "(%s).\n"
               "Without --once it stays up, serves `hwctl status` over D-Bus (%s)\n"
               "and /run/hwctl/status.json, and reacts to SIGHUP (reload) and SIGTERM (stop).\n"
               "\n"
               "Options:\n"
               "  --sysroot DIR     prefix every system path read or written (proc, sys, dev,\n"
               "                    etc, run, var) with DIR; default /\n"
               "  --config FILE     read FILE instead of /etc/hwctl/hwctl.conf (drop-ins still "
               "apply)\n"
               "  --once            run first-boot work and every probe, write the snapshot, "
               "exit:\n"
               "                    0 when every verdict is ok, changed or skipped, 1 otherwise\n"
               "  --only PROBE,...  run only these probes (the others are reported skipped)\n"
               "  -h, --help        show this help\n"
               "  --version         show the version\n",
               names, HWCTL_BUS_NAME);
        return 0;
}

static int parse_argv(int argc, char *argv[], Manager *m)
{
        enum { ARG_SYSROOT = 0x100, ARG_CONFIG, ARG_ONCE, ARG_ONLY, ARG_VERSION };
        static const struct option options[] = {
                {"sysroot", required_argument, NULL, ARG_SYSROOT},
                {"config", required_argument, NULL, ARG_CONFIG},
                {"once", no_argument, NULL, ARG_ONCE},
                {"only", required_argument, NULL, ARG_ONLY},
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, ARG_VERSION},
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        return help();
                case ARG_VERSION:
                        printf("hwctld %s\n", HWCTL_VERSION);
                        return 0;
                case ARG_SYSROOT:
                        if (optarg[0] != '/') {
                                fprintf(stderr,
                                        "hwctld: --sysroot needs an absolute path, got '%s'\n",
                                        optarg);
                                return -EINVAL;
                        }
                        free(m->sysroot);
                        m->sysroot = strdup(optarg);
                        if (!m->sysroot)
                                return -ENOMEM;
                        break;
                case ARG_CONFIG:
                        free(m->config_path);
                        m->config_path = strdup(optarg);
                        if (!m->config_path)
                                return -ENOMEM;
                        break;
                case ARG_ONCE:
                        m->once = true;
                        break;
                case ARG_ONLY: {
                        _cleanup_free_ char *copy = strdup(optarg);
                        if (!copy)
                                return -ENOMEM;
                        for (char *save = NULL, *t = strtok_r(copy, ", ", &save); t;
                             t = strtok_r(NULL, ", ", &save)) {
                                if (!probe_find(t)) {
                                        _cleanup_free_ char *names = probe_table_names(probe_table);
                                        fprintf(stderr,
                                                "hwctld: --only: unknown probe '%s' (known: %s)\n",
                                                t, strna(names));
                                        return -EINVAL;
                                }
                                if (strv_extend(&m->only, t) < 0)
                                        return -ENOMEM;
                        }
                        if (!m->only) {
                                fprintf(stderr, "hwctld: --only needs at least one probe name\n");
                                return -EINVAL;
                        }
                        break;
                }
                case '?':
                        return -EINVAL;
                default:
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "hwctld: unexpected argument '%s' (see --help)\n", argv[optind]);
                return -EINVAL;
        }
        if (!m->sysroot) {
                m->sysroot = strdup("/");
                if (!m->sysroot)
                        return -ENOMEM;
        }
        return 1;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        Manager *m = userdata;

        if (si->ssi_signo == SIGHUP) {
                sd_notify(0, "RELOADING=1\nSTATUS=Reloading the configuration");
                (void)manager_reload(m);
                sd_notify(0, "READY=1");
                return 0;
        }
        log_event(LOG_INFO, HWCTL_MESSAGE_STOPPING, NULL, NULL, 0, NULL, "Stopping on %s",
                  strsignal((int)si->ssi_signo));
        sd_event_exit(m->event, 0);
        return 0;
}

int main(int argc, char *argv[])
{
        _cleanup_(manager_freep) Manager *m = NULL;
        sigset_t mask;
        int r, code;

        log_setup(LOG_TARGET_AUTO);
        r = manager_new(&m);
        if (r < 0) {
                log_error_errno(r, "Failed to allocate the event loop: %m");
                return EXIT_FAILURE;
        }
        r = parse_argv(argc, argv, m);
        if (r <= 0)
                return r < 0 ? 2 : EXIT_SUCCESS;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        (void)sd_event_add_signal(m->event, NULL, SIGTERM, on_signal, m);
        (void)sd_event_add_signal(m->event, NULL, SIGINT, on_signal, m);
        (void)sd_event_add_signal(m->event, NULL, SIGHUP, on_signal, m);
        /* Sends WATCHDOG=1 at half of WATCHDOG_USEC while the loop is alive. */
        (void)sd_event_set_watchdog(m->event, true);

        r = manager_startup(m);
        if (r < 0) {
                sd_notifyf(0, "STATUS=Failed to start: %s\nERRNO=%d", strerror(-r), -r);
                return EXIT_FAILURE;
        }

        r = sd_event_loop(m->event);
        code = r < 0 ? EXIT_FAILURE : r;
        m->stopping = true;
        sd_notify(0, "STOPPING=1\nSTATUS=Stopping");
        probe_runner_cancel_all(m->runner);
        manager_write_snapshot(m);
        if (r < 0)
                log_error_errno(r, "Event loop failed: %m");
        return code;
}
