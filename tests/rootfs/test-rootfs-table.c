/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libfdisk on image files made by sfdisk: reading MBR and GPT, dumping, resizing, superblocks. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "rootfs.h"
#include "test-util.h"
#include "util.h"

#define MIB (UINT64_C(1) << 20)

static char dir[] = "/tmp/hwctl-rootfs-table.XXXXXX";

static int sh(const char *fmt, ...) _printf_(1, 2);
static int sh(const char *fmt, ...)
{
        _cleanup_free_ char *cmd = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&cmd, fmt, ap) < 0)
                cmd = NULL;
        va_end(ap);
        return cmd ? system(cmd) : -1;
}

/* A 512 MiB card image (firmware at 8 MiB, root at 40 MiB to the end), on a 2 GiB "card". */
static char *make_card(const char *label)
{
        char *img = strdup_printf("%s/%s.img", dir, label);
        const char *fw = streq(label, "gpt") ? "C12A7328-F81F-11D2-BA4B-00A0C93EC93B" : "c";
        const char *root = streq(label, "gpt") ? "0FC63DAF-8483-4772-8E79-3D69D8477DE4" : "83";

        ASSERT_INT_EQ(sh("rm -f %s && truncate -s 512M %s && printf 'label: %s\\n"
                         "start=16384, size=65536, type=%s\\nstart=81920, type=%s\\n' | "
                         "sfdisk -q --no-reread --no-tell-kernel %s >/dev/null && "
                         "truncate -s 2G %s",
                         img, img, label, fw, root, img, img),
                      0);
        return img;
}

static void test_read_mbr(void)
{
        _cleanup_free_ char *img = make_card("dos");
        RootfsDisk d = {};

        ASSERT_INT_EQ(rootfs_table_read(img, &d), 0);
        ASSERT_INT_EQ(d.table, ROOTFS_TABLE_DOS);
        ASSERT_INT_EQ(d.sector_size, 512);
        ASSERT_INT_EQ(d.disk_sectors, 2048 * MIB / 512);
        ASSERT_INT_EQ(d.n_parts, 2);
        ASSERT_INT_EQ(d.parts[0].number, 1);
        ASSERT_INT_EQ(d.parts[0].start, 16384);
        ASSERT_INT_EQ(d.parts[0].size, 65536);
        ASSERT_INT_EQ(d.parts[1].number, 2);
        ASSERT_INT_EQ(d.parts[1].start, 81920);
        ASSERT_INT_EQ(d.parts[1].size, 512 * MIB / 512 - 81920);
}

static void test_read_gpt_on_a_grown_disk(void)
{
        _cleanup_free_ char *img = make_card("gpt");
        RootfsDisk d = {};
        RootfsPlan p;

        ASSERT_INT_EQ(rootfs_table_read(img, &d), 0);
        ASSERT_INT_EQ(d.table, ROOTFS_TABLE_GPT);
        ASSERT_INT_EQ(d.gpt_backup_sectors, 33);
        ASSERT_INT_EQ(d.disk_sectors, 2048 * MIB / 512);
        ASSERT_INT_EQ(d.n_parts, 2);
        /* sfdisk ended root before the 512 MiB image's backup area. */
        ASSERT_TRUE(d.parts[1].start + d.parts[1].size <= 512 * MIB / 512 - 33);
        ASSERT_TRUE(d.parts[1].start + d.parts[1].size > 510 * MIB / 512);

        d.root_number = 2;
        strcpy(d.fstype, "ext4");
        ASSERT_INT_EQ(rootfs_plan(&d, 0, 0, &p), 0);
        ASSERT_INT_EQ(p.refusal, ROOTFS_REFUSE_NONE);
        ASSERT_INT_EQ(p.new_end, 2044 * MIB / 512);
}

