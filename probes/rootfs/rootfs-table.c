/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The partition table through libfdisk: read it, dump it sfdisk-style, resize root, tell the
 * kernel. */
#include <fcntl.h>
#include <linux/blkpg.h>
#include <linux/fs.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <stdio.h>
#include <sys/ioctl.h>

#include <libfdisk/libfdisk.h>

#include "rootfs.h"
#include "util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct fdisk_context *, fdisk_unref_context)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct fdisk_table *, fdisk_unref_table)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct fdisk_partition *, fdisk_unref_partition)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct fdisk_script *, fdisk_unref_script)
/* libfdisk talks through this; a daemon has no one to answer, so questions get their default
 * and messages are dropped (the probe reports what matters itself). */
static int ask_quiet(struct fdisk_context *cxt, struct fdisk_ask *ask, void *data)
{
        switch (fdisk_ask_get_type(ask)) {
        case FDISK_ASKTYPE_YESNO:
                return fdisk_ask_yesno_set_result(ask, 1);
        case FDISK_ASKTYPE_INFO:
        case FDISK_ASKTYPE_WARN:
        case FDISK_ASKTYPE_WARNX:
                return 0;
        default:
                return -EINVAL;
        }
}

static int context_open(int fd, const char *path, bool readonly, struct fdisk_context **ret)
{
        _cleanup_(fdisk_unref_contextp) struct fdisk_context *cxt = fdisk_new_context();
        int r;

        if (!cxt)
                return -ENOMEM;
        r = fdisk_set_ask(cxt, ask_quiet, NULL);
        if (r < 0)
                return r;
        /* libfdisk never closes a descriptor it was given (fdisk_assign_device_by_fd: the caller
         * opens and closes it), so it gets the caller's own, which outlives the context. A
         * duplicate here was never closed, and since it shared the open file description, it
         * kept the caller's flock on the disk for as long as the daemon ran. */
        if (fd >= 0) {
                r = fdisk_assign_device_by_fd(cxt, fd, path, readonly);
                if (r < 0)
                        return r;
        } else {
                r = fdisk_assign_device(cxt, path, readonly);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(cxt);
        return 0;
}

int rootfs_table_read(const char *path, RootfsDisk *d)
{
        _cleanup_(fdisk_unref_contextp) struct fdisk_context *cxt = NULL;
        _cleanup_(fdisk_unref_tablep) struct fdisk_table *tb = NULL;
        struct fdisk_iter *it = NULL;
        struct fdisk_partition *pa;
        struct fdisk_label *lb;
        unsigned long ss;
        size_t n = 0;
        int r;

        r = context_open(-1, path, true, &cxt);
        if (r < 0)
                return r;
        ss = fdisk_get_sector_size(cxt);
        if (ss < 512 || ss > 65536)
                return -EBADMSG;
        d->sector_size = (uint32_t)ss;
        d->disk_sectors = fdisk_get_nsectors(cxt);
        d->n_parts = 0;
        if (!fdisk_has_label(cxt)) {
                d->table = ROOTFS_TABLE_NONE;
                return 0;
        }
        lb = fdisk_get_label(cxt, NULL);
        if (fdisk_is_label(cxt, DOS))
                d->table = ROOTFS_TABLE_DOS;
        else if (fdisk_is_label(cxt, GPT)) {
                d->table = ROOTFS_TABLE_GPT;
                struct fdisk_labelitem *item = fdisk_new_labelitem();
                uint64_t entries = 128;

                if (!item)
                        return -ENOMEM;
                if (fdisk_get_disklabel_item(cxt, GPT_LABELITEM_ENTRIESALLOC, item) == 0)
                        fdisk_labelitem_get_data_u64(item, &entries);
                fdisk_unref_labelitem(item);
                if (entries == 0 || entries > 4096)
                        return -EBADMSG;
                /* Backup entries plus the backup header, kept free at the very end. */
                d->gpt_backup_sectors = (entries * 128 + ss - 1) / ss + 1;
        } else
                d->table = ROOTFS_TABLE_OTHER;
        (void)lb;

        r = fdisk_get_partitions(cxt, &tb);
        if (r < 0)
                return r;
        it = fdisk_new_iter(FDISK_ITER_FORWARD);
        if (!it)
                return -ENOMEM;
        while (fdisk_table_next_partition(tb, it, &pa) == 0) {
                RootfsPart *p;

                if (!fdisk_partition_has_start(pa) || !fdisk_partition_has_size(pa) ||
                    !fdisk_partition_has_partno(pa))
                        continue;
                if (n >= ROOTFS_MAX_PARTS) {
                        fdisk_free_iter(it);
                        return -E2BIG;
                }
                p = &d->parts[n++];
                p->number = (unsigned)fdisk_partition_get_partno(pa) + 1;
                p->start = fdisk_partition_get_start(pa);
                p->size = fdisk_partition_get_size(pa);
                p->container = fdisk_partition_is_container(pa);
        }
        fdisk_free_iter(it);
        d->n_parts = n;
        return 0;
}

int rootfs_table_dump(int fd, const char *path, char **ret_dump)
{
        _cleanup_(fdisk_unref_contextp) struct fdisk_context *cxt = NULL;
        _cleanup_(fdisk_unref_scriptp) struct fdisk_script *sc = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        int r;

        r = context_open(fd, path, true, &cxt);
        if (r < 0)
                return r;
        sc = fdisk_new_script(cxt);
        if (!sc)
                return -ENOMEM;
        r = fdisk_script_read_context(sc, NULL);
        if (r < 0)
                return r;
        {
                _cleanup_fclose_ FILE *f = open_memstream(&buf, &size);
                if (!f)
                        return -ENOMEM;
                r = fdisk_script_write_file(sc, f);
                if (r < 0)
                        return r;
                if (fflush(f) != 0)
                        return -ENOMEM;
        }
        *ret_dump = TAKE_PTR(buf);
        return 0;
}

/* The regions libfdisk may touch when it resizes a partition: the head (MBR, GPT primary
 * header and entries), the tail (GPT backup at the end) and the old backup's place. */
#define ROOTFS_EDGE_BYTES (UINT64_C(1) << 20)

typedef struct Range {
        uint64_t start, end; /* bytes */
} Range;

static int copy_range(int from, int to, uint64_t start, uint64_t end)
{
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n = end - start;
        ssize_t k;

        if (end <= start)
                return 0;
        buf = malloc(n);
        if (!buf)
                return -ENOMEM;
        k = pread(from, buf, n, (off_t)start);
        if (k != (ssize_t)n)
                return k < 0 ? -errno : -EIO;
        k = pwrite(to, buf, n, (off_t)start);
        if (k != (ssize_t)n)
                return k < 0 ? -errno : -EIO;
        return 0;
}

/* The smallest sector-aligned range in [r.start, r.end) where a and b differ; empty if none. */
static int diff_range(int a, int b, Range r, uint32_t ss, Range *ret)
{
        _cleanup_free_ uint8_t *x = NULL, *y = NULL;
        size_t n = r.end - r.start;
        uint64_t first = UINT64_MAX, last = 0;

        *ret = (Range){};
        if (r.end <= r.start)
                return 0;
        x = malloc(n);
        y = malloc(n);
        if (!x || !y)
                return -ENOMEM;
        if (pread(a, x, n, (off_t)r.start) != (ssize_t)n ||
            pread(b, y, n, (off_t)r.start) != (ssize_t)n)
                return -EIO;
        for (size_t off = 0; off < n; off += ss)
                if (memcmp(x + off, y + off, ss) != 0) {
                        if (first == UINT64_MAX)
                                first = off;
                        last = off + ss;
                }
        if (first != UINT64_MAX)
                *ret = (Range){r.start + first, r.start + last};
        return 0;
}

/* One write request, so that the disk holds the old or the new primary table, never a mix of
 * header and entries (the kernel does not fall back to GPT's backup on its own). O_DIRECT keeps
 * the page cache from splitting it; image files on filesystems without it write buffered. */
static int write_whole(const char *path, int fd, int src, Range r)
{
        _cleanup_close_ int dfd = -EBADF;
        _cleanup_free_ void *buf = NULL;
        size_t n = r.end - r.start;
        int w = fd;

        if (n == 0)
                return 0;
        if (posix_memalign(&buf, 4096, n) != 0)
                return -ENOMEM;
        if (pread(src, buf, n, (off_t)r.start) != (ssize_t)n)
                return -EIO;
        dfd = open(path, O_RDWR | O_CLOEXEC | O_DIRECT | O_NOCTTY);
        if (dfd >= 0)
                w = dfd;
        if (pwrite(w, buf, n, (off_t)r.start) != (ssize_t)n)
                return -errno ?: -EIO;
        if (fsync(w) < 0)
                return -errno;
        return 0;
}

static uint32_t device_sector_size(int fd)
{
        struct stat st;
        int ss = 0;

        if (fstat(fd, &st) == 0 && S_ISBLK(st.st_mode) && ioctl(fd, BLKSSZGET, &ss) == 0 &&
            ss >= 512 && ss <= 65536)
                return (uint32_t)ss;
        return 512;
}

int rootfs_table_resize(int fd, const char *path, unsigned number, uint64_t new_sectors)
{
        /* Declared first, so closed last: the context below uses it until it is unreferenced. */
        _cleanup_close_ int mem = -EBADF;
        _cleanup_(fdisk_unref_contextp) struct fdisk_context *cxt = NULL;
        _cleanup_(fdisk_unref_partitionp) struct fdisk_partition *pa = NULL;
        Range head, tail, old_backup = {}, d_head, d_tail, d_old;
        uint64_t size, edge;
        uint32_t ss;
        off_t end;
        int r;

        if (number == 0 || new_sectors == 0)
                return -EINVAL;
        ss = device_sector_size(fd);
        end = lseek(fd, 0, SEEK_END);
        if (end < 0)
                return -errno;
        size = (uint64_t)end;
        if (size < 2 * ROOTFS_EDGE_BYTES || size % ss)
                return -EINVAL;
        edge = ROOTFS_EDGE_BYTES;
        head = (Range){0, edge};
        tail = (Range){size - edge, size};

        /* Where the current GPT backup is: libfdisk may rewrite it, and it must land first. */
        r = context_open(fd, path, true, &cxt);
        if (r < 0)
                return r;
        if (!fdisk_is_label(cxt, DOS) && !fdisk_is_label(cxt, GPT))
                return -EMEDIUMTYPE;
        if (fdisk_is_label(cxt, GPT)) {
                struct fdisk_labelitem *item = fdisk_new_labelitem();
                uint64_t alt = 0;

                if (!item)
                        return -ENOMEM;
                if (fdisk_get_disklabel_item(cxt, GPT_LABELITEM_ALTLBA, item) == 0)
                        fdisk_labelitem_get_data_u64(item, &alt);
                fdisk_unref_labelitem(item);
                if (alt > 0 && alt < size / ss) {
                        uint64_t b = (alt + 1) * ss;
                        old_backup = (Range){b > edge ? b - edge : 0, b};
                        if (old_backup.start < head.end)
                                old_backup.start = head.end;
                        if (old_backup.end > tail.start)
                                old_backup.end = tail.start;
                }
        }
        fdisk_unref_context(TAKE_PTR(cxt));

        /* libfdisk writes into a sparse copy in memory; what changed goes to the disk below,
         * in an order that leaves a valid table at every instant. */
        mem = memfd_create("hwctl-rootfs-table", MFD_CLOEXEC);
        if (mem < 0)
                return -errno;
        if (ftruncate(mem, (off_t)size) < 0)
                return -errno;
        r = copy_range(fd, mem, head.start, head.end);
        if (r >= 0)
                r = copy_range(fd, mem, tail.start, tail.end);
        if (r >= 0)
                r = copy_range(fd, mem, old_backup.start, old_backup.end);
        if (r < 0)
                return r;

        cxt = fdisk_new_context();
        if (!cxt)
                return -ENOMEM;
        r = fdisk_set_ask(cxt, ask_quiet, NULL);
        if (r >= 0)
                r = fdisk_save_user_sector_size(cxt, ss, ss);
        if (r < 0)
                return r;
        r = fdisk_assign_device_by_fd(cxt, mem, path, 0);
        if (r < 0)
                return r;
        pa = fdisk_new_partition();
        if (!pa)
                return -ENOMEM;
        r = fdisk_partition_set_size(pa, new_sectors);
        if (r < 0)
                return r;
        /* Only the size changes: start, type, UUIDs and names stay as they are. GPT's backup
         * header and entries move to the new end of the disk. */
        r = fdisk_set_partition(cxt, number - 1, pa);
        if (r < 0)
                return r;
        r = fdisk_write_disklabel(cxt);
        if (r < 0)
                return r;

        r = diff_range(fd, mem, head, ss, &d_head);
        if (r >= 0)
                r = diff_range(fd, mem, tail, ss, &d_tail);
        if (r >= 0)
                r = diff_range(fd, mem, old_backup, ss, &d_old);
        if (r < 0)
                return r;
        /* First the new backup (the current primary still points at the old one), then the
         * primary in a single request. MBR is the one sector of the head. */
        r = copy_range(mem, fd, d_tail.start, d_tail.end);
        if (r >= 0)
                r = copy_range(mem, fd, d_old.start, d_old.end);
        if (r < 0)
                return r;
        if (fsync(fd) < 0)
                return -errno;
        return write_whole(path, fd, mem, d_head);
}

int rootfs_kernel_resize(int fd, unsigned number, uint64_t start_bytes, uint64_t size_bytes)
{
        struct blkpg_partition part = {
                .start = (long long)start_bytes,
                .length = (long long)size_bytes,
                .pno = (int)number,
        };
        struct blkpg_ioctl_arg arg = {
                .op = BLKPG_RESIZE_PARTITION,
                .datalen = sizeof(part),
                .data = &part,
        };

        if (start_bytes > INT64_MAX || size_bytes > INT64_MAX || number > INT32_MAX)
                return -ERANGE;
        if (ioctl(fd, BLKPG, &arg) < 0)
                return -errno;
        return 0;
}
