/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Manager: hwctld's state (board, config, probe runner, bus) and what happens on each event. */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "board.h"
#include "config.h"
#include "runner.h"
#include "state.h"
#include "cleanup.h"

typedef struct Manager {
        sd_event *event;
        sd_bus *bus;
        sd_event_source *bus_retry;
        bool bus_warned;
        sd_event_source *snapshot_defer; /* one write for the reports of a loop iteration */

        char *sysroot;
        char *config_path; /* --config, NULL for the default layout */
        char **only;       /* --only */
        bool once;

        Config *config;
        Board *board;
        ProbeRunner *runner;
        DaemonState state;
        bool first_boot; /* no state from an earlier start on this medium */

        uint64_t started_usec;
        bool ready;
        bool stopping;
} Manager;

int manager_new(Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free)

int manager_startup(Manager *m);
int manager_reload(Manager *m);
int manager_rerun(Manager *m, const char *probe);
/* The status document as it is now; caller owns the reference. */
json_object *manager_describe(Manager *m);
void manager_write_snapshot(Manager *m);
/* The same, at the event loop's next turn: reports that come together write it once. */
void manager_write_snapshot_soon(Manager *m);

/* bus.c */
int manager_bus_connect(Manager *m);
void manager_bus_disconnect(Manager *m);
