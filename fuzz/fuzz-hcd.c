/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A Broadcom .hcd firmware patch, as the userspace Bluetooth path reads it before sending it. */
#include "bt-hcd.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        BtHcd *h = NULL;
        char *error = NULL;

        if (bt_hcd_parse(data, size, &h, &error) < 0)
                FUZZ_ASSERT(error);
        bt_hcd_free(h);
        free(error);
        return 0;
}