/* The write path, minus the kernel: dump, resize, then the table reads back and verifies. */
static void test_resize_image(const char *label)
{
        _cleanup_free_ char *img = make_card(label), *dump = NULL;
        _cleanup_close_ int fd = -EBADF;
        RootfsDisk d = {};
        RootfsPlan p;

        ASSERT_INT_EQ(rootfs_table_read(img, &d), 0);
        d.root_number = 2;
        strcpy(d.fstype, "ext4");
        ASSERT_INT_EQ(rootfs_plan(&d, 0, 0, &p), 0);
        ASSERT_TRUE(p.grow_partition);

        fd = open(img, O_RDWR | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        ASSERT_INT_EQ(rootfs_table_dump(fd, img, &dump), 0);
        ASSERT_STR_CONTAINS(dump, streq(label, "gpt") ? "label: gpt" : "label: dos");
        ASSERT_STR_CONTAINS(dump, "start=       81920");
        ASSERT_INT_EQ(rootfs_table_resize(fd, img, 2, p.new_sectors), 0);

        d = (RootfsDisk){};
        ASSERT_INT_EQ(rootfs_table_read(img, &d), 0);
        ASSERT_INT_EQ(d.n_parts, 2);
        ASSERT_INT_EQ(d.parts[0].start, 16384);
        ASSERT_INT_EQ(d.parts[0].size, 65536);
        ASSERT_INT_EQ(d.parts[1].start, 81920);
        ASSERT_INT_EQ(d.parts[1].size, p.new_sectors);
        /* GPT: the backup header moved to the new end, so sfdisk finds nothing to fix. */
        ASSERT_INT_EQ(sh("sfdisk --verify %s 2>&1 | grep -q 'No errors detected' && "
                         "! sfdisk --verify %s 2>&1 | grep -qi backup",
                         img, img),
                      0);
        /* The saved dump restores the old table with sfdisk. */
        {
                _cleanup_free_ char *path = strdup_printf("%s/%s.dump", dir, label);
                FILE *f = fopen(path, "we");
                ASSERT_NOT_NULL(f);
                if (f) {
                        fputs(dump, f);
                        fclose(f);
                }
                ASSERT_INT_EQ(sh("sfdisk -q --no-reread --no-tell-kernel %s <%s >/dev/null 2>&1",
                                 img, path),
                              0);
        }
        d = (RootfsDisk){};
        ASSERT_INT_EQ(rootfs_table_read(img, &d), 0);
        ASSERT_INT_EQ(d.parts[1].size, p.old_sectors);
}

static void test_resize_mbr(void)
{
        test_resize_image("dos");
}
static void test_resize_gpt(void)
{
        test_resize_image("gpt");
}

static void test_no_table(void)
{
        _cleanup_free_ char *img = strdup_printf("%s/blank.img", dir);
        RootfsDisk d = {};

        ASSERT_INT_EQ(sh("truncate -s 64M %s", img), 0);
        ASSERT_INT_EQ(rootfs_table_read(img, &d), 0);
        ASSERT_INT_EQ(d.table, ROOTFS_TABLE_NONE);
        ASSERT_INT_EQ(d.n_parts, 0);
        ASSERT_TRUE(rootfs_table_read("/nonexistent/disk.img", &d) < 0);
}

static void test_superblocks(void)
{
        _cleanup_free_ char *ext4 = strdup_printf("%s/fs.ext4", dir),
                            *btrfs = strdup_printf("%s/fs.btrfs", dir),
                            *junk = strdup_printf("%s/junk", dir);
        char type[32] = "";
        uint64_t bytes = 0;

        ASSERT_INT_EQ(sh("truncate -s 300M %s && mkfs.ext4 -q -F -T default %s 200M", ext4, ext4),
                      0);
        ASSERT_INT_EQ(rootfs_fs_type(ext4, type, sizeof(type)), 0);
        ASSERT_STR_EQ(type, "ext4");
        ASSERT_INT_EQ(rootfs_fs_size(ext4, "ext4", &bytes), 0);
        ASSERT_INT_EQ(bytes, 200 * MIB); /* the filesystem's size, not the file's */
        if (sh("command -v mkfs.btrfs >/dev/null") == 0) {
                ASSERT_INT_EQ(sh("truncate -s 300M %s && mkfs.btrfs -q -f -b 256M %s >/dev/null",
                                 btrfs, btrfs),
                              0);
                ASSERT_INT_EQ(rootfs_fs_type(btrfs, type, sizeof(type)), 0);
                ASSERT_STR_EQ(type, "btrfs");
                ASSERT_INT_EQ(rootfs_fs_size(btrfs, "btrfs", &bytes), 0);
                ASSERT_INT_EQ(bytes, 256 * MIB);
        }
        ASSERT_INT_EQ(sh("head -c 1M /dev/urandom >%s", junk), 0);
        ASSERT_INT_EQ(rootfs_fs_size(junk, "ext4", &bytes), -EBADMSG);
        ASSERT_INT_EQ(rootfs_fs_size(junk, "btrfs", &bytes), -EBADMSG);
        ASSERT_INT_EQ(rootfs_fs_size(junk, "xfs", &bytes), -EOPNOTSUPP);
}

int main(void)
{
        if (sh("command -v sfdisk >/dev/null && command -v mkfs.ext4 >/dev/null") != 0)
                TEST_SKIP("sfdisk or mkfs.ext4 missing (scripts/packages/rootfs.main)");
        if (!mkdtemp(dir))
                TEST_SKIP("cannot make a temporary directory");
        TEST_RUN(test_read_mbr);
        TEST_RUN(test_read_gpt_on_a_grown_disk);
        TEST_RUN(test_resize_mbr);
        TEST_RUN(test_resize_gpt);
        TEST_RUN(test_no_table);
        TEST_RUN(test_superblocks);
        sh("rm -rf %s", dir);
        return test_exit();
}
