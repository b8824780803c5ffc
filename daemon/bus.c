/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hwctld on the system bus: Describe() for anyone, RerunProbe(s)/Reload() for root only. */
#include <systemd/sd-bus.h>

#include "log.h"
#include "manager.h"
#include "messages.h"

#define BUS_RETRY_USEC (2 * USEC_PER_SEC)

static int schedule_retry(Manager *m);

/* The bus policy already keeps others out; this is the second lock on the same door. */
static int check_root(sd_bus_message *msg, sd_bus_error *error)
{
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t uid;
        int r;

        r = sd_bus_query_sender_creds(
                msg, SD_BUS_CREDS_EUID | SD_BUS_CREDS_UID | SD_BUS_CREDS_AUGMENT, &creds);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot tell who is calling: %s",
                                               strerror(-r));
        r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                r = sd_bus_creds_get_uid(creds, &uid);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot tell who is calling: %s",
                                               strerror(-r));
        if (uid != 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED,
                                        "Only root may re-run probes or reload hwctld");
        return 0;
}

static int method_describe(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        json_object *doc = manager_describe(m);
        int r;

        if (!doc)
                return -ENOMEM;
        r = sd_bus_reply_method_return(msg, "s",
                                       json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
        json_object_put(doc);
        return r;
}

static int rerun_error(sd_bus_error *error, const char *name, int r)
{
        if (r == -ENOENT)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Unknown probe '%s'",
                                         name);
        if (r == -EBUSY)
                return sd_bus_error_setf(error, "org.hwctl1.Error.Busy",
                                         "Probe '%s' is already running", name);
        return sd_bus_error_set_errnof(error, r, "Cannot re-run probe '%s': %s", name,
                                       strerror(-r));
}

static int method_rerun_probe(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        const char *name;
        int r;

        r = check_root(msg, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = manager_rerun(m, name);
        if (r < 0)
                return rerun_error(error, name, r);
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_rerun_probes(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = check_root(msg, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read_strv(msg, &names);
        if (r < 0)
                return r;
        /* All or nothing: check every name before starting any. */
        STRV_FOREACH (n, names)
                if (!probe_find(*n))
                        return rerun_error(error, *n, -ENOENT);
        STRV_FOREACH (n, names) {
                r = manager_rerun(m, *n);
                if (r < 0 && r != -EBUSY)
                        return rerun_error(error, *n, r);
        }
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        int r;

        r = check_root(msg, error);
        if (r < 0)
                return r;
        r = manager_reload(m);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Reload failed: %s", strerror(-r));
        return sd_bus_reply_method_return(msg, NULL);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("Describe", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", json),
                                method_describe, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RerunProbe", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT,
                                method_rerun_probe, 0),
        SD_BUS_METHOD_WITH_ARGS("RerunProbes", SD_BUS_ARGS("as", names), SD_BUS_NO_RESULT,
                                method_rerun_probes, 0),
        SD_BUS_METHOD_WITH_ARGS("Reload", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_reload, 0),
        SD_BUS_VTABLE_END,
};

static int on_disconnected(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;

        log_event(LOG_WARNING, HWCTL_MESSAGE_BUS, NULL, NULL, 0, NULL,
                  "Lost the system bus; serving status through the snapshot until it is back");
        manager_bus_disconnect(m);
        manager_write_snapshot(m);
        (void)schedule_retry(m);
        return 0;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        Manager *m = userdata;

        m->bus_retry = sd_event_source_disable_unref(m->bus_retry);
        if (manager_bus_connect(m) >= 0)
                manager_write_snapshot(m); /* the document says whether the bus serves */
        return 0;
}

static int schedule_retry(Manager *m)
{
        if (m->bus_retry || m->stopping)
                return 0;
        return sd_event_add_time_relative(m->event, &m->bus_retry, CLOCK_MONOTONIC, BUS_RETRY_USEC,
                                          USEC_PER_SEC / 10, on_retry, m);
}

int manager_bus_connect(Manager *m)
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        if (m->bus)
                return 0;
        r = sd_bus_open_system(&bus);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, HWCTL_BUS_PATH, HWCTL_BUS_INTERFACE,
                                             manager_vtable, m);
        if (r >= 0)
                r = sd_bus_match_signal(bus, NULL, "org.freedesktop.DBus.Local", NULL,
                                        "org.freedesktop.DBus.Local", "Disconnected",
                                        on_disconnected, m);
        if (r >= 0)
                r = sd_bus_request_name(bus, HWCTL_BUS_NAME, 0);
        if (r >= 0)
                r = sd_bus_attach_event(bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
                /* Early boot, an initramfs or a container: no bus yet. Keep trying quietly. */
                if (!m->bus_warned)
                        log_event(LOG_INFO, HWCTL_MESSAGE_BUS, NULL, NULL, r, NULL,
                                  "System bus not available (%m); serving status through the "
                                  "snapshot and retrying");
                m->bus_warned = true;
                (void)schedule_retry(m);
                return r;
        }
        m->bus = TAKE_PTR(bus);
        m->bus_warned = false;
        log_event(LOG_INFO, HWCTL_MESSAGE_BUS, NULL, NULL, 0, NULL, "Serving %s on the system bus",
                  HWCTL_BUS_NAME);
        return 0;
}

void manager_bus_disconnect(Manager *m)
{
        m->bus_retry = sd_event_source_disable_unref(m->bus_retry);
        if (m->bus) {
                sd_bus_detach_event(m->bus);
                m->bus = sd_bus_flush_close_unref(m->bus);
        }
}
