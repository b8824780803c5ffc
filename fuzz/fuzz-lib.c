/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <unistd.h>

#include "fuzz.h"

const char *fuzz_scratch(void)
{
        static char dir[] = "/tmp/hwctl-fuzz-XXXXXX";
        static bool made;

        if (!made) {
                if (!mkdtemp(dir))
                        abort();
                made = true;
        }
        return dir;
}

void fuzz_put(const char *rel, const uint8_t *data, size_t size)
{
        _cleanup_free_ char *path = strdup_printf("%s/%s", fuzz_scratch(), rel);

        if (!path || mkdir_parents(path, 0755) < 0 || write_file_atomic(path, data, size, 0644) < 0)
                abort();
}
