/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Raspberry Pi revision code (device tree's system/linux,revision, /proc/cpuinfo). */
#include "board.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        BoardRevision rev;
        uint32_t code = 0;

        memcpy(&code, data, size < sizeof(code) ? size : sizeof(code));
        rpi_revision_decode(code, &rev);
        return 0;
}
