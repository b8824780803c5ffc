/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rootfs planner as a pure function: alignment, reserve, GPT backup area, refusals, resume. */
#include <errno.h>

#include "rootfs.h"
#include "test-util.h"

#define MIB    (UINT64_C(1) << 20)
#define S(mib) ((uint64_t)(mib)*MIB / 512) /* MiB in 512-byte sectors */

/* The NixOS sd-image layout: firmware at 8 MiB (32 MiB), root at 40 MiB to the image's end. */
static RootfsDisk card(RootfsTable t, uint64_t image_mib, uint64_t disk_mib)
{
        RootfsDisk d = {
                .sector_size = 512,
                .disk_sectors = S(disk_mib),
                .table = t,
                .gpt_backup_sectors = t == ROOTFS_TABLE_GPT ? 33 : 0,
                .n_parts = 2,
                .root_number = 2,
                .fstype = "ext4",
        };
        d.parts[0] = (RootfsPart){.number = 1, .start = S(8), .size = S(32)};
        d.parts[1] = (RootfsPart){.number = 2, .start = S(40), .size = S(image_mib - 41)};
        return d;
}

static RootfsPlan plan_of(const RootfsDisk *d, uint64_t reserve, unsigned percent)
{
        RootfsPlan p = {};
        ASSERT_INT_EQ(rootfs_plan(d, reserve, percent, &p), 0);
        return p;
}

static void test_mbr_grows_to_the_end_of_the_disk(void)
{
        RootfsDisk d = card(ROOTFS_TABLE_DOS, 512, 2048);
        RootfsPlan p = plan_of(&d, 0, 0);

        ASSERT_INT_EQ(p.refusal, ROOTFS_REFUSE_NONE);
        ASSERT_TRUE(p.grow_partition && p.grow_filesystem);
        ASSERT_INT_EQ(p.new_end, S(2048));
        ASSERT_INT_EQ(p.new_sectors, S(2048) - S(40));
        ASSERT_INT_EQ(p.old_sectors, S(471));
}

static void test_gpt_keeps_the_backup_area_free(void)
{
        RootfsDisk d = card(ROOTFS_TABLE_GPT, 512, 2048);
        RootfsPlan p = plan_of(&d, 0, 0);

        /* 2 GiB less 33 sectors of backup, aligned down to 4 MiB: 2044 MiB. */
        ASSERT_INT_EQ(p.new_end, S(2044));
        ASSERT_TRUE(p.new_end <= d.disk_sectors - d.gpt_backup_sectors);
}

static void test_end_is_aligned_to_4_mib(void)
{
        RootfsDisk d = card(ROOTFS_TABLE_DOS, 512, 2048);
        RootfsPlan p;

        d.disk_sectors = S(2048) + 12345; /* an odd-sized card: 2054.03 MiB */
        p = plan_of(&d, 0, 0);
        ASSERT_INT_EQ(p.new_end * 512 % (4 * MIB), 0);
        ASSERT_INT_EQ(p.new_end, S(2052));
}

static void test_reserve_as_bytes_and_percent(void)
{
        RootfsDisk d = card(ROOTFS_TABLE_DOS, 512, 2048);

        ASSERT_INT_EQ(plan_of(&d, 100 * MIB, 0).new_end, S(1948));
        ASSERT_INT_EQ(plan_of(&d, 101 * MIB, 0).new_end, S(1944));  /* 1947 aligns down */
        ASSERT_INT_EQ(plan_of(&d, 0, 10).new_end, S(1840));         /* 1843.2 MiB aligns down */
        ASSERT_INT_EQ(plan_of(&d, 100 * MIB, 10).new_end, S(1740)); /* both add up */
}

static void test_reserve_bigger_than_the_disk_is_nothing_to_do(void)
{
        RootfsDisk d = card(ROOTFS_TABLE_DOS, 512, 2048);
        RootfsPlan p = plan_of(&d, 4096 * MIB, 0);

        ASSERT_INT_EQ(p.refusal, ROOTFS_REFUSE_NONE);
        ASSERT_FALSE(p.grow_partition || p.grow_filesystem);
        p = plan_of(&d, 0, 100);
        ASSERT_FALSE(p.grow_partition);
}

