/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Malformed input never crashes board detection: an error sentence, or a generic board with
 * findings. */
#include <endian.h>
#include <fcntl.h>
#include <ftw.h>
#include <libfdt.h>
#include <sys/stat.h>

#include "board.h"
#include "dt-fs-writer.h"
#include "test-util.h"
#include "util.h"

#define _cleanup_sysroot_ _cleanup_(dt_fs_sysroot_freep)
#define RPI4_DTB          HWCTL_DTB_DIR "/bcm2711-rpi-4-b.dtb"

static bool has_finding(const Board *b, const char *needle)
{
        STRV_FOREACH (f, b->findings)
                if (strstr(*f, needle))
                        return true;
        return false;
}

#define ASSERT_FINDING(b, needle)                                                                  \
        do {                                                                                       \
                if (!(b) || !has_finding((b), (needle))) {                                         \
                        TEST_FAIL("expected a finding containing \"%s\"", (needle));               \
                        if (b)                                                                     \
                                STRV_FOREACH (_f, (b)->findings)                                   \
                                        fprintf(stderr, "    finding: %s\n", *_f);                 \
                }                                                                                  \
        } while (0)

/* A small tree built with libfdt's sequential-write API; props are name/value/length triples. */
typedef struct Prop {
        const char *name;
        const void *value;
        int len;
} Prop;

static void *tiny_tree(const Prop *root_props, size_t n, size_t *ret_size)
{
        size_t size = 4096;
        char *buf = calloc(1, size);
        int r;

        r = fdt_create(buf, (int)size);
        r = r < 0 ? r : fdt_finish_reservemap(buf);
        r = r < 0 ? r : fdt_begin_node(buf, "");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = fdt_property(buf, root_props[i].name, root_props[i].value, root_props[i].len);
        r = r < 0 ? r : fdt_end_node(buf);
        r = r < 0 ? r : fdt_finish(buf);
        if (r < 0) {
                fprintf(stderr, "tiny_tree: %s\n", fdt_strerror(r));
                exit(EXIT_FAILURE);
        }
        *ret_size = fdt_totalsize(buf);
        return buf;
}

static Board *detect_blob(const void *blob, size_t size)
{
        Board *b = NULL;
        char *error = NULL;
        int r = board_detect_from_blob(blob, size, &b, &error);

        if (r < 0)
                fprintf(stderr, "  unexpected error %d: %s\n", r, strna(error));
        free(error);
        return b;
}

static void test_property_without_nul(void)
{
        const Prop props[] = {
                {"model", "Raspberry Pi 4", 14}, /* no terminating NUL */
                {"compatible", "raspberrypi,4-model-b", 21},
        };
        _cleanup_free_ void *blob = NULL;
        _cleanup_(board_freep) Board *b = NULL;
        size_t size;

        blob = tiny_tree(props, ELEMENTSOF(props), &size);
        b = detect_blob(blob, size);
        ASSERT_NOT_NULL(b);
        if (!b)
                return;
        ASSERT_NULL(b->model);
        ASSERT_INT_EQ(b->id, BOARD_GENERIC);
        ASSERT_INT_EQ(strv_length(b->compatible), 0);
        ASSERT_FINDING(b, "model property is not a printable string");
        ASSERT_FINDING(b, "compatible property is not a list of printable strings");
}

static void test_garbage_compatible(void)
{
        static const char garbage[] = "\xff\x01\x80raspberrypi\0\x7f\x02";
        const Prop props[] = {
                {"model", "Whatever", 9},
                {"compatible", garbage, sizeof(garbage)},
        };
        _cleanup_free_ void *blob = NULL;
        _cleanup_(board_freep) Board *b = NULL;
        size_t size;

        blob = tiny_tree(props, ELEMENTSOF(props), &size);
        b = detect_blob(blob, size);
        ASSERT_NOT_NULL(b);
        if (!b)
                return;
        ASSERT_INT_EQ(b->id, BOARD_GENERIC);
        ASSERT_INT_EQ(b->family, BOARD_FAMILY_UNKNOWN);
        ASSERT_STR_EQ(b->model, "Whatever");
        ASSERT_FINDING(b, "cannot be identified");
}

