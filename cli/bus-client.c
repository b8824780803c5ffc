/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CLI's side of the D-Bus interface: Describe() and RerunProbes(). */
#include <systemd/sd-bus.h>

#include "hwctl.h"
#include "messages.h"
#include "status.h"

#define CALL_TIMEOUT_USEC (10 * USEC_PER_SEC)

bool bus_error_is_no_daemon(int r)
{
        return r == -ENOENT || r == -ECONNREFUSED || r == -ENXIO || r == -EHOSTDOWN ||
               r == -ENOMEDIUM || r == -ESRCH || r == -EADDRNOTAVAIL || r == -ENOTCONN;
}

static int bus_open(sd_bus **ret, char **ret_error)
{
        sd_bus *bus = NULL;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0) {
                *ret_error = strdup_printf("cannot connect to the system bus: %s", strerror(-r));
                return r;
        }
        (void)sd_bus_set_method_call_timeout(bus, CALL_TIMEOUT_USEC);
        *ret = bus;
        return 0;
}

/* Maps "no such name" answers to -ESRCH so the caller can fall back to the snapshot. */
static int call_error(const sd_bus_error *e, int r, char **ret_error)
{
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER,
                                   SD_BUS_ERROR_UNKNOWN_OBJECT))
                r = -ESRCH;
        *ret_error = strdup(e->message ? e->message : strerror(-r));
        return r;
}

int bus_describe(json_object **ret, char **ret_error)
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *text;
        json_object *doc;
        int r;

        r = bus_open(&bus, ret_error);
        if (r < 0)
                return r;
        r = sd_bus_call_method(bus, HWCTL_BUS_NAME, HWCTL_BUS_PATH, HWCTL_BUS_INTERFACE, "Describe",
                               &e, &reply, NULL);
        if (r < 0)
                return call_error(&e, r, ret_error);
        r = sd_bus_message_read(reply, "s", &text);
        if (r < 0) {
                *ret_error = strdup("the daemon's answer is not a string");
                return r;
        }
        doc = json_tokener_parse(text);
        if (!doc) {
                *ret_error = strdup("the daemon's answer is not valid JSON");
                return -EBADMSG;
        }
        r = status_document_validate(doc, ret_error);
        if (r < 0) {
                json_object_put(doc);
                return r;
        }
        *ret = doc;
        return 0;
}

int bus_rerun(char *const *probes, char **ret_error)
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        int r;

        r = bus_open(&bus, ret_error);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(bus, &m, HWCTL_BUS_NAME, HWCTL_BUS_PATH,
                                           HWCTL_BUS_INTERFACE, "RerunProbes");
        if (r >= 0)
                r = sd_bus_message_append_strv(m, (char **)probes);
        if (r < 0) {
                *ret_error = strdup("cannot build the D-Bus message");
                return r;
        }
        r = sd_bus_call(bus, m, 0, &e, &reply);
        if (r < 0) {
                if (sd_bus_error_has_name(&e, SD_BUS_ERROR_ACCESS_DENIED))
                        r = -EACCES;
                return call_error(&e, r, ret_error);
        }
        return 0;
}
