/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kernel options hwctld's probes need on a board, each with what breaks without it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "board.h"

typedef enum KernelNeedLevel {
        KERNEL_NEED_REQUIRED, /* the probe cannot do its work without it */
        KERNEL_NEED_WANTED,   /* a part of the work, or a fallback, is lost */
} KernelNeedLevel;

typedef struct KernelNeed {
        const char *probe;  /* "gpio", ..., or "hwctld" for the daemon and systemd themselves */
        const char *option; /* without CONFIG_ */
        KernelNeedLevel level;
        bool module_ok;   /* =m serves (udev or hwctld loads it); else only =y */
        const char *when; /* the boards it applies to, for a person; NULL: every board */
        bool (*applies)(const Board *b); /* NULL: every board */
        const char *breaks;              /* what does not work without it */
} KernelNeed;

/* The table, in probe order. */
extern const KernelNeed kernel_needs[];
extern const size_t kernel_needs_count;

/* Whether need applies to board b; with b NULL (no board known) every need applies. */
bool kernel_need_applies(const KernelNeed *need, const Board *b);