static void test_missing_model_and_compatible(void)
{
        const Prop props[] = {{"#address-cells", "\0\0\0\1", 4}};
        _cleanup_free_ void *blob = NULL;
        _cleanup_(board_freep) Board *b = NULL;
        size_t size;

        blob = tiny_tree(props, ELEMENTSOF(props), &size);
        b = detect_blob(blob, size);
        ASSERT_NOT_NULL(b);
        if (!b)
                return;
        ASSERT_NULL(b->model);
        ASSERT_INT_EQ(b->id, BOARD_GENERIC);
        ASSERT_FINDING(b, "has no model property");
        ASSERT_FINDING(b, "has no compatible property");
}

/* Every cut of a real DTB is refused with a sentence, never read past its end. */
static void test_truncated_dtb(void)
{
        _cleanup_free_ char *blob = NULL;
        size_t size, cuts = 0;

        blob = dt_fs_read_blob(RPI4_DTB, &size);
        for (size_t cut = 0; cut < size; cut += (cut < 256 ? 1 : 61)) {
                _cleanup_(board_freep) Board *b = NULL;
                _cleanup_free_ char *error = NULL;
                _cleanup_free_ char *copy = malloc(cut ? cut : 1);
                int r;

                memcpy(copy, blob, cut);
                r = board_detect_from_blob(copy, cut, &b, &error);
                if (r >= 0) {
                        TEST_FAIL("a DTB cut at %zu bytes was accepted", cut);
                        continue;
                }
                ASSERT_NULL(b);
                ASSERT_NOT_NULL(error);
                cuts++;
        }
        ASSERT_TRUE(cuts > 600);

        /* A cut whose header claims the shorter size: the structure block is what gives out. */
        {
                _cleanup_(board_freep) Board *b = NULL;
                _cleanup_free_ char *error = NULL;
                size_t cut = size / 2;

                fdt_set_totalsize(blob, (uint32_t)cut);
                ASSERT_TRUE(board_detect_from_blob(blob, cut, &b, &error) < 0);
                ASSERT_STR_CONTAINS(error, "not a valid flattened device tree");
        }
}

/* Header versions libfdt 1.6.1 mishandles (2 and 3 crashed fdt_check_full()) and blocks the
 * header puts outside the blob: refused with a sentence before libfdt sees them. */
static void test_header_versions_and_offsets(void)
{
        _cleanup_free_ char *blob = NULL;
        size_t size;
        const struct {
                uint32_t version, last_comp;
                bool accepted;
        } cases[] = {
                {1, 1, false},   {2, 0, false},           {2, 2, false},  {3, 2, false},
                {15, 15, false}, {16, 16, true},          {17, 16, true}, {17, 18, false},
                {18, 16, true},  {0xffffffffu, 16, true},
        };

        blob = dt_fs_read_blob(RPI4_DTB, &size);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *copy = malloc(size);
                _cleanup_(board_freep) Board *b = NULL;
                _cleanup_free_ char *error = NULL;
                int r;

                memcpy(copy, blob, size);
                fdt_set_version(copy, cases[i].version);
                fdt_set_last_comp_version(copy, cases[i].last_comp);
                r = board_detect_from_blob(copy, size, &b, &error);
                if (cases[i].accepted) {
                        if (r < 0)
                                TEST_FAIL("version %u/%u refused: %s", cases[i].version,
                                          cases[i].last_comp, strna(error));
                        continue;
                }
                ASSERT_INT_EQ(r, -EBADMSG);
                ASSERT_NULL(b);
                _cleanup_free_ char *want =
                        strdup_printf("a version %u device tree", cases[i].version);
                ASSERT_STR_CONTAINS(error, want);
                ASSERT_STR_CONTAINS(error, "Recompile it from its source with dtc");
        }

        /* Each block offset, and the two sizes, pointed past the end. */
        for (unsigned word = 2; word <= 9; word++) {
                _cleanup_free_ char *copy = malloc(size);
                _cleanup_(board_freep) Board *b = NULL;
                _cleanup_free_ char *error = NULL;
                uint32_t past = htobe32((uint32_t)size + 8);

                if (word >= 5 && word <= 7)
                        continue; /* version, last_comp_version, boot_cpuid_phys */
                memcpy(copy, blob, size);
                memcpy(copy + 4 * word, &past, sizeof(past));
                ASSERT_INT_EQ(board_detect_from_blob(copy, size, &b, &error), -EBADMSG);
                ASSERT_STR_CONTAINS(error, "puts a block outside");
        }

        /* A header that claims more bytes than there are. */
        {
                _cleanup_free_ char *copy = malloc(size);
                _cleanup_(board_freep) Board *b = NULL;
                _cleanup_free_ char *error = NULL;

                memcpy(copy, blob, size);
                fdt_set_totalsize(copy, (uint32_t)size + 4096);
                ASSERT_INT_EQ(board_detect_from_blob(copy, size, &b, &error), -EBADMSG);
                ASSERT_STR_CONTAINS(error, "but");
        }
}

