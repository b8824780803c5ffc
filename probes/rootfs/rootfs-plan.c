/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pure planner: from a plain description of the disk to grow, nothing, or a refusal. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rootfs.h"
#include "util.h"

static const char *const refusal_names[_ROOTFS_REFUSE_MAX] = {
        [ROOTFS_REFUSE_NONE] = "none",
        [ROOTFS_REFUSE_NOT_PARTITION] = "not-partition",
        [ROOTFS_REFUSE_DEVICE_MAPPER] = "device-mapper",
        [ROOTFS_REFUSE_READ_ONLY] = "read-only",
        [ROOTFS_REFUSE_FILESYSTEM] = "filesystem",
        [ROOTFS_REFUSE_TABLE] = "table-type",
        [ROOTFS_REFUSE_INCONSISTENT] = "inconsistent-table",
        [ROOTFS_REFUSE_NOT_LAST] = "not-last",
        [ROOTFS_REFUSE_LOCKED] = "locked",
};

static const char *const refusal_remedies[_ROOTFS_REFUSE_MAX] = {
        [ROOTFS_REFUSE_NOT_PARTITION] = "nothing to grow: the root filesystem is not on a "
                                        "partition table",
        [ROOTFS_REFUSE_DEVICE_MAPPER] = "grow the physical volume and the logical volume (or "
                                        "LUKS mapping) by hand, then the filesystem",
        [ROOTFS_REFUSE_READ_ONLY] = "make the medium writable (SD card lock switch, "
                                    "write-protect), then reboot or run hwctl rerun rootfs",
        [ROOTFS_REFUSE_FILESYSTEM] = "only ext4 and btrfs grow online; grow this filesystem "
                                     "with its own tool",
        [ROOTFS_REFUSE_TABLE] = "only MBR (dos) and GPT partition tables are supported",
        [ROOTFS_REFUSE_INCONSISTENT] = "the partition table does not fit the disk: check it "
                                       "with sfdisk --verify and repair the image",
        [ROOTFS_REFUSE_NOT_LAST] = "move or delete the partitions after the root partition, "
                                   "or set [RootFS] Enable=no",
        [ROOTFS_REFUSE_LOCKED] = "another program holds the disk's lock (a partitioning "
                                 "tool?); run hwctl rerun rootfs when it is done",
};

const char *rootfs_refusal_to_string(RootfsRefusal r)
{
        return r >= 0 && r < _ROOTFS_REFUSE_MAX ? refusal_names[r] : NULL;
}

const char *rootfs_refusal_remedy(RootfsRefusal r)
{
        return r > 0 && r < _ROOTFS_REFUSE_MAX ? refusal_remedies[r] : NULL;
}

const char *rootfs_table_to_string(RootfsTable t)
{
        static const char *const names[_ROOTFS_TABLE_MAX] = {
                [ROOTFS_TABLE_NONE] = "none",
                [ROOTFS_TABLE_DOS] = "dos",
                [ROOTFS_TABLE_GPT] = "gpt",
                [ROOTFS_TABLE_OTHER] = "other",
        };
        return t < _ROOTFS_TABLE_MAX ? names[t] : NULL;
}

static int refuse(RootfsPlan *p, RootfsRefusal why, const char *fmt, ...) _printf_(3, 4);
static int refuse(RootfsPlan *p, RootfsRefusal why, const char *fmt, ...)
{
        va_list ap;

        p->refusal = why;
        va_start(ap, fmt);
        vsnprintf(p->reason, sizeof(p->reason), fmt, ap);
        va_end(ap);
        return 0;
}

static bool part_end(const RootfsPart *p, uint64_t *ret)
{
        if (p->size > UINT64_MAX - p->start)
                return false;
        *ret = p->start + p->size;
        return true;
}

/* Past the end, overlapping, or absurd: every value here came from a disk. */
static bool table_consistent(const RootfsDisk *d, uint64_t usable_end, char *why, size_t n)
{
        for (size_t i = 0; i < d->n_parts; i++) {
                const RootfsPart *a = &d->parts[i];
                uint64_t ea;

                if (a->size == 0 || !part_end(a, &ea) || a->start == 0) {
                        snprintf(why, n, "partition %u has an invalid extent", a->number);
                        return false;
                }
                if (ea > (a->container ? d->disk_sectors : usable_end)) {
                        snprintf(why, n, "partition %u ends past the end of the disk", a->number);
                        return false;
                }
                for (size_t j = i + 1; j < d->n_parts; j++) {
                        const RootfsPart *b = &d->parts[j];
                        uint64_t eb;

                        if (a->container || b->container || !part_end(b, &eb))
                                continue;
                        if (a->start < eb && b->start < ea) {
                                snprintf(why, n, "partitions %u and %u overlap", a->number,
                                         b->number);
                                return false;
                        }
                }
        }
        return true;
}

