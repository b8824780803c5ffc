/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The live tree (/proc/device-tree laid out from a DTB) gives the very Board the DTB gives. */
#include <dirent.h>
#include <sys/stat.h>

#include "board.h"
#include "dt-fs-writer.h"
#include "test-util.h"
#include "util.h"

#define _cleanup_sysroot_ _cleanup_(dt_fs_sysroot_freep)

static char *board_json_string(const Board *b)
{
        json_object *j = board_to_json(b);
        char *s;

        if (!j)
                return NULL;
        s = strdup(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
        json_object_put(j);
        return s;
}

static unsigned n_compared;

static void compare_live_with_dtb(const char *path)
{
        _cleanup_(board_freep) Board *from_dtb = NULL, *from_live = NULL;
        _cleanup_free_ char *a = NULL, *b = NULL, *error = NULL;
        _cleanup_sysroot_ char *root = dt_fs_sysroot_new("board-live");
        _cleanup_free_ void *blob = NULL;
        size_t size;
        int r;

        blob = dt_fs_read_blob(path, &size);
        r = board_detect_from_dtb(path, &from_dtb, &error);
        ASSERT_INT_EQ(r, 0);
        r = dt_fs_make_sysroot(blob, root);
        ASSERT_INT_EQ(r, 0);
        r = board_detect_from_live(root, &from_live, &error);
        ASSERT_INT_EQ(r, 0);
        if (!from_dtb || !from_live) {
                fprintf(stderr, "  %s: %s\n", path, strna(error));
                return;
        }
        a = board_json_string(from_dtb);
        b = board_json_string(from_live);
        ASSERT_NOT_NULL(a);
        ASSERT_STR_EQ(b, a);
        n_compared++;
}

static void compare_all_in(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *de;

        if (!d) {
                fprintf(stderr, "  SKIP %s: %m\n", dir);
                return;
        }
        while ((de = readdir(d))) {
                _cleanup_free_ char *path = NULL;
                size_t k = strlen(de->d_name);

                if (k < 5 || !streq(de->d_name + k - 4, ".dtb"))
                        continue;
                path = strdup_printf("%s/%s", dir, de->d_name);
                fprintf(stderr, "  %s\n", de->d_name);
                compare_live_with_dtb(path);
        }
        closedir(d);
}

static void test_live_equals_dtb_upstream(void)
{
        compare_all_in(HWCTL_DTB_DIR);
}

static void test_live_equals_dtb_vendor_fixtures(void)
{
        compare_all_in(HWCTL_BOARD_FIXTURE_DTB_DIR);
}

/* A machine without a device tree (x86, most VMs) is a generic board, not an error. */
static void test_no_device_tree_is_generic(void)
{
        _cleanup_sysroot_ char *root = dt_fs_sysroot_new("board-nodt");
        _cleanup_(board_freep) Board *b = NULL;
        _cleanup_free_ char *error = NULL;

        ASSERT_INT_EQ(board_detect_from_live(root, &b, &error), 0);
        ASSERT_NULL(error);
        if (!b)
                return;
        ASSERT_INT_EQ(b->id, BOARD_GENERIC);
        ASSERT_INT_EQ(b->family, BOARD_FAMILY_UNKNOWN);
        ASSERT_INT_EQ(strv_length(b->findings), 1);
        ASSERT_STR_CONTAINS(b->findings[0], "no device tree");
        ASSERT_FALSE(b->bluetooth.present);
        ASSERT_FALSE(b->gpio.present);
}

/* The running system: on this kind of machine there is usually no /proc/device-tree. */
static void test_running_system(void)
{
        _cleanup_(board_freep) Board *b = NULL;
        _cleanup_free_ char *error = NULL;
        struct stat st;
        int r;

        r = board_detect_from_live(NULL, &b, &error);
        if (stat("/proc/device-tree", &st) < 0) {
                ASSERT_INT_EQ(r, 0);
                ASSERT_TRUE(b && b->id == BOARD_GENERIC);
                ASSERT_TRUE(b && strv_length(b->findings) == 1);
        } else
                ASSERT_TRUE(r == 0 || error);
}

static void rpi4_sysroot(char *root, bool symlinked, const char *link_target)
{
        _cleanup_free_ char *path = strdup_printf("%s/bcm2711-rpi-4-b.dtb", HWCTL_DTB_DIR);
        _cleanup_free_ char *dir = NULL;
        _cleanup_free_ void *blob = NULL;
        size_t size;

        blob = dt_fs_read_blob(path, &size);
        if (!symlinked) {
                dir = strdup_printf("%s/proc/device-tree", root);
                ASSERT_INT_EQ(dt_fs_write(blob, dir), 0);
                return;
        }
        dir = strdup_printf("%s/sys/firmware/devicetree/base", root);
        ASSERT_INT_EQ(dt_fs_write(blob, dir), 0);
        ASSERT_INT_EQ(dt_fs_symlink(link_target, root, "proc/device-tree"), 0);
}

/* /proc/device-tree as a plain directory, or a relative link, reads the same. */
static void test_top_directory_or_relative_link(void)
{
        const char *variants[] = {NULL, "../sys/firmware/devicetree/base"};

        for (size_t i = 0; i < ELEMENTSOF(variants); i++) {
                _cleanup_sysroot_ char *root = dt_fs_sysroot_new("board-top");
                _cleanup_(board_freep) Board *b = NULL;

                rpi4_sysroot(root, variants[i] != NULL, variants[i]);
                ASSERT_INT_EQ(board_detect_from_live(root, &b, NULL), 0);
                ASSERT_TRUE(b && b->id == BOARD_RPI_4_B);
                ASSERT_TRUE(b && b->bluetooth.pins_rtscts == TRISTATE_YES);
        }
}

int main(void)
{
        struct stat st;

        if (stat(HWCTL_DTB_DIR, &st) < 0 || !S_ISDIR(st.st_mode))
                TEST_SKIP("no upstream DTBs in %s (run scripts/fetch-dtbs)", HWCTL_DTB_DIR);

        TEST_RUN(test_live_equals_dtb_upstream);
        TEST_RUN(test_live_equals_dtb_vendor_fixtures);
        TEST_RUN(test_no_device_tree_is_generic);
        TEST_RUN(test_running_system);
        TEST_RUN(test_top_directory_or_relative_link);
        fprintf(stderr, "%u trees compared\n", n_compared);
        if (n_compared == 0)
                TEST_SKIP("no DTB to compare in %s", HWCTL_DTB_DIR);
        return test_exit();
}
