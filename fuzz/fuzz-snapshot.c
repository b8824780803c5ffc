/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /run/hwctl/status.json as hwctl status --snapshot reads it, and /var/lib/hwctl/state.json as
 * hwctld reads it at start: the first input byte says which, the rest is the file. What is
 * accepted must come out as a valid, printable document. */
#include "details.h"
#include "fuzz.h"
#include "state.h"
#include "status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *error = NULL;

        if (size == 0)
                return 0;
        if (data[0] & 1) {
                json_object *doc = NULL;
                fuzz_put("run/hwctl/status.json", data + 1, size - 1);
                if (status_snapshot_read(fuzz_scratch(), &doc, &error) >= 0) {
                        const char *text = json_object_to_json_string(doc);
                        FUZZ_ASSERT(text && utf8_is_valid_n(text, strlen(text)));
                        FUZZ_ASSERT(json_make_printable(doc) == 0);
                        json_object_put(doc);
                }
        } else {
                DaemonState st = {};
                fuzz_put("var/lib/hwctl/state.json", data + 1, size - 1);
                if (daemon_state_load(fuzz_scratch(), &st, &error) >= 0)
                        daemon_state_done(&st);
        }
        free(error);
        return 0;
}
