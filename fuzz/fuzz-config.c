/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hwctl.conf: loaded as hwctld loads it, for every probe's section, then shown as JSON. */
#include "config.h"
#include "fuzz.h"
#include "probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *path = NULL;
        Config *c = NULL;
        json_object *j;

        fuzz_put("hwctl.conf", data, size);
        path = strdup_printf("%s/hwctl.conf", fuzz_scratch());
        FUZZ_ASSERT(path);
        /* The sysroot has no drop-in directories: only this file is read. */
        FUZZ_ASSERT(config_load(probe_table, "/nonexistent", path, &c) >= 0);
        j = config_to_json(c);
        FUZZ_ASSERT(j && json_object_to_json_string(j));
        json_object_put(j);
        (void)config_has_errors(c);
        config_unref(c);
        return 0;
}
