/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rootfs probe's plain description of a disk, its pure planner, and the steps it composes. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#define ROOTFS_MAX_PARTS      128
#define ROOTFS_ALIGN_BYTES    (UINT64_C(4) << 20)
#define ROOTFS_MIN_GAIN_BYTES (UINT64_C(16) << 20)

typedef enum RootfsTable {
        ROOTFS_TABLE_NONE,
        ROOTFS_TABLE_DOS,
        ROOTFS_TABLE_GPT,
        ROOTFS_TABLE_OTHER,
        _ROOTFS_TABLE_MAX,
} RootfsTable;

typedef struct RootfsPart {
        unsigned number; /* 1-based, as the kernel numbers partitions */
        uint64_t start;  /* sectors */
        uint64_t size;   /* sectors */
        bool container;  /* a DOS extended partition */
} RootfsPart;

/* Everything the planner needs, gathered from the kernel and the table (or written by a test). */
typedef struct RootfsDisk {
        uint32_t sector_size;  /* logical, bytes */
        uint64_t disk_sectors; /* the whole medium */
        RootfsTable table;
        uint64_t gpt_backup_sectors; /* backup entries + header, kept free at the end (GPT) */
        RootfsPart parts[ROOTFS_MAX_PARTS];
        size_t n_parts;
        unsigned root_number; /* partition holding the root filesystem; 0 = whole disk */
        bool read_only;
        bool device_mapper; /* root is on dm (LVM, LUKS) or the partition has holders */
        char fstype[32];    /* from libblkid: "ext4", "btrfs", ... */
        uint64_t fs_bytes;  /* the filesystem's own idea of its size; 0 = unknown */
} RootfsDisk;

typedef enum RootfsRefusal {
        ROOTFS_REFUSE_NONE,
        ROOTFS_REFUSE_NOT_PARTITION,
        ROOTFS_REFUSE_DEVICE_MAPPER,
        ROOTFS_REFUSE_READ_ONLY,
        ROOTFS_REFUSE_FILESYSTEM,
        ROOTFS_REFUSE_TABLE,
        ROOTFS_REFUSE_INCONSISTENT,
        ROOTFS_REFUSE_NOT_LAST,
        ROOTFS_REFUSE_LOCKED,
        _ROOTFS_REFUSE_MAX,
} RootfsRefusal;

typedef struct RootfsPlan {
        RootfsRefusal refusal;
        bool grow_partition;
        bool grow_filesystem;
        size_t root_index;                 /* into RootfsDisk.parts */
        uint64_t old_sectors, new_sectors; /* root partition size */
        uint64_t new_end;                  /* first sector after the grown partition */
        char reason[160];                  /* why refused, for a person */
} RootfsPlan;

/* Pure: what to do with this disk, given Reserve= (bytes, percent of the disk; both add up). */
int rootfs_plan(const RootfsDisk *d, uint64_t reserve_bytes, unsigned reserve_percent,
                RootfsPlan *ret);
const char *rootfs_refusal_to_string(RootfsRefusal r);
/* What a person can do about a refusal. */
const char *rootfs_refusal_remedy(RootfsRefusal r);
const char *rootfs_table_to_string(RootfsTable t);

/* Where root lives, found through mountinfo and sysfs (rootfs-locate.c). */
typedef struct RootfsLocation {
        char *mount;                 /* the mount point as configured */
        char *mount_path;            /* the same under the sysroot */
        char *part_node;             /* <dev>/vda2 */
        char *disk_node;             /* <dev>/vda */
        char *part_name, *disk_name; /* vda2, vda */
        char *part_sys;              /* <sys>/dev/block/MAJ:MIN */
        char *disk_sys;              /* the whole disk's sysfs directory */
        unsigned major, minor;
        uint64_t part_start_512, part_size_512; /* as sysfs says, 512-byte units */
} RootfsLocation;

typedef struct RootfsPaths {
        const char *proc, *sys, *dev;
} RootfsPaths;

void rootfs_location_done(RootfsLocation *l);
/* Fills l and the kernel's half of d (sector size, disk size, read-only, dm, root number); the
 * filesystem is left to the caller, as libblkid is not needed when there is nothing to do. */
int rootfs_locate(const RootfsPaths *p, const char *mount, RootfsLocation *l, RootfsDisk *d);

/* The kernel's view of every partition on root's disk, from sysfs, into d->parts. */
int rootfs_locate_siblings(const RootfsLocation *l, RootfsDisk *d);

/* The table's half of d, read with libfdisk from a disk device or an image file. */
int rootfs_table_read(const char *path, RootfsDisk *d);
/* Rewrites the root partition's size with libfdisk, holding fd (the whole disk, locked).
 * *ret_dump gets the old table as an sfdisk script, written before anything changes. */
int rootfs_table_dump(int fd, const char *path, char **ret_dump);
int rootfs_table_resize(int fd, const char *path, unsigned number, uint64_t new_sectors);
/* Tells the kernel the partition's new extent without re-reading the whole table. */
int rootfs_kernel_resize(int fd, unsigned number, uint64_t start_bytes, uint64_t size_bytes);

/* The filesystem's size from its own superblock, read from the partition (rootfs-grow.c). */
int rootfs_fs_size(const char *node, const char *fstype, uint64_t *ret_bytes);
/* Grows the mounted filesystem at mount_path to fill new_bytes, online. */
int rootfs_fs_grow(const char *mount_path, const char *node, const char *fstype,
                   uint64_t new_bytes);
/* libblkid's TYPE for a device or image. */
int rootfs_fs_type(const char *node, char *buf, size_t size);