/* A reserve near 2^64 plus a percentage wrapped to a small one, which would grow the whole
 * disk; it saturates instead. */
static void test_reserve_sum_saturates(void)
{
        RootfsDisk d = card(ROOTFS_TABLE_DOS, 512, 2048);
        RootfsPlan p = plan_of(&d, UINT64_MAX - 100 * MIB, 10);

        ASSERT_INT_EQ(p.refusal, ROOTFS_REFUSE_NONE);
        ASSERT_FALSE(p.grow_partition);
}

/* xorshift64*: a fixed seed, so a failure is the same failure on every run. */
static uint64_t rnd(uint64_t *state)
{
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        return *state * UINT64_C(2685821657736338717);
}

/* The planner's promises over random geometry: a growth never passes the usable end (the
 * GPT backup area stays free), never shrinks root, never moves its start, ends aligned, and
 * leaves at least the reserve free. */
static void test_invariants_over_random_geometry(void)
{
        uint64_t state = UINT64_C(0x9e3779b97f4a7c15);
        unsigned grew = 0, failures_before = (unsigned)test_failures;

        for (unsigned i = 0; i < 20000 && (unsigned)test_failures == failures_before; i++) {
                uint32_t ss = (rnd(&state) & 1) ? 512 : 4096;
                uint64_t disk = S(64) + rnd(&state) % S(256 * 1024);
                RootfsTable t = (rnd(&state) & 1) ? ROOTFS_TABLE_GPT : ROOTFS_TABLE_DOS;
                RootfsDisk d = {
                        .sector_size = ss,
                        .disk_sectors = disk * 512 / ss,
                        .table = t,
                        .gpt_backup_sectors = t == ROOTFS_TABLE_GPT ? (ss == 512 ? 33 : 5) : 0,
                        .n_parts = 2,
                        .root_number = 2,
                        .fstype = "ext4",
                };
                uint64_t usable = d.disk_sectors - d.gpt_backup_sectors;
                uint64_t start = 2048 * 512 / ss + rnd(&state) % (usable / 2);
                uint64_t size = 1 + rnd(&state) % (usable - start);
                uint64_t reserve = (rnd(&state) & 3) == 0 ? rnd(&state) : rnd(&state) % (1 << 30);
                unsigned percent = (unsigned)(rnd(&state) % 101);
                RootfsPlan p = {};

                d.parts[0] = (RootfsPart){
                        .number = 1, .start = 2048 * 512 / ss / 2, .size = 2048 * 512 / ss / 2};
                d.parts[1] = (RootfsPart){.number = 2, .start = start, .size = size};
                if (rootfs_plan(&d, reserve, percent, &p) < 0) {
                        TEST_FAIL("case %u: the planner refused a valid description", i);
                        break;
                }
                if (p.refusal != ROOTFS_REFUSE_NONE)
                        continue;
                ASSERT_TRUE(p.new_sectors >= size);              /* never shrinks */
                ASSERT_TRUE(p.new_end == start + p.new_sectors); /* start never moves */
                ASSERT_TRUE(p.new_end <= usable);                /* never past the end */
                if (p.grow_partition) {
                        uint64_t free_bytes = (usable - p.new_end) * ss;
                        uint64_t want = reserve + (usable * ss) / 100 * percent;
                        grew++;
                        ASSERT_INT_EQ(p.new_end * ss % ROOTFS_ALIGN_BYTES, 0);
                        ASSERT_TRUE(want < reserve || free_bytes >= want); /* the reserve stays */
                        ASSERT_TRUE((p.new_end - size - start) * ss >= ROOTFS_MIN_GAIN_BYTES);
                }
        }
        /* The generator must reach the interesting case, or the loop proves nothing. */
        ASSERT_TRUE(grew > 1000);
}

