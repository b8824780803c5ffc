/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Finding root's partition from mountinfo and sysfs fixtures: by numbers and links, not names. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "rootfs.h"
#include "test-util.h"
#include "util.h"

static char dir[] = "/tmp/hwctl-rootfs-locate.XXXXXX";

static void put(const char *rel, const char *content)
{
        _cleanup_free_ char *p = strdup_printf("%s/%s", dir, rel);
        FILE *f;

        ASSERT_INT_EQ(mkdir_parents(p, 0755), 0);
        f = fopen(p, "we");
        ASSERT_NOT_NULL(f);
        if (f) {
                fputs(content, f);
                fclose(f);
        }
}

static void link_to(const char *rel, const char *target)
{
        _cleanup_free_ char *p = strdup_printf("%s/%s", dir, rel);

        ASSERT_INT_EQ(mkdir_parents(p, 0755), 0);
        unlink(p);
        ASSERT_INT_EQ(symlink(target, p), 0);
}

/* A disk as sysfs shows it: <devdir>/<disk>/<part> with the attribute files the kernel has. */
static void sys_disk(const char *devdir, const char *disk, const char *part, const char *majmin,
                     unsigned number, const char *ro)
{
        _cleanup_free_ char *d = strdup_printf("sys/devices/%s/%s", devdir, disk);
        _cleanup_free_ char *pd = strdup_printf("%s/%s", d, part);
        _cleanup_free_ char *target = NULL, *link = NULL, *num = strdup_printf("%u\n", number);
        _cleanup_free_ char *f1 = strdup_printf("%s/size", d), *f2 = strdup_printf("%s/ro", d),
                            *f3 = strdup_printf("%s/queue/logical_block_size", d),
                            *f4 = strdup_printf("%s/partition", pd),
                            *f5 = strdup_printf("%s/start", pd), *f6 = strdup_printf("%s/size", pd),
                            *f7 = strdup_printf("%s/ro", pd);

        put(f1, "4194304\n"); /* 2 GiB */
        put(f2, ro);
        put(f3, "512\n");
        put(f4, num);
        put(f5, "81920\n");
        put(f6, "964608\n");
        put(f7, "0\n");
        target = strdup_printf("../../devices/%s/%s/%s", devdir, disk, part);
        link = strdup_printf("sys/dev/block/%s", majmin);
        link_to(link, target);
}

static int locate(const char *mount, RootfsLocation *l, RootfsDisk *d)
{
        _cleanup_free_ char *proc = strdup_printf("%s/proc", dir),
                            *sys = strdup_printf("%s/sys", dir),
                            *dev = strdup_printf("%s/dev", dir);
        RootfsPaths p = {proc, sys, dev};

        *d = (RootfsDisk){};
        return rootfs_locate(&p, mount, l, d);
}

static void test_finds_partition_whatever_its_name(void)
{
        static const char *const names[][3] = {
                {"platform/fe340000.mmc/mmc_host/mmc0/mmc0:aaaa/block", "mmcblk0", "mmcblk0p2"},
                {"pci0000:00/0000:00:01.0/nvme/nvme0", "nvme0n1", "nvme0n1p2"},
                {"pci0000:00/0000:00:02.0/virtio1/block", "vda", "vda2"},
                {"platform/usb/host0/target0:0:0/0:0:0:0/block", "sda", "sda2"},
        };

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                _cleanup_(rootfs_location_done) RootfsLocation l = {};
                _cleanup_free_ char *mi =
                        strdup_printf("21 1 0:21 / /proc rw - proc proc rw\n"
                                      "22 1 %zu:2 / / rw,relatime shared:1 - ext4 /dev/root rw\n"
                                      "23 22 %zu:2 / /mnt/my\\040root rw - ext4 /dev/%s rw\n",
                                      i + 8, i + 8, names[i][2]);
                _cleanup_free_ char *majmin = strdup_printf("%zu:2", i + 8);
                RootfsDisk d;

                put("proc/self/mountinfo", mi);
                sys_disk(names[i][0], names[i][1], names[i][2], majmin, 2, "0\n");
                ASSERT_INT_EQ(locate("/mnt/my root", &l, &d), 0);
                ASSERT_STR_EQ(l.part_name, names[i][2]);
                ASSERT_STR_EQ(l.disk_name, names[i][1]);
                ASSERT_INT_EQ(l.major, i + 8);
                ASSERT_INT_EQ(l.minor, 2);
                ASSERT_INT_EQ(d.root_number, 2);
                ASSERT_INT_EQ(d.sector_size, 512);
                ASSERT_INT_EQ(d.disk_sectors, 4194304);
                ASSERT_INT_EQ(l.part_start_512, 81920);
                ASSERT_FALSE(d.read_only);
                ASSERT_FALSE(d.device_mapper);
        }
}

