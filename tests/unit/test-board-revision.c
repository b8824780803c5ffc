/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pi revision codes decode to the documented model, memory, maker, SoC and PCB revision. */
#include <libfdt.h>

#include "board.h"
#include "test-util.h"
#include "util.h"

typedef struct RevisionCase {
        uint32_t code;
        bool new_style;
        const char *type;
        unsigned major, minor, memory_mib;
        const char *manufacturer, *processor;
} RevisionCase;

/* Codes and their meaning from the Raspberry Pi "Revision codes" documentation. */
static const RevisionCase cases[] = {
        {0xa03111, true, "4B", 1, 1, 1024, "Sony UK", "BCM2711"},
        {0xb03114, true, "4B", 1, 4, 2048, "Sony UK", "BCM2711"},
        {0xc03112, true, "4B", 1, 2, 4096, "Sony UK", "BCM2711"},
        {0xd03114, true, "4B", 1, 4, 8192, "Sony UK", "BCM2711"},
        {0xc03130, true, "400", 1, 0, 4096, "Sony UK", "BCM2711"},
        {0xa03140, true, "CM4", 1, 0, 1024, "Sony UK", "BCM2711"},
        {0x902120, true, "Zero 2 W", 1, 0, 512, "Sony UK", "BCM2837"},
        {0xa020d3, true, "3B+", 1, 3, 1024, "Sony UK", "BCM2837"},
        {0x9020e0, true, "3A+", 1, 0, 512, "Sony UK", "BCM2837"},
        {0xa22082, true, "3B", 1, 2, 1024, "Embest", "BCM2837"},
        {0xa32082, true, "3B", 1, 2, 1024, "Sony Japan", "BCM2837"},
        {0xa52082, true, "3B", 1, 2, 1024, "Stadium", "BCM2837"},
        {0xa01041, true, "2B", 1, 1, 1024, "Sony UK", "BCM2836"},
        {0x9000c1, true, "Zero W", 1, 1, 512, "Sony UK", "BCM2835"},
        {0xc04170, true, "5", 1, 0, 4096, "Sony UK", "BCM2712"},
        {0xd04190, true, "500", 1, 0, 8192, "Sony UK", "BCM2712"},
        {0xb041a0, true, "CM5 Lite", 1, 0, 2048, "Sony UK", "BCM2712"},
        {0xe04180, true, "CM5", 1, 0, 16384, "Sony UK", "BCM2712"},
        /* Old-style codes. */
        {0x000e, false, "B", 2, 0, 512, "Sony UK", "BCM2835"},
        {0x0002, false, "B", 1, 0, 256, "Egoman", "BCM2835"},
        {0x0010, false, "B+", 1, 2, 512, "Sony UK", "BCM2835"},
        {0x0005, false, "B", 2, 0, 256, "Qisda", "BCM2835"},
        /* Bit 24 (warranty void) on an old-style code does not change the board. */
        {0x100000e, false, "B", 2, 0, 512, "Sony UK", "BCM2835"},
};

static void test_documented_codes(void)
{
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const RevisionCase *c = &cases[i];
                BoardRevision r;

                rpi_revision_decode(c->code, &r);
                fprintf(stderr, "  0x%06x\n", c->code);
                ASSERT_TRUE(r.present);
                ASSERT_INT_EQ(r.code, c->code);
                ASSERT_INT_EQ(r.new_style, c->new_style);
                ASSERT_STR_EQ(r.type, c->type);
                ASSERT_INT_EQ(r.pcb_major, c->major);
                ASSERT_INT_EQ(r.pcb_revision, c->minor);
                ASSERT_INT_EQ(r.memory_mib, c->memory_mib);
                ASSERT_STR_EQ(r.manufacturer, c->manufacturer);
                ASSERT_STR_EQ(r.processor, c->processor);
        }
}

/* Fields the code does not name stay empty rather than being guessed. */
static void test_unknown_fields_stay_empty(void)
{
        BoardRevision r;

        /* Memory 7, manufacturer 15, processor 15, type 0xff, PCB 15. */
        rpi_revision_decode(0xffffff, &r);
        ASSERT_TRUE(r.present);
        ASSERT_TRUE(r.new_style);
        ASSERT_INT_EQ(r.memory_mib, 0);
        ASSERT_NULL(r.manufacturer);
        ASSERT_NULL(r.processor);
        ASSERT_NULL(r.type);
        ASSERT_INT_EQ(r.pcb_revision, 15);

        /* Type 0x07 is not assigned. */
        rpi_revision_decode(0xa02070, &r);
        ASSERT_NULL(r.type);
        ASSERT_STR_EQ(r.processor, "BCM2837");

        /* Old-style codes outside 0002..0015. */
        rpi_revision_decode(0x0001, &r);
        ASSERT_NULL(r.type);
        ASSERT_FALSE(r.new_style);
        rpi_revision_decode(0x0016, &r);
        ASSERT_NULL(r.type);
        rpi_revision_decode(0x000a, &r);
        ASSERT_NULL(r.type);
}

