/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* .hcd patches: the real bluez-firmware files parse, and every kind of damage is refused whole. */
#include <stdio.h>

#include "bt-hcd.h"
#include "test-util.h"
#include "util.h"

static void test_real_patches(void)
{
        static const struct {
                const char *chip;
                size_t size, records;
        } want[] = {
                {"BCM43430A1", 30049, 121},
                {"BCM43430B0", 44376, 174},
                {"BCM4345C0", 63894, 323},
                {"BCM4345C5", 49610, 212},
        };

        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                _cleanup_free_ char *path =
                        strdup_printf("/lib/firmware/brcm/%s.hcd", want[i].chip);
                _cleanup_free_ char *why = NULL;
                BtHcd *h = NULL;

                if (access(path, R_OK) < 0) {
                        fprintf(stderr, "  (%s missing: install bluez-firmware)\n", path);
                        continue;
                }
                ASSERT_INT_EQ(bt_hcd_load(path, &h, &why), 0);
                if (!h)
                        continue;
                ASSERT_INT_EQ(h->size, want[i].size);
                ASSERT_INT_EQ(h->n_records, want[i].records);
                for (size_t k = 0; k + 1 < h->n_records; k++)
                        if (h->records[k].opcode != BT_HCD_OP_WRITE_RAM)
                                TEST_FAIL("%s record %zu is 0x%04x", want[i].chip, k,
                                          h->records[k].opcode);
                ASSERT_INT_EQ(h->records[h->n_records - 1].opcode, BT_HCD_OP_LAUNCH_RAM);
                bt_hcd_free(h);
        }
}

static void expect_refused(const uint8_t *d, size_t n, const char *words)
{
        _cleanup_free_ char *why = NULL;
        BtHcd *h = NULL;

        ASSERT_INT_EQ(bt_hcd_parse(d, n, &h, &why), -EBADMSG);
        ASSERT_NULL(h);
        ASSERT_STR_CONTAINS(why, words);
}

static void test_damaged_patches(void)
{
        static const uint8_t good[] = {0x4c, 0xfc, 0x02, 0xaa, 0xbb, 0x4e, 0xfc, 0x01, 0x00};
        static const uint8_t past_end[] = {0x4c, 0xfc, 0x09, 0xaa, 0xbb};
        static const uint8_t short_header[] = {0x4c, 0xfc, 0x01, 0xaa, 0x4e, 0xfc};
        static const uint8_t no_launch[] = {0x4c, 0xfc, 0x01, 0xaa, 0x4c, 0xfc, 0x00};
        static const uint8_t not_vendor[] = {0x03, 0x0c, 0x00, 0x4e, 0xfc, 0x00};
        static const uint8_t after_launch[] = {0x4e, 0xfc, 0x00, 0x4c, 0xfc, 0x00};
        _cleanup_free_ char *why = NULL;
        BtHcd *h = NULL;

        ASSERT_INT_EQ(bt_hcd_parse(good, sizeof(good), &h, &why), 0);
        ASSERT_INT_EQ(h ? h->n_records : 0, 2);
        bt_hcd_free(h);

        expect_refused(good, 0, "empty");
        expect_refused(past_end, sizeof(past_end), "says 9 parameter bytes but only 2 remain");
        expect_refused(short_header, sizeof(short_header), "record 2 at byte 4 is truncated");
        expect_refused(no_launch, sizeof(no_launch), "no Launch RAM");
        expect_refused(not_vendor, sizeof(not_vendor), "outside the vendor command group");
        expect_refused(after_launch, sizeof(after_launch), "records follow it");
}

static void test_cut_real_patch(void)
{
        _cleanup_free_ char *data = NULL, *why = NULL;
        size_t size;
        BtHcd *h = NULL;

        if (read_full_file("/lib/firmware/brcm/BCM4345C0.hcd", BT_HCD_SIZE_MAX, &data, &size) < 0)
                return;
        /* A download cut short: the file ends inside a record. */
        ASSERT_INT_EQ(bt_hcd_parse(data, size - 100, &h, &why), -EBADMSG);
        ASSERT_STR_CONTAINS(why, "remain in the file");
        free(why);
        why = NULL;
        /* Cut at a record boundary: only the Launch RAM is missing. */
        ASSERT_INT_EQ(bt_hcd_parse(data, size - 7, &h, &why), -EBADMSG);
        ASSERT_STR_CONTAINS(why, "no Launch RAM");
}

int main(void)
{
        TEST_RUN(test_real_patches);
        TEST_RUN(test_damaged_patches);
        TEST_RUN(test_cut_real_patch);
        return test_exit();
}