/* Random bytes, and a real DTB with random bytes flipped: an error or a board, no crash. */
static void test_random_bytes(void)
{
        _cleanup_free_ char *blob = NULL;
        _cleanup_free_ char *error = NULL;
        _cleanup_(board_freep) Board *b = NULL;
        unsigned seed = 20240601;
        char noise[4096];
        size_t size;

        for (size_t i = 0; i < sizeof(noise); i++)
                noise[i] = (char)rand_r(&seed);
        ASSERT_INT_EQ(board_detect_from_blob(noise, sizeof(noise), &b, &error), -EBADMSG);
        ASSERT_STR_CONTAINS(error, "not a valid flattened device tree");

        blob = dt_fs_read_blob(RPI4_DTB, &size);
        for (unsigned round = 0; round < 400; round++) {
                _cleanup_free_ char *copy = malloc(size);
                _cleanup_(board_freep) Board *c = NULL;
                _cleanup_free_ char *e = NULL;
                json_object *j;

                memcpy(copy, blob, size);
                for (unsigned k = 0; k < 1 + round % 8; k++)
                        copy[(size_t)rand_r(&seed) % size] = (char)rand_r(&seed);
                if (board_detect_from_blob(copy, size, &c, &e) >= 0) {
                        j = board_to_json(c);
                        ASSERT_NOT_NULL(j);
                        json_object_put(j);
                } else
                        ASSERT_NOT_NULL(e);
        }
}

static void test_files_that_are_not_dtbs(void)
{
        _cleanup_sysroot_ char *root = dt_fs_sysroot_new("board-files");
        _cleanup_free_ char *empty = strdup_printf("%s/empty.dtb", root);
        _cleanup_free_ char *missing = strdup_printf("%s/missing.dtb", root);
        const struct {
                const char *path;
                int r;
                const char *says;
        } cases[] = {
                {empty, -EBADMSG, "too short"},
                {missing, -ENOENT, "No such file"},
                {root, -EISDIR, "Is a directory"},
        };

        ASSERT_INT_EQ(dt_fs_write_file(root, "empty.dtb", "", 0), 0);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(board_freep) Board *b = NULL;
                _cleanup_free_ char *error = NULL;

                ASSERT_INT_EQ(board_detect_from_dtb(cases[i].path, &b, &error), cases[i].r);
                ASSERT_STR_CONTAINS(error, cases[i].says);
                ASSERT_NULL(b);
        }
}

static void test_blob_too_large(void)
{
        size_t size = 17U * 1024U * 1024U;
        _cleanup_free_ char *big = calloc(1, size);
        _cleanup_(board_freep) Board *b = NULL;
        _cleanup_free_ char *error = NULL;

        ASSERT_INT_EQ(board_detect_from_blob(big, size, &b, &error), -EFBIG);
        ASSERT_STR_CONTAINS(error, "larger than 16 MiB");
}