static void test_gain_under_16_mib_is_nothing_to_do(void)
{
        RootfsDisk d = card(ROOTFS_TABLE_DOS, 512, 512);
        RootfsPlan p;

        /* Root ends at 511 MiB; a 524 MiB disk aligns to 524: a 13 MiB gain. */
        d.disk_sectors = S(524);
        p = plan_of(&d, 0, 0);
        ASSERT_FALSE(p.grow_partition || p.grow_filesystem);
        ASSERT_INT_EQ(p.new_sectors, p.old_sectors);
        /* 528 MiB: a 17 MiB gain. */
        d.disk_sectors = S(528);
        ASSERT_TRUE(plan_of(&d, 0, 0).grow_partition);
}

static void test_4k_sectors(void)
{
        RootfsDisk d = {
                .sector_size = 4096,
                .disk_sectors = 2048 * MIB / 4096,
                .table = ROOTFS_TABLE_GPT,
                .gpt_backup_sectors = 5, /* 16 KiB of entries in 4 KiB sectors, + header */
                .n_parts = 1,
                .root_number = 1,
                .fstype = "btrfs",
        };
        RootfsPlan p;

        d.parts[0] = (RootfsPart){.number = 1, .start = 256, .size = 512 * MIB / 4096};
        p = plan_of(&d, 0, 0);
        ASSERT_TRUE(p.grow_partition);
        ASSERT_INT_EQ(p.new_end, 2044 * MIB / 4096);
}

static void test_resume_grows_only_the_filesystem(void)
{
        RootfsDisk d = card(ROOTFS_TABLE_DOS, 2048, 2048);
        RootfsPlan p;

        /* A cut after the table write: the partition is big, the filesystem is not. */
        d.parts[1].size = S(2048) - S(40);
        d.fs_bytes = 471 * MIB;
        p = plan_of(&d, 0, 0);
        ASSERT_INT_EQ(p.refusal, ROOTFS_REFUSE_NONE);
        ASSERT_FALSE(p.grow_partition);
        ASSERT_TRUE(p.grow_filesystem);
        ASSERT_INT_EQ(p.new_sectors, d.parts[1].size);
        /* Fully grown: nothing. */
        d.fs_bytes = (S(2048) - S(40)) * 512;
        p = plan_of(&d, 0, 0);
        ASSERT_FALSE(p.grow_partition || p.grow_filesystem);
}

static void expect_refusal(const RootfsDisk *d, RootfsRefusal want, const char *reason)
{
        RootfsPlan p = plan_of(d, 0, 0);

        ASSERT_INT_EQ(p.refusal, want);
        ASSERT_FALSE(p.grow_partition || p.grow_filesystem);
        ASSERT_STR_CONTAINS(p.reason, reason);
        if (want != ROOTFS_REFUSE_NONE)
                ASSERT_NOT_NULL(rootfs_refusal_remedy(want));
}

