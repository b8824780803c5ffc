/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The filesystem half: what it is (libblkid), how big it thinks it is, and growing it online. */
#include <fcntl.h>
#include <linux/btrfs.h>
#include <stdio.h>
#include <sys/ioctl.h>

#include <blkid/blkid.h>

#include "rootfs.h"
#include "util.h"

#ifndef EXT4_IOC_RESIZE_FS
#define EXT4_IOC_RESIZE_FS _IOW('f', 16, uint64_t)
#endif

static void blkid_free_probep(blkid_probe *p)
{
        if (*p)
                blkid_free_probe(*p);
}

int rootfs_fs_type(const char *node, char *buf, size_t size)
{
        _cleanup_(blkid_free_probep) blkid_probe pr = NULL;
        const char *type = NULL;
        size_t len = 0;
        int r;

        pr = blkid_new_probe_from_filename(node);
        if (!pr)
                return errno > 0 ? -errno : -EIO;
        blkid_probe_enable_superblocks(pr, 1);
        blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
        r = blkid_do_safeprobe(pr);
        if (r < 0)
                return -EIO;
        if (r == 0 && blkid_probe_lookup_value(pr, "TYPE", &type, &len) == 0 && type) {
                if (strlen(type) >= size)
                        return -ENAMETOOLONG;
                strcpy(buf, type);
        } else if (size > 0)
                buf[0] = 0;
        return 0;
}

static uint32_t le32(const uint8_t *p)
{
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const uint8_t *p)
{
        return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

int rootfs_fs_size(const char *node, const char *fstype, uint64_t *ret_bytes)
{
        _cleanup_close_ int fd = -EBADF;
        uint8_t sb[1024];
        uint64_t bytes;
        ssize_t n;

        fd = open(node, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (streq(fstype, "ext4")) {
                uint32_t log_block, features_incompat;
                uint64_t blocks;

                n = pread(fd, sb, sizeof(sb), 1024);
                if (n != (ssize_t)sizeof(sb))
                        return n < 0 ? -errno : -EBADMSG;
                if (sb[0x38] != 0x53 || sb[0x39] != 0xef) /* s_magic */
                        return -EBADMSG;
                log_block = le32(sb + 0x18);
                if (log_block > 6) /* 1 KiB .. 64 KiB blocks */
                        return -EBADMSG;
                blocks = le32(sb + 0x04);
                features_incompat = le32(sb + 0x60);
                if (features_incompat & 0x80) /* INCOMPAT_64BIT: s_blocks_count_hi */
                        blocks |= (uint64_t)le32(sb + 0x150) << 32;
                if (blocks > (UINT64_MAX >> (10 + log_block)))
                        return -EBADMSG;
                bytes = blocks << (10 + log_block);
        } else if (streq(fstype, "btrfs")) {
                n = pread(fd, sb, sizeof(sb), 65536);
                if (n != (ssize_t)sizeof(sb))
                        return n < 0 ? -errno : -EBADMSG;
                if (memcmp(sb + 0x40, "_BHRfS_M", 8) != 0)
                        return -EBADMSG;
                /* dev_item.total_bytes: this device's share, which is what the partition holds. */
                bytes = le64(sb + 0xc9 + 8);
        } else
                return -EOPNOTSUPP;
        *ret_bytes = bytes;
        return 0;
}

static int ext4_block_size(const char *node, uint64_t *ret)
{
        _cleanup_close_ int fd = open(node, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        uint8_t sb[32];

        if (fd < 0)
                return -errno;
        if (pread(fd, sb, sizeof(sb), 1024) != (ssize_t)sizeof(sb))
                return -EBADMSG;
        if (le32(sb + 0x18) > 6)
                return -EBADMSG;
        *ret = UINT64_C(1024) << le32(sb + 0x18);
        return 0;
}

int rootfs_fs_grow(const char *mount_path, const char *node, const char *fstype, uint64_t new_bytes)
{
        _cleanup_close_ int fd = -EBADF;
        int r;

        fd = open(mount_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (streq(fstype, "ext4")) {
                uint64_t bs = 0, blocks;

                r = ext4_block_size(node, &bs);
                if (r < 0)
                        return r;
                blocks = new_bytes / bs;
                if (ioctl(fd, EXT4_IOC_RESIZE_FS, &blocks) < 0)
                        return -errno;
                return 0;
        }
        if (streq(fstype, "btrfs")) {
                struct btrfs_ioctl_vol_args args = {};

                /* Device 1 (the only one on a single-device root) to the end of the partition. */
                strcpy(args.name, "max");
                if (ioctl(fd, BTRFS_IOC_RESIZE, &args) < 0)
                        return -errno;
                return 0;
        }
        return -EOPNOTSUPP;
}
