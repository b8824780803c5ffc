/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The status document: one JSON shape served by Describe(), written to status.json, read by hwctl.
 */
#pragma once

#include <json-c/json.h>

#include "board.h"
#include "probe.h"

#define STATUS_DOCUMENT_VERSION 1
#define STATUS_SNAPSHOT_PATH    "/run/hwctl/status.json"
#define STATE_DIRECTORY         "/var/lib/hwctl"

typedef struct StatusProbe {
        const char *name;
        const ProbeResult *result; /* NULL: not reported yet ("pending" or "running") */
        bool running;
} StatusProbe;

/* {"version", "updated_usec", "daemon":{...}, "board":{...}, "probes":[...]} */
json_object *status_document_build(const Board *board, const StatusProbe *probes, size_t n_probes,
                                   json_object *daemon_info);

/* Checks that a document read from outside has the shape hwctl relies on; ret_error gets a
 * sentence when it does not. */
int status_document_validate(json_object *doc, char **ret_error);

/* Writes the document atomically to <sysroot>/run/hwctl/status.json. */
int status_snapshot_write(const char *sysroot, json_object *doc);
int status_snapshot_read(const char *sysroot, json_object **ret, char **ret_error);