static void test_refusals(void)
{
        RootfsDisk d;

        d = card(ROOTFS_TABLE_DOS, 512, 2048);
        d.parts[2] = (RootfsPart){.number = 3, .start = S(600), .size = S(32)};
        d.n_parts = 3;
        expect_refusal(&d, ROOTFS_REFUSE_NOT_LAST, "not the last partition");

        d = card(ROOTFS_TABLE_DOS, 512, 2048);
        d.read_only = true;
        expect_refusal(&d, ROOTFS_REFUSE_READ_ONLY, "read-only");

        d = card(ROOTFS_TABLE_GPT, 512, 2048);
        strcpy(d.fstype, "xfs");
        expect_refusal(&d, ROOTFS_REFUSE_FILESYSTEM, "xfs, not ext4 or btrfs");
        d.fstype[0] = 0;
        expect_refusal(&d, ROOTFS_REFUSE_FILESYSTEM, "unknown");

        d = card(ROOTFS_TABLE_DOS, 512, 2048);
        d.device_mapper = true;
        expect_refusal(&d, ROOTFS_REFUSE_DEVICE_MAPPER, "device-mapper");

        d = card(ROOTFS_TABLE_DOS, 512, 512);
        d.parts[1].size = S(600);
        expect_refusal(&d, ROOTFS_REFUSE_INCONSISTENT, "past the end");

        /* On GPT the backup area is past the usable end too. */
        d = card(ROOTFS_TABLE_GPT, 512, 512);
        d.parts[1].size = d.disk_sectors - d.parts[1].start;
        expect_refusal(&d, ROOTFS_REFUSE_INCONSISTENT, "past the end");

        d = card(ROOTFS_TABLE_DOS, 512, 2048);
        d.parts[0].size = S(40); /* firmware runs into root */
        expect_refusal(&d, ROOTFS_REFUSE_INCONSISTENT, "overlap");

        d = card(ROOTFS_TABLE_DOS, 512, 2048);
        d.parts[1].start = UINT64_MAX - 5; /* start + size overflows */
        expect_refusal(&d, ROOTFS_REFUSE_INCONSISTENT, "invalid extent");

        d = card(ROOTFS_TABLE_DOS, 512, 2048);
        d.parts[1].number = 5; /* a logical partition */
        d.root_number = 5;
        expect_refusal(&d, ROOTFS_REFUSE_NOT_LAST, "logical");

        d = card(ROOTFS_TABLE_DOS, 512, 2048);
        d.root_number = 3;
        expect_refusal(&d, ROOTFS_REFUSE_INCONSISTENT, "not in the table");

        d = card(ROOTFS_TABLE_NONE, 512, 2048);
        expect_refusal(&d, ROOTFS_REFUSE_NOT_PARTITION, "not on a partition");

        d = card(ROOTFS_TABLE_OTHER, 512, 2048);
        expect_refusal(&d, ROOTFS_REFUSE_TABLE, "neither MBR nor GPT");

        d = card(ROOTFS_TABLE_GPT, 512, 2048);
        d.gpt_backup_sectors = 0;
        expect_refusal(&d, ROOTFS_REFUSE_INCONSISTENT, "backup area");
}

static void test_invalid_descriptions(void)
{
        RootfsDisk d = card(ROOTFS_TABLE_DOS, 512, 2048);
        RootfsPlan p = {.refusal = 42};

        ASSERT_INT_EQ(rootfs_plan(&d, 0, 101, &p), -EINVAL);
        d.sector_size = 1000;
        ASSERT_INT_EQ(rootfs_plan(&d, 0, 0, &p), -EINVAL);
        d.sector_size = 512;
        d.disk_sectors = 0;
        ASSERT_INT_EQ(rootfs_plan(&d, 0, 0, &p), -EINVAL);
        d.disk_sectors = UINT64_MAX;
        ASSERT_INT_EQ(rootfs_plan(&d, 0, 0, &p), -EINVAL);
        d = card(ROOTFS_TABLE_DOS, 512, 2048);
        d.n_parts = ROOTFS_MAX_PARTS + 1;
        ASSERT_INT_EQ(rootfs_plan(&d, 0, 0, &p), -EINVAL);
        ASSERT_INT_EQ(p.refusal, 42); /* ret_* untouched on failure */
}

int main(void)
{
        TEST_RUN(test_mbr_grows_to_the_end_of_the_disk);
        TEST_RUN(test_gpt_keeps_the_backup_area_free);
        TEST_RUN(test_end_is_aligned_to_4_mib);
        TEST_RUN(test_reserve_as_bytes_and_percent);
        TEST_RUN(test_reserve_bigger_than_the_disk_is_nothing_to_do);
        TEST_RUN(test_reserve_sum_saturates);
        TEST_RUN(test_invariants_over_random_geometry);
        TEST_RUN(test_gain_under_16_mib_is_nothing_to_do);
        TEST_RUN(test_4k_sectors);
        TEST_RUN(test_resume_grows_only_the_filesystem);
        TEST_RUN(test_refusals);
        TEST_RUN(test_invalid_descriptions);
        return test_exit();
}