/* Edits a copy of the Pi 4 DTB in place: bad phandles and absurd cell counts. */
static void *rpi4_edited(size_t *ret_size, void (*edit)(void *fdt))
{
        _cleanup_free_ char *blob = NULL;
        size_t size;
        void *buf;

        blob = dt_fs_read_blob(RPI4_DTB, &size);
        buf = calloc(1, size + 4096);
        if (fdt_open_into(blob, buf, (int)(size + 4096)) < 0) {
                fprintf(stderr, "fdt_open_into failed\n");
                exit(EXIT_FAILURE);
        }
        edit(buf);
        fdt_pack(buf);
        *ret_size = fdt_totalsize(buf);
        return buf;
}

static void set_u32(void *fdt, const char *path, const char *name, uint32_t v)
{
        int node = fdt_path_offset(fdt, path);

        if (node < 0 || fdt_setprop_u32(fdt, node, name, v) < 0) {
                fprintf(stderr, "cannot set %s/%s\n", path, name);
                exit(EXIT_FAILURE);
        }
}

static void edit_bad_phandles(void *fdt)
{
        set_u32(fdt, "/soc/serial@7e201000", "pinctrl-0", 0xdead);
        set_u32(fdt, "/soc/serial@7e201000/bluetooth", "shutdown-gpios", 0xbeef);
}

static void test_bad_phandle_in_pinctrl(void)
{
        _cleanup_free_ void *blob = NULL;
        _cleanup_(board_freep) Board *b = NULL;
        size_t size;

        blob = rpi4_edited(&size, edit_bad_phandles);
        b = detect_blob(blob, size);
        ASSERT_NOT_NULL(b);
        if (!b)
                return;
        ASSERT_INT_EQ(b->id, BOARD_RPI_4_B);
        ASSERT_INT_EQ(b->bluetooth.pins_rtscts, TRISTATE_UNKNOWN);
        ASSERT_STR_CONTAINS(b->bluetooth.pins_evidence, "phandle 0xdead (no node has it)");
        ASSERT_FINDING(b, "pinctrl-0 of uart0 (/soc/serial@7e201000) refers to phandle 0xdead");
        ASSERT_NULL(b->bluetooth.shutdown_gpio.controller_path);
        ASSERT_FINDING(b, "shutdown-gpios of /soc/serial@7e201000/bluetooth refers to phandle "
                          "0xbeef");
}

static void edit_absurd_cells(void *fdt)
{
        set_u32(fdt, "/soc/firmware/gpio", "#gpio-cells", 0xffffffff);
        set_u32(fdt, "/soc/gpio@7e200000", "ngpios", 0x7fffffff);
        set_u32(fdt, "/soc/serial@7e201000/bluetooth", "max-speed", 0);
        if (fdt_add_subnode(fdt, 0, "system") < 0)
                exit(EXIT_FAILURE);
        set_u32(fdt, "/system", "linux,revision", 0x12345678);
}

static void test_absurd_cell_counts(void)
{
        _cleanup_free_ void *blob = NULL;
        _cleanup_(board_freep) Board *b = NULL;
        size_t size;

        blob = rpi4_edited(&size, edit_absurd_cells);
        b = detect_blob(blob, size);
        ASSERT_NOT_NULL(b);
        if (!b)
                return;
        ASSERT_NULL(b->bluetooth.shutdown_gpio.controller_path);
        ASSERT_FINDING(b, "impossible #gpio-cells");
        ASSERT_FINDING(b, "ngpios of /soc/gpio@7e200000 is not a plausible line count");
        ASSERT_INT_EQ(b->gpio.n_lines, 58); /* from gpio-line-names instead */
        ASSERT_FINDING(b, "revision code 0x12345678 names no board type");
}

/* ---- Live trees ---- */

static int truncate_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        if (flag == FTW_F && S_ISREG(st->st_mode))
                return truncate(path, 0) < 0 ? -1 : 0;
        return 0;
}

