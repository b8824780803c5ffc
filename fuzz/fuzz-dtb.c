/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A device tree blob, as hwctl board --dtb and hwctld read one: board detection and its JSON. */
#include "board.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        Board *b = NULL;
        char *error = NULL;

        if (board_detect_from_blob(data, size, &b, &error) >= 0) {
                json_object *j = board_to_json(b);
                FUZZ_ASSERT(j);
                FUZZ_ASSERT(json_object_to_json_string(j));
                json_object_put(j);
        } else
                FUZZ_ASSERT(error);
        board_free(b);
        free(error);
        return 0;
}
