/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hwctld's state that survives a reboot: /var/lib/hwctl/state.json, written atomically. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#define STATE_FILE_PATH "/var/lib/hwctl/state.json"

typedef struct DaemonState {
        uint64_t first_start_usec; /* CLOCK_REALTIME of the very first start on this medium */
        uint64_t starts;           /* how many times hwctld has started here */
        char *board;               /* board id at the last start, NULL the first time */
        json_object *verdicts;     /* {"probe": "verdict"} at the end of the last round */
} DaemonState;

void daemon_state_done(DaemonState *s);

/* Reads <sysroot>/var/lib/hwctl/state.json. -ENOENT: there is none (a first boot). Any other
 * error comes with a sentence in ret_error and leaves *ret untouched. */
int daemon_state_load(const char *sysroot, DaemonState *ret, char **ret_error);
int daemon_state_save(const char *sysroot, const DaemonState *s);
/* Moves an unreadable state file aside to state.json.broken, for a person to look at. */
int daemon_state_set_aside(const char *sysroot);