static void test_live_tree_of_empty_files(void)
{
        _cleanup_sysroot_ char *root = dt_fs_sysroot_new("board-empty");
        _cleanup_free_ char *base = NULL;
        _cleanup_free_ void *blob = NULL;
        _cleanup_(board_freep) Board *b = NULL;
        size_t size;

        blob = dt_fs_read_blob(RPI4_DTB, &size);
        ASSERT_INT_EQ(dt_fs_make_sysroot(blob, root), 0);
        base = strdup_printf("%s/sys/firmware/devicetree/base", root);
        ASSERT_INT_EQ(nftw(base, truncate_one, 16, FTW_PHYS), 0);

        ASSERT_INT_EQ(board_detect_from_live(root, &b, NULL), 0);
        if (!b)
                return;
        ASSERT_INT_EQ(b->id, BOARD_GENERIC);
        ASSERT_NULL(b->model);
        ASSERT_INT_EQ(b->bluetooth.uart_kind, UART_KIND_UNKNOWN);
        ASSERT_INT_EQ(b->bluetooth.pins_rtscts, TRISTATE_UNKNOWN);
        ASSERT_FALSE(b->gpio.present);
        ASSERT_INT_EQ(b->n_audio, 0);
        ASSERT_FINDING(b, "model property is not a printable string");
}

static void test_live_symlinks_inside_tree_are_ignored(void)
{
        _cleanup_sysroot_ char *root = dt_fs_sysroot_new("board-links");
        _cleanup_free_ void *blob = NULL;
        _cleanup_(board_freep) Board *b = NULL;
        size_t size;

        blob = dt_fs_read_blob(RPI4_DTB, &size);
        ASSERT_INT_EQ(dt_fs_make_sysroot(blob, root), 0);
        /* A loop back to the root, a two-link loop, and a link where a property would be. */
        ASSERT_INT_EQ(dt_fs_symlink("..", root, "sys/firmware/devicetree/base/soc/loop"), 0);
        ASSERT_INT_EQ(dt_fs_symlink("b", root, "sys/firmware/devicetree/base/a"), 0);
        ASSERT_INT_EQ(dt_fs_symlink("a", root, "sys/firmware/devicetree/base/b"), 0);
        ASSERT_INT_EQ(
                dt_fs_symlink("/etc/passwd", root, "sys/firmware/devicetree/base/serial-number"),
                0);

        ASSERT_INT_EQ(board_detect_from_live(root, &b, NULL), 0);
        if (!b)
                return;
        ASSERT_INT_EQ(b->id, BOARD_RPI_4_B);
        ASSERT_NULL(b->serial);
        ASSERT_FINDING(b, "contains 4 symbolic link(s)");
}

static void test_live_top_symlink_loop(void)
{
        _cleanup_sysroot_ char *root = dt_fs_sysroot_new("board-toploop");
        _cleanup_(board_freep) Board *b = NULL;
        _cleanup_free_ char *error = NULL;

        ASSERT_INT_EQ(dt_fs_symlink("/proc/device-tree", root, "proc/device-tree"), 0);
        ASSERT_INT_EQ(board_detect_from_live(root, &b, &error), -ELOOP);
        ASSERT_NULL(b);
        ASSERT_STR_CONTAINS(error, "loops");
}

/* A directory where a property should be: it is a node, and the property is missing. */
static void test_live_directory_for_property(void)
{
        _cleanup_sysroot_ char *root = dt_fs_sysroot_new("board-dirprop");
        _cleanup_(board_freep) Board *b = NULL;

        ASSERT_INT_EQ(dt_fs_mkdir(root, "proc/device-tree/compatible"), 0);
        ASSERT_INT_EQ(dt_fs_mkdir(root, "proc/device-tree/model/model"), 0);
        ASSERT_INT_EQ(dt_fs_write_file(root, "proc/device-tree/soc/serial@7e201000/compatible",
                                       "arm,pl011", 10),
                      0);
        ASSERT_INT_EQ(dt_fs_mkdir(root, "proc/device-tree/soc/serial@7e201000/pinctrl-0"), 0);

        ASSERT_INT_EQ(board_detect_from_live(root, &b, NULL), 0);
        if (!b)
                return;
        ASSERT_INT_EQ(b->id, BOARD_GENERIC);
        ASSERT_NULL(b->model);
        ASSERT_FINDING(b, "has no compatible property");
        ASSERT_FINDING(b, "has no model property");
}

