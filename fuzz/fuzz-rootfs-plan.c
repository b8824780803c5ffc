/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rootfs planner as a property harness: any geometry the bytes describe, and the promises
 * of a growth: never past the usable end, never smaller, never a moved start. */
#include "fuzz.h"
#include "rootfs.h"

static uint64_t take(const uint8_t **p, size_t *n, unsigned bytes)
{
        uint64_t v = 0;

        for (unsigned i = 0; i<bytes && * n> 0; i++, (*p)++, (*n)--)
                v = v << 8 | **p;
        return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const uint8_t *p = data;
        size_t n = size;
        RootfsDisk d = {.fstype = "ext4"};
        RootfsPlan plan = {};
        uint64_t reserve, usable;
        unsigned percent, flags = (unsigned)take(&p, &n, 1);

        d.sector_size = flags & 1 ? 4096 : 512;
        d.table = flags & 2 ? ROOTFS_TABLE_GPT : ROOTFS_TABLE_DOS;
        d.gpt_backup_sectors = flags & 4 ? take(&p, &n, 2) : (flags & 2 ? 33 : 0);
        d.read_only = flags & 8;
        d.device_mapper = flags & 16;
        d.disk_sectors = take(&p, &n, 6);
        reserve = take(&p, &n, 8);
        percent = (unsigned)take(&p, &n, 1);
        d.n_parts = 1 + take(&p, &n, 1) % 4;
        for (size_t i = 0; i < d.n_parts; i++)
                d.parts[i] = (RootfsPart){.number = (unsigned)(i + 1),
                                          .start = take(&p, &n, 6),
                                          .size = take(&p, &n, 6),
                                          .container = take(&p, &n, 1) == 5};
        d.root_number = (unsigned)take(&p, &n, 1) % 6;
        if (rootfs_plan(&d, reserve, percent, &plan) < 0 || plan.refusal != ROOTFS_REFUSE_NONE)
                return 0;
        const RootfsPart *root = &d.parts[plan.root_index];
        /* Only a GPT keeps its backup at the end; a DOS table's count is not looked at. */
        if (d.table == ROOTFS_TABLE_GPT) {
                FUZZ_ASSERT(d.gpt_backup_sectors < d.disk_sectors);
                usable = d.disk_sectors - d.gpt_backup_sectors;
        } else
                usable = d.disk_sectors;
        FUZZ_ASSERT(plan.root_index < d.n_parts && root->number == d.root_number);
        FUZZ_ASSERT(plan.new_sectors >= root->size);
        FUZZ_ASSERT(plan.new_end == root->start + plan.new_sectors);
        FUZZ_ASSERT(plan.new_end <= usable);
        return 0;
}
