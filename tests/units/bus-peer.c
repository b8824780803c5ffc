/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A stand-in for hwctld on a test bus, to prove what the bus policy lets through: it owns
 * org.hwctl1 and prints every call that reaches it, or sends one call without an interface. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

/* sd-bus's own destructors, for __attribute__((cleanup)). */
#define _cleanup_(f) __attribute__((cleanup(f)))

#define BUS_NAME  "org.hwctl1"
#define BUS_PATH  "/org/hwctl1"
#define BUS_IFACE "org.hwctl1.Manager"

/* One line per call that got past the bus: the test compares this against what it sent. */
static int log_call(sd_bus_message *m)
{
        printf("call %s\n", sd_bus_message_get_member(m));
        fflush(stdout);
        return 0;
}

static int method_describe(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        log_call(m);
        return sd_bus_reply_method_return(m, "s", "{\"stand-in\":true}");
}

static int method_empty(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        log_call(m);
        return sd_bus_reply_method_return(m, NULL);
}

static int property_version(sd_bus *bus, const char *path, const char *interface,
                            const char *property, sd_bus_message *reply, void *userdata,
                            sd_bus_error *error)
{
        printf("get %s\n", property);
        fflush(stdout);
        return sd_bus_message_append(reply, "s", "stand-in");
}

static int property_set_version(sd_bus *bus, const char *path, const char *interface,
                                const char *property, sd_bus_message *value, void *userdata,
                                sd_bus_error *error)
{
        const char *v;
        int r = sd_bus_message_read(value, "s", &v);
        if (r < 0)
                return r;
        printf("set %s\n", property);
        fflush(stdout);
        return 0;
}

/* All UNPRIVILEGED: sd-bus's own check (callers other than root need this flag) stays out of the
 * way, so whatever the bus lets through arrives here and is printed. */
#define OPEN SD_BUS_VTABLE_UNPRIVILEGED
static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_WRITABLE_PROPERTY("Version", "s", property_version, property_set_version, 0, OPEN),
        SD_BUS_METHOD("Describe", "", "s", method_describe, OPEN),
        SD_BUS_METHOD("RerunProbe", "s", "", method_empty, OPEN),
        SD_BUS_METHOD("RerunProbes", "as", "", method_empty, OPEN),
        SD_BUS_METHOD("Reload", "", "", method_empty, OPEN),
        SD_BUS_VTABLE_END,
};

static int serve(void)
{
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        r = sd_event_default(&event);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGINT, NULL, NULL);
        if (r < 0) {
                fprintf(stderr, "bus-peer: cannot set up the event loop: %s\n", strerror(-r));
                return 1;
        }
        r = sd_bus_open_system(&bus);
        if (r < 0) {
                fprintf(stderr, "bus-peer: cannot connect to the system bus: %s\n", strerror(-r));
                return 1;
        }
        r = sd_bus_add_object_vtable(bus, NULL, BUS_PATH, BUS_IFACE, manager_vtable, NULL);
        if (r < 0) {
                fprintf(stderr, "bus-peer: cannot export %s: %s\n", BUS_PATH, strerror(-r));
                return 1;
        }
        r = sd_bus_request_name(bus, BUS_NAME, 0);
        if (r < 0) {
                fprintf(stderr, "bus-peer: cannot own %s: %s\n", BUS_NAME, strerror(-r));
                return 1;
        }
        r = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
                fprintf(stderr, "bus-peer: cannot attach the bus: %s\n", strerror(-r));
                return 1;
        }
        printf("ready\n");
        fflush(stdout);

        /* Ends on SIGTERM/SIGINT, or with an error when the bus goes away. */
        r = sd_event_loop(event);
        sd_bus_detach_event(bus);
        return r < 0 ? 1 : 0;
}

/* dbus-send always sets an interface; hwctld must not be reachable by leaving it out.
 * Prints "reply" or "error NAME" on stdout. */
static int call_without_interface(const char *member, char **args)
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0) {
                fprintf(stderr, "bus-peer: cannot connect to the system bus: %s\n", strerror(-r));
                return 2;
        }
        r = sd_bus_message_new_method_call(bus, &m, BUS_NAME, BUS_PATH, NULL, member);
        for (char **a = args; r >= 0 && *a; a++)
                r = sd_bus_message_append(m, "s", *a);
        if (r < 0) {
                fprintf(stderr, "bus-peer: cannot build the call: %s\n", strerror(-r));
                return 2;
        }
        r = sd_bus_call(bus, m, 5 * 1000 * 1000, &error, &reply);
        if (r < 0) {
                printf("error %s\n", error.name ? error.name : strerror(-r));
                return 1;
        }
        printf("reply\n");
        return 0;
}

int main(int argc, char *argv[])
{
        if (argc == 2 && strcmp(argv[1], "serve") == 0)
                return serve();
        if (argc >= 3 && strcmp(argv[1], "call-without-interface") == 0)
                return call_without_interface(argv[2], argv + 3);
        fprintf(stderr,
                "Usage: %s serve | call-without-interface MEMBER [STRING...]\n"
                "Uses the bus in DBUS_SYSTEM_BUS_ADDRESS.\n",
                argv[0]);
        return 2;
}