int rootfs_plan(const RootfsDisk *d, uint64_t reserve_bytes, unsigned reserve_percent,
                RootfsPlan *ret)
{
        RootfsPlan p = {};
        const RootfsPart *root = NULL;
        uint64_t ss = 0, usable_end, reserve, percent_bytes, end_bytes, new_end, root_end, align;

        if (!d || !ret || reserve_percent > 100 || d->n_parts > ROOTFS_MAX_PARTS)
                return -EINVAL;
        /* Nothing below matters for a root that is not on a partition of a plain disk. */
        if (d->device_mapper || d->root_number == 0 || d->table == ROOTFS_TABLE_NONE)
                goto refusals;
        ss = d->sector_size;
        if (ss < 512 || ss > 65536 || (ss & (ss - 1)) || d->disk_sectors == 0 ||
            d->disk_sectors > UINT64_MAX / ss)
                return -EINVAL;

refusals:
        if (d->device_mapper)
                refuse(&p, ROOTFS_REFUSE_DEVICE_MAPPER, "root is on device-mapper (LVM/LUKS)");
        else if (d->root_number == 0 || d->table == ROOTFS_TABLE_NONE)
                refuse(&p, ROOTFS_REFUSE_NOT_PARTITION, "root is not on a partition");
        else if (d->table != ROOTFS_TABLE_DOS && d->table != ROOTFS_TABLE_GPT)
                refuse(&p, ROOTFS_REFUSE_TABLE, "the partition table is neither MBR nor GPT");
        else if (d->read_only)
                refuse(&p, ROOTFS_REFUSE_READ_ONLY, "the disk is read-only");
        else if (!streq(d->fstype, "ext4") && !streq(d->fstype, "btrfs"))
                refuse(&p, ROOTFS_REFUSE_FILESYSTEM, "the root filesystem is %s, not ext4 or btrfs",
                       d->fstype[0] ? d->fstype : "unknown");
        if (p.refusal != ROOTFS_REFUSE_NONE)
                goto done;

        usable_end = d->disk_sectors;
        if (d->table == ROOTFS_TABLE_GPT) {
                if (d->gpt_backup_sectors == 0 || d->gpt_backup_sectors >= usable_end) {
                        refuse(&p, ROOTFS_REFUSE_INCONSISTENT,
                               "the GPT backup area does not fit the disk");
                        goto done;
                }
                usable_end -= d->gpt_backup_sectors;
        }
        if (!table_consistent(d, usable_end, p.reason, sizeof(p.reason))) {
                p.refusal = ROOTFS_REFUSE_INCONSISTENT;
                goto done;
        }
        for (size_t i = 0; i < d->n_parts; i++)
                if (d->parts[i].number == d->root_number) {
                        root = &d->parts[i];
                        p.root_index = i;
                }
        if (!root) {
                refuse(&p, ROOTFS_REFUSE_INCONSISTENT, "partition %u is not in the table",
                       d->root_number);
                goto done;
        }
        root_end = root->start + root->size;
        if (root->container || (d->table == ROOTFS_TABLE_DOS && root->number > 4)) {
                refuse(&p, ROOTFS_REFUSE_NOT_LAST, "root is a logical partition");
                goto done;
        }
        for (size_t i = 0; i < d->n_parts; i++)
                if (&d->parts[i] != root && d->parts[i].start + d->parts[i].size > root_end) {
                        refuse(&p, ROOTFS_REFUSE_NOT_LAST,
                               "root (partition %u) is not the last partition: %u follows it",
                               root->number, d->parts[i].number);
                        goto done;
                }

        /* New end: the usable end, less the reserve, aligned down to 4 MiB. */
        end_bytes = usable_end * ss;
        /* Saturating: both parts of the reserve together must never wrap to a small one. */
        percent_bytes = end_bytes / 100 * reserve_percent + end_bytes % 100 * reserve_percent / 100;
        reserve = reserve_bytes > UINT64_MAX - percent_bytes ? UINT64_MAX
                                                             : reserve_bytes + percent_bytes;
        end_bytes = reserve >= end_bytes ? 0 : end_bytes - reserve;
        align = ROOTFS_ALIGN_BYTES;
        new_end = (end_bytes / align * align) / ss;

        p.old_sectors = p.new_sectors = root->size;
        p.new_end = root_end;
        if (new_end > root_end && (new_end - root_end) * ss >= ROOTFS_MIN_GAIN_BYTES) {
                p.grow_partition = true;
                p.new_end = new_end;
                p.new_sectors = new_end - root->start;
        }
        /* A cut between the table write and the end of the grow leaves the filesystem
         * smaller than its partition: the next boot finishes the job. */
        if (p.grow_partition || (d->fs_bytes > 0 && d->fs_bytes / ss < root->size &&
                                 (root->size - d->fs_bytes / ss) * ss >= ROOTFS_MIN_GAIN_BYTES))
                p.grow_filesystem = true;
done:
        *ret = p;
        return 0;
}
