/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every harness shares: the libFuzzer entry point, a scratch directory made once per
 * process, and writing an input where a reader looks for its file. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property the code under test promised and broke: a crash libFuzzer records. */
#define FUZZ_ASSERT(x)                                                                             \
        do {                                                                                       \
                if (!(x)) {                                                                        \
                        fprintf(stderr, "%s:%d: property broken: %s\n", __FILE__, __LINE__, #x);   \
                        abort();                                                                   \
                }                                                                                  \
        } while (0)

/* A directory of this process's own under /tmp, made on the first call. */
const char *fuzz_scratch(void);
/* Writes data to <fuzz_scratch()>/rel (its directories made), aborting when it cannot. */
void fuzz_put(const char *rel, const uint8_t *data, size_t size);