static void test_live_random_and_huge_files(void)
{
        _cleanup_sysroot_ char *root = dt_fs_sysroot_new("board-noise");
        _cleanup_free_ char *big = calloc(1, 2U * 1024U * 1024U);
        _cleanup_(board_freep) Board *b = NULL;
        unsigned seed = 7;
        char noise[512];

        for (size_t i = 0; i < sizeof(noise); i++)
                noise[i] = (char)rand_r(&seed);
        ASSERT_INT_EQ(dt_fs_write_file(root, "proc/device-tree/compatible",
                                       "raspberrypi,4-model-b\0brcm,bcm2711", 35),
                      0);
        ASSERT_INT_EQ(dt_fs_write_file(root, "proc/device-tree/model", noise, sizeof(noise)), 0);
        ASSERT_INT_EQ(dt_fs_write_file(root, "proc/device-tree/soc/gpio@7e200000/gpio-line-names",
                                       big, 2U * 1024U * 1024U),
                      0);
        ASSERT_INT_EQ(dt_fs_write_file(root, "proc/device-tree/soc/gpio@7e200000/compatible",
                                       "brcm,bcm2711-gpio", 18),
                      0);
        ASSERT_INT_EQ(
                dt_fs_write_file(root, "proc/device-tree/soc/gpio@7e200000/gpio-controller", "", 0),
                0);

        ASSERT_INT_EQ(board_detect_from_live(root, &b, NULL), 0);
        if (!b)
                return;
        ASSERT_INT_EQ(b->id, BOARD_RPI_4_B);
        ASSERT_NULL(b->model);
        ASSERT_FINDING(b, "model property is not a printable string");
        ASSERT_FINDING(b, "properties larger than 1024 KiB");
        ASSERT_TRUE(b->gpio.present);
        ASSERT_NULL(b->gpio.line_names);
        ASSERT_INT_EQ(b->gpio.n_lines, 58);
}

static void test_live_too_deep(void)
{
        _cleanup_sysroot_ char *root = dt_fs_sysroot_new("board-deep");
        _cleanup_(board_freep) Board *b = NULL;
        _cleanup_free_ char *error = NULL, *rel = strdup("proc/device-tree");

        for (int i = 0; i < 70; i++) {
                char *n = strdup_printf("%s/n", rel);
                free(rel);
                rel = n;
        }
        ASSERT_INT_EQ(dt_fs_mkdir(root, rel), 0);
        ASSERT_INT_EQ(board_detect_from_live(root, &b, &error), -ELOOP);
        ASSERT_STR_CONTAINS(error, "deeper than 64 levels");
        ASSERT_NULL(b);
}

int main(void)
{
        if (access(RPI4_DTB, R_OK) < 0)
                TEST_SKIP("%s is missing (run scripts/fetch-dtbs)", RPI4_DTB);

        TEST_RUN(test_property_without_nul);
        TEST_RUN(test_garbage_compatible);
        TEST_RUN(test_missing_model_and_compatible);
        TEST_RUN(test_truncated_dtb);
        TEST_RUN(test_header_versions_and_offsets);
        TEST_RUN(test_random_bytes);
        TEST_RUN(test_files_that_are_not_dtbs);
        TEST_RUN(test_blob_too_large);
        TEST_RUN(test_bad_phandle_in_pinctrl);
        TEST_RUN(test_absurd_cell_counts);
        TEST_RUN(test_live_tree_of_empty_files);
        TEST_RUN(test_live_symlinks_inside_tree_are_ignored);
        TEST_RUN(test_live_top_symlink_loop);
        TEST_RUN(test_live_directory_for_property);
        TEST_RUN(test_live_random_and_huge_files);
        TEST_RUN(test_live_too_deep);
        return test_exit();
}
