/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bcm-emu: serves an emulated Broadcom controller on a new pty or a unix socket, for VM tiers. */
#include <errno.h>
#include <getopt.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bcm-emu.h"
#include "util.h"

/* A Write RAM record takes a real chip well under a millisecond; 100 us is assumed, for every
 * command alike. */
#define EMU_DEFAULT_LATENCY_USEC 100

static volatile bool stop;

static void on_signal(int sig)
{
        (void)sig;
        stop = true;
}

static int usage(void)
{
        fprintf(stderr, "usage: bcm-emu --chip NAME [--hcd FILE] [--fault NAME]... [--late-ms N] "
                        "[--latency-us N] [--no-pacing] (--pty | --socket PATH)\n"
                        "faults: silent ignore-baud no-cts only-115200 overrun truncated "
                        "oversized late bad-name\n"
                        "--pty prints the pty's name; --socket listens on PATH, prints it, and\n"
                        "serves the first peer (qemu -serial unix:PATH) until it goes away. A\n"
                        "socket carries no line speed: the chip always hears the host at its\n"
                        "own speed, and a speed mismatch (only-115200) cannot show.\n"
                        "On a pty every answer arrives when a real line would bring it: the\n"
                        "chip's latency (--latency-us, default 100) after the command's last\n"
                        "byte, plus the answer's bytes at 10 bits each; --no-pacing: at once.\n");
        return 2;
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                {"chip", required_argument, NULL, 'c'},
                {"hcd", required_argument, NULL, 'H'},
                {"fault", required_argument, NULL, 'f'},
                {"late-ms", required_argument, NULL, 'l'},
                {"latency-us", required_argument, NULL, 'L'},
                {"no-pacing", no_argument, NULL, 'n'},
                {"pty", no_argument, NULL, 'p'},
                {"socket", required_argument, NULL, 's'},
                {},
        };
        BcmEmuConfig c = {.chip = "BCM4345C0",
                          .late_usec = 2 * USEC_PER_SEC,
                          .latency_usec = EMU_DEFAULT_LATENCY_USEC};
        const char *socket_path = NULL;
        bool pty = false;
        BcmEmuStats st;
        int opt, fd, r;

        while ((opt = getopt_long(argc, argv, "", opts, NULL)) >= 0) {
                switch (opt) {
                case 'c':
                        c.chip = optarg;
                        break;
                case 'H':
                        c.hcd_path = optarg;
                        break;
                case 'f': {
                        unsigned f = bcm_emu_fault_from_string(optarg);

                        if (!f)
                                return usage();
                        c.faults |= f;
                        break;
                }
                case 'l':
                        c.late_usec = strtoull(optarg, NULL, 10) * USEC_PER_MSEC;
                        break;
                case 'L': {
                        char *end;

                        errno = 0;
                        c.latency_usec = strtoull(optarg, &end, 10);
                        if (errno || end == optarg || *end || *optarg == '-' ||
                            c.latency_usec > USEC_PER_SEC)
                                return usage();
                        break;
                }
                case 'n':
                        c.no_pacing = true;
                        break;
                case 'p':
                        pty = true;
                        break;
                case 's':
                        socket_path = optarg;
                        break;
                default:
                        return usage();
                }
        }
        if (pty == !!socket_path)
                return usage();
        /* No SA_RESTART: SIGTERM must also end a wait in accept() for a peer that never came. */
        sigaction(SIGTERM, &(struct sigaction){.sa_handler = on_signal}, NULL);
        sigaction(SIGINT, &(struct sigaction){.sa_handler = on_signal}, NULL);
        /* A peer that goes away (qemu killed) is the end of the session, not a crash. */
        signal(SIGPIPE, SIG_IGN);

        if (pty) {
                char name[128];
                int slave;

                if (openpty(&fd, &slave, name, NULL, NULL) < 0) {
                        fprintf(stderr, "bcm-emu: openpty: %s\n", strerror(errno));
                        return 1;
                }
                printf("%s\n", name);
                fflush(stdout);
                /* The slave stays open here too, so the pty survives the host reopening it. */
                (void)slave;
        } else {
                struct sockaddr_un sa = {.sun_family = AF_UNIX};
                int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

                if (l < 0 || strlen(socket_path) >= sizeof(sa.sun_path))
                        return 1;
                strcpy(sa.sun_path, socket_path);
                unlink(socket_path);
                if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 1) < 0) {
                        fprintf(stderr, "bcm-emu: %s: %s\n", socket_path, strerror(errno));
                        return 1;
                }
                /* Like the pty's name: once this line is out, a peer (qemu -serial
                 * unix:PATH, a client, not a server) may connect. */
                printf("%s\n", socket_path);
                fflush(stdout);
                fd = accept(l, NULL, NULL);
                close(l);
                unlink(socket_path);
                if (fd < 0) {
                        fprintf(stderr, "bcm-emu: no peer connected to %s: %s\n", socket_path,
                                strerror(errno));
                        return 1;
                }
        }
        r = bcm_emu_serve(fd, &c, &stop, &st);
        if (r < 0) {
                fprintf(stderr, "bcm-emu: %s\n", strerror(-r));
                return 1;
        }
        /* A line scripts/bench-bluetooth reads: the host's share of the time, and the chip's; the
         * counters stay the last line, which the tests read. */
        fprintf(stderr,
                "bcm-emu: timing: host turns %u, %llu us in all; late answers %u, %llu us in all, "
                "at most %llu us\n",
                st.host_turns, (unsigned long long)st.host_usec, st.late_answers,
                (unsigned long long)st.late_usec, (unsigned long long)st.late_usec_max);
        fprintf(stderr,
                "bcm-emu: %u commands, %u patch records, patch %s, %u baud, address "
                "%02x:%02x:%02x:%02x:%02x:%02x\n",
                st.commands, st.records_ok, st.patch_ok ? "complete" : "not complete", st.baud,
                st.bdaddr[0], st.bdaddr[1], st.bdaddr[2], st.bdaddr[3], st.bdaddr[4], st.bdaddr[5]);
        return 0;
}
