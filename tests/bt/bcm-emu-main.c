/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bcm-emu: serves an emulated Broadcom controller on a new pty or a unix socket, for VM tiers. */
#include <errno.h>
#include <getopt.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bcm-emu.h"
#include "util.h"

static volatile bool stop;

static void on_signal(int sig)
{
        (void)sig;
        stop = true;
}

static int usage(void)
{
        fprintf(stderr, "usage: bcm-emu --chip NAME [--hcd FILE] [--fault NAME]... [--late-ms N] "
                        "[--no-pacing] (--pty | --socket PATH)\n"
                        "faults: silent ignore-baud no-cts only-115200 overrun truncated "
                        "oversized late bad-name\n"
                        "--pty prints the pty's name; --socket listens on PATH, prints it, and\n"
                        "serves the first peer (qemu -serial unix:PATH) until it goes away. A\n"
                        "socket carries no line speed: the chip always hears the host at its\n"
                        "own speed, and a speed mismatch (only-115200) cannot show.\n");
        return 2;
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                {"chip", required_argument, NULL, 'c'},   {"hcd", required_argument, NULL, 'H'},
                {"fault", required_argument, NULL, 'f'},  {"late-ms", required_argument, NULL, 'l'},
                {"no-pacing", no_argument, NULL, 'n'},    {"pty", no_argument, NULL, 'p'},
                {"socket", required_argument, NULL, 's'}, {},
        };
        BcmEmuConfig c = {.chip = "BCM4345C0", .late_usec = 2 * USEC_PER_SEC};
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
        fprintf(stderr,
                "bcm-emu: %u commands, %u patch records, patch %s, %u baud, address "
                "%02x:%02x:%02x:%02x:%02x:%02x\n",
                st.commands, st.records_ok, st.patch_ok ? "complete" : "not complete", st.baud,
                st.bdaddr[0], st.bdaddr[1], st.bdaddr[2], st.bdaddr[3], st.bdaddr[4], st.bdaddr[5]);
        return 0;
}