/* From the tree: /system/linux,revision as the firmware adds it, and its JSON form. */
static void test_revision_from_tree_and_json(void)
{
        _cleanup_(board_freep) Board *b = NULL;
        char buf[1024];
        json_object *j, *rev, *v;
        int r;

        r = fdt_create(buf, sizeof(buf));
        r = r < 0 ? r : fdt_finish_reservemap(buf);
        r = r < 0 ? r : fdt_begin_node(buf, "");
        r = r < 0 ? r
                  : fdt_property(buf, "compatible", "raspberrypi,3-model-b-plus\0brcm,bcm2837",
                                 sizeof("raspberrypi,3-model-b-plus\0brcm,bcm2837"));
        r = r < 0 ? r : fdt_begin_node(buf, "system");
        r = r < 0 ? r : fdt_property_u32(buf, "linux,revision", 0xa020d3);
        r = r < 0 ? r : fdt_property_u64(buf, "linux,serial", 0x10000000deadbeefULL);
        r = r < 0 ? r : fdt_end_node(buf);
        r = r < 0 ? r : fdt_end_node(buf);
        r = r < 0 ? r : fdt_finish(buf);
        ASSERT_INT_EQ(r, 0);

        r = board_detect_from_blob(buf, fdt_totalsize(buf), &b, NULL);
        ASSERT_INT_EQ(r, 0);
        if (r < 0)
                return;
        ASSERT_STR_EQ(board_id_to_string(b->id), "rpi-3-b-plus");
        ASSERT_STR_EQ(b->serial, "10000000deadbeef");
        ASSERT_STR_EQ(b->revision.type, "3B+");
        j = board_to_json(b);
        ASSERT_TRUE(j && json_object_object_get_ex(j, "revision", &rev));
        if (!j)
                return;
        ASSERT_TRUE(json_object_object_get_ex(rev, "code", &v));
        ASSERT_STR_EQ(json_object_get_string(v), "0xa020d3");
        ASSERT_TRUE(json_object_object_get_ex(rev, "memory_mib", &v));
        ASSERT_INT_EQ(json_object_get_int(v), 1024);
        ASSERT_TRUE(json_object_object_get_ex(rev, "manufacturer", &v));
        ASSERT_STR_EQ(json_object_get_string(v), "Sony UK");
        ASSERT_TRUE(json_object_object_get_ex(rev, "type", &v));
        ASSERT_STR_EQ(json_object_get_string(v), "3B+");
        ASSERT_TRUE(json_object_object_get_ex(rev, "processor", &v));
        ASSERT_STR_EQ(json_object_get_string(v), "BCM2837");
        ASSERT_TRUE(json_object_object_get_ex(rev, "pcb_revision", &v));
        ASSERT_STR_EQ(json_object_get_string(v), "1.3");
        json_object_put(j);
}

/* A compatible list nobody knows, but a revision code the firmware wrote: the code decides. */
static void test_revision_identifies_board_without_compatible(void)
{
        _cleanup_(board_freep) Board *b = NULL;
        char buf[1024];
        int r;

        r = fdt_create(buf, sizeof(buf));
        r = r < 0 ? r : fdt_finish_reservemap(buf);
        r = r < 0 ? r : fdt_begin_node(buf, "");
        r = r < 0 ? r : fdt_property_string(buf, "compatible", "acme,custom-carrier");
        r = r < 0 ? r : fdt_begin_node(buf, "system");
        r = r < 0 ? r : fdt_property_u32(buf, "linux,revision", 0xb03140);
        r = r < 0 ? r : fdt_end_node(buf);
        r = r < 0 ? r : fdt_end_node(buf);
        r = r < 0 ? r : fdt_finish(buf);
        ASSERT_INT_EQ(r, 0);

        ASSERT_INT_EQ(board_detect_from_blob(buf, fdt_totalsize(buf), &b, NULL), 0);
        if (!b)
                return;
        ASSERT_STR_EQ(board_id_to_string(b->id), "rpi-cm4");
        ASSERT_STR_EQ(board_family_to_string(b->family), "rpi");
        {
                bool found = false;
                STRV_FOREACH (f, b->findings)
                        found = found || strstr(*f, "revision code 0xb03140 says Raspberry Pi CM4");
                ASSERT_TRUE(found);
        }
}

int main(void)
{
        TEST_RUN(test_documented_codes);
        TEST_RUN(test_unknown_fields_stay_empty);
        TEST_RUN(test_revision_from_tree_and_json);
        TEST_RUN(test_revision_identifies_board_without_compatible);
        return test_exit();
}