static void test_siblings_are_the_kernels_partitions(void)
{
        _cleanup_(rootfs_location_done) RootfsLocation l = {};
        RootfsDisk d;

        put("proc/self/mountinfo", "22 1 259:2 / / rw - ext4 /dev/nvme1n1p2 rw\n");
        sys_disk("pci/nvme1", "nvme1n1", "nvme1n1p2", "259:2", 2, "0\n");
        put("sys/devices/pci/nvme1/nvme1n1/nvme1n1p1/partition", "1\n");
        put("sys/devices/pci/nvme1/nvme1n1/nvme1n1p1/start", "16384\n");
        put("sys/devices/pci/nvme1/nvme1n1/nvme1n1p1/size", "65536\n");
        put("sys/devices/pci/nvme1/nvme1n1/queue/rotational", "0\n"); /* not a partition */
        ASSERT_INT_EQ(locate("/", &l, &d), 0);
        ASSERT_INT_EQ(rootfs_locate_siblings(&l, &d), 0);
        ASSERT_INT_EQ(d.n_parts, 2);
        for (size_t i = 0; i < d.n_parts; i++) {
                const RootfsPart *p = &d.parts[i];
                ASSERT_TRUE((p->number == 1 && p->start == 16384 && p->size == 65536) ||
                            (p->number == 2 && p->start == 81920 && p->size == 964608));
        }
        put("sys/devices/pci/nvme1/nvme1n1/nvme1n1p1/size", "-1\n");
        ASSERT_INT_EQ(rootfs_locate_siblings(&l, &d), -EBADMSG);
}

static void test_read_only_dm_and_whole_disk(void)
{
        _cleanup_(rootfs_location_done) RootfsLocation a = {}, b = {}, c = {};
        RootfsDisk d;

        put("proc/self/mountinfo", "22 1 179:2 / / rw - ext4 /dev/mmcblk0p2 rw\n"
                                   "24 22 253:0 / /lvm rw - ext4 /dev/mapper/vg-root rw\n"
                                   "25 22 7:0 / /loop rw - ext4 /dev/loop0 rw\n");
        sys_disk("platform/mmc", "mmcblk0", "mmcblk0p2", "179:2", 2, "1\n");
        ASSERT_INT_EQ(locate("/", &a, &d), 0);
        ASSERT_TRUE(d.read_only);

        put("sys/devices/virtual/block/dm-0/dm/name", "vg-root\n");
        put("sys/devices/virtual/block/dm-0/size", "4194304\n");
        link_to("sys/dev/block/253:0", "../../devices/virtual/block/dm-0");
        ASSERT_INT_EQ(locate("/lvm", &b, &d), 0);
        ASSERT_TRUE(d.device_mapper);
        ASSERT_INT_EQ(d.root_number, 0);

        put("sys/devices/virtual/block/loop0/size", "4194304\n");
        link_to("sys/dev/block/7:0", "../../devices/virtual/block/loop0");
        ASSERT_INT_EQ(locate("/loop", &c, &d), 0);
        ASSERT_INT_EQ(d.root_number, 0);
        ASSERT_FALSE(d.device_mapper);
}

static void test_holders_mean_device_mapper(void)
{
        _cleanup_(rootfs_location_done) RootfsLocation l = {};
        RootfsDisk d;

        put("proc/self/mountinfo", "22 1 8:2 / / rw - ext4 /dev/sda2 rw\n");
        sys_disk("usb", "sda", "sda2", "8:2", 2, "0\n");
        put("sys/devices/usb/sda/sda2/holders/dm-1", "");
        ASSERT_INT_EQ(locate("/", &l, &d), 0);
        ASSERT_TRUE(d.device_mapper);
}

static void test_missing_and_malformed(void)
{
        _cleanup_(rootfs_location_done) RootfsLocation l = {};
        RootfsDisk d;

        put("proc/self/mountinfo", "22 1 8:3 / / rw - ext4 /dev/sda3 rw\n"
                                   "garbage without separator\n"
                                   "23 1 x:y / /bad rw - ext4 /dev/sdz rw\n");
        ASSERT_INT_EQ(locate("/elsewhere", &l, &d), -ENXIO);
        ASSERT_INT_EQ(locate("/bad", &l, &d), -ENXIO);
        ASSERT_TRUE(locate("/", &l, &d) < 0); /* no sysfs entry for 8:3 */
        sys_disk("usb", "sdb", "sdb3", "8:3", 3, "0\n");
        put("sys/devices/usb/sdb/sdb3/partition", "99999999999999999999\n");
        ASSERT_INT_EQ(locate("/", &l, &d), -EBADMSG);
        put("sys/devices/usb/sdb/sdb3/partition", "3\n");
        put("sys/devices/usb/sdb/queue/logical_block_size", "1000\n");
        ASSERT_INT_EQ(locate("/", &l, &d), -EBADMSG);
        ASSERT_NULL(l.part_name); /* ret_* untouched on failure */
        put("proc/self/mountinfo", "");
        ASSERT_INT_EQ(locate("/", &l, &d), -ENXIO);
        {
                _cleanup_free_ char *p = strdup_printf("%s/proc/self/mountinfo", dir);
                unlink(p);
        }
        ASSERT_INT_EQ(locate("/", &l, &d), -ENOENT);
}

int main(void)
{
        if (!mkdtemp(dir))
                TEST_SKIP("cannot make a temporary directory");
        TEST_RUN(test_finds_partition_whatever_its_name);
        TEST_RUN(test_siblings_are_the_kernels_partitions);
        TEST_RUN(test_read_only_dm_and_whole_disk);
        TEST_RUN(test_holders_mean_device_mapper);
        TEST_RUN(test_missing_and_malformed);
        {
                _cleanup_free_ char *cmd = strdup_printf("rm -rf %s", dir);
                if (cmd && system(cmd) != 0)
                        fprintf(stderr, "cannot remove %s\n", dir);
        }
        return test_exit();
}
