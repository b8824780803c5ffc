/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* For C tests over real device trees: a DTB's board, or a failed check saying why. */
#pragma once

#include "board.h"
#include "test-util.h"
#include "util.h"

static inline Board *test_load_dtb(const char *dir, const char *file)
{
        _cleanup_free_ char *path = strdup_printf("%s/%s", dir, file);
        _cleanup_free_ char *error = NULL;
        Board *b = NULL;

        if (board_detect_from_dtb(path, &b, &error) < 0) {
                TEST_FAIL("%s: %s", path, strna(error));
                return NULL;
        }
        return b;
}
