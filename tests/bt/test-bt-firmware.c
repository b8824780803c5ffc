/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Patch lookup: the kernel's names in its order, across FirmwareDirs=, and every name tried. */
#include <stdio.h>

#include "bt-firmware.h"
#include "bt-rig.h"
#include "test-util.h"

static char *const dirs[] = {"/lib/firmware", "/usr/lib/firmware", NULL};
static char *const compat[] = {"raspberrypi,4-model-b", "brcm,bcm2711", NULL};

static void put(const char *root, const char *rel)
{
        _cleanup_free_ char *p = strdup_printf("%s%s", root, rel);

        ASSERT_INT_EQ(rig_write_hcd(p, 1), 0);
}

static void test_not_found_lists_every_name(void)
{
        _cleanup_free_ char *root = rig_sysroot(NULL, 0), *path = NULL, *joined = NULL;
        char **tried = NULL;

        ASSERT_INT_EQ(bt_firmware_find(root, dirs, "BCM4345C0", compat, &path, &tried), 0);
        ASSERT_NULL(path);
        joined = strv_join(tried, " ");
        ASSERT_STR_EQ(joined,
                      "/lib/firmware/brcm/BCM4345C0.raspberrypi,4-model-b.hcd "
                      "/usr/lib/firmware/brcm/BCM4345C0.raspberrypi,4-model-b.hcd "
                      "/lib/firmware/brcm/BCM4345C0.brcm,bcm2711.hcd "
                      "/usr/lib/firmware/brcm/BCM4345C0.brcm,bcm2711.hcd "
                      "/lib/firmware/brcm/BCM4345C0.hcd /usr/lib/firmware/brcm/BCM4345C0.hcd");
        strv_free(tried);
        rig_rm_rf(root);
}

static void test_board_patch_beats_generic(void)
{
        _cleanup_free_ char *root = rig_sysroot(NULL, 0), *path = NULL, *want = NULL;
        char **tried = NULL;

        put(root, "/lib/firmware/brcm/BCM4345C0.hcd");
        put(root, "/usr/lib/firmware/brcm/BCM4345C0.raspberrypi,4-model-b.hcd");
        ASSERT_INT_EQ(bt_firmware_find(root, dirs, "BCM4345C0", compat, &path, &tried), 1);
        want = strdup_printf("%s/usr/lib/firmware/brcm/BCM4345C0.raspberrypi,4-model-b.hcd", root);
        ASSERT_STR_EQ(path, want);
        ASSERT_INT_EQ(strv_length(tried), 2);
        strv_free(tried);
        rig_rm_rf(root);
}

static void test_generic_and_slash(void)
{
        char *const odd[] = {"vendor/board", NULL};
        _cleanup_free_ char *root = rig_sysroot(NULL, 0), *path = NULL;
        char **tried = NULL;

        put(root, "/usr/lib/firmware/brcm/BCM43430A1.hcd");
        ASSERT_INT_EQ(bt_firmware_find(root, dirs, "BCM43430A1", odd, &path, &tried), 1);
        ASSERT_STR_CONTAINS(path, "/usr/lib/firmware/brcm/BCM43430A1.hcd");
        ASSERT_STR_EQ(tried[0], "/lib/firmware/brcm/BCM43430A1.vendor-board.hcd");
        strv_free(tried);
        free(path);
        path = NULL;
        /* An unknown chip is "BCM", as the kernel names it. */
        ASSERT_INT_EQ(bt_firmware_find(root, dirs, NULL, NULL, &path, &tried), 0);
        ASSERT_STR_EQ(tried[0], "/lib/firmware/brcm/BCM.hcd");
        strv_free(tried);
        rig_rm_rf(root);
}

int main(void)
{
        TEST_RUN(test_not_found_lists_every_name);
        TEST_RUN(test_board_patch_beats_generic);
        TEST_RUN(test_generic_and_slash);
        return test_exit();
}
