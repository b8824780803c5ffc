/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one sanitiser strings from devices pass: its output is always valid and printable, and
 * what was already printable comes back unchanged. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *out = utf8_printable((const char *)data, size);

        FUZZ_ASSERT(out);
        FUZZ_ASSERT(utf8_is_printable(out, strlen(out)));
        if (utf8_is_printable((const char *)data, size))
                FUZZ_ASSERT(strlen(out) == size && memcmp(out, data, size) == 0);
        return 0;
}
