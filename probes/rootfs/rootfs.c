/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rootfs probe: grows the root partition and its filesystem to fill the medium, online. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "details.h"
#include "probe.h"
#include "rootfs.h"
#include "rootfs-settings.h"

extern const ProbeOps probe_rootfs;

#define ROOTFS_GROW_TIMEOUT_USEC (30 * 60 * USEC_PER_SEC)
/* An exclusive lock is a partitioning tool at work: waited on for 2 s. A shared one is udev
 * probing the disk, which on a first boot (every partition, blkid on each) can take seconds
 * under load: waited on for 30 s. */
#define ROOTFS_LOCK_TRIES      40
#define ROOTFS_UDEV_LOCK_TRIES 600
#define ROOTFS_LOCK_WAIT_USEC  (50 * USEC_PER_MSEC)
#define PROC_LOCKS_SIZE_MAX    ((size_t)4 * 1024 * 1024)

typedef struct Job {
        const char *sysroot; /* the runner's, alive as long as the daemon */
        RootfsLocation loc;
        RootfsDisk disk;
        RootfsPlan plan;
        char *dump_path; /* where the old table goes before anything is written */
        char *dump;
        const char *failed_step;
        bool uevent_tried; /* "change" written to the partition's uevent, for udev */
        int uevent_error;  /* and how that went */
        bool locked;       /* another process held the disk's lock */
        uint64_t fs_bytes_after;
        uint64_t duration;
        bool quick; /* settled from sysfs and the superblock alone */
        /* On the event loop while the worker resizes: how far the filesystem has grown. */
        ProbeContext *ctx;
        sd_event_source *progress;
        uint64_t deadline_usec; /* CLOCK_MONOTONIC */
        unsigned last_percent;
} Job;

static Job *job_free(Job *j)
{
        if (!j)
                return NULL;
        sd_event_source_disable_unref(j->progress);
        rootfs_location_done(&j->loc);
        free(j->dump_path);
        free(j->dump);
        free(j);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Job *, job_free)

/* The defaults stand in for a config made without [RootFS] (a test's own table). */
static const RootfsSettings *rootfs_settings_of(const Config *c)
{
        static const RootfsSettings defaults = {.mount = (char *)"/"};
        const RootfsSettings *s = probe_settings(&probe_rootfs, c);
        return s ? s : &defaults;
}

static const char *rootfs_mount_of(const Config *c)
{
        const RootfsSettings *s = rootfs_settings_of(c);
        return !isempty(s->mount) ? s->mount : "/";
}

/* Every boot after the first lands here: sysfs alone shows root already reaching the end of
 * the disk (less the reserve), and the superblock agrees, so neither libblkid nor libfdisk is
 * needed. Anything else goes the full way. */
static bool rootfs_quick_check(const Config *c, Job *j)
{
        RootfsDisk q = j->disk;
        uint64_t per = q.sector_size / 512;
        RootfsPlan p;

        if (per == 0 || j->loc.part_start_512 % per || j->loc.part_size_512 % per)
                return false;
        /* The kernel's partitions are the table's, except that it clips one that runs past
         * the end: a partition ending exactly at the end of the disk may be clipped, so only
         * libfdisk can tell. */
        if (q.root_number > 4 || rootfs_locate_siblings(&j->loc, &q) < 0)
                return false;
        for (size_t i = 0; i < q.n_parts; i++)
                if (q.parts[i].number > 4 || q.parts[i].start + q.parts[i].size >= q.disk_sectors)
                        return false;
        q.table = ROOTFS_TABLE_DOS;
        strcpy(q.fstype, "ext4");
        if (rootfs_fs_size(j->loc.part_node, "ext4", &q.fs_bytes) < 0 &&
            rootfs_fs_size(j->loc.part_node, "btrfs", &q.fs_bytes) < 0)
                return false;
        if (rootfs_plan(&q, rootfs_settings_of(c)->reserve_bytes,
                        rootfs_settings_of(c)->reserve_percent, &p) < 0 ||
            p.refusal != ROOTFS_REFUSE_NONE || p.grow_partition || p.grow_filesystem)
                return false;
        j->disk.fs_bytes = q.fs_bytes;
        j->plan = p;
        j->quick = true;
        return true;
}

/* The kernel's view, then the table's, then the plan. Fails only on errors, not refusals. */
static int rootfs_inspect(const RootfsPaths *p, const Config *c, Job *j)
{
        const char *mount = rootfs_mount_of(c);
        int r;

        r = rootfs_locate(p, mount, &j->loc, &j->disk);
        if (r < 0)
                return r;
        if (j->disk.root_number > 0 && !j->disk.device_mapper && rootfs_quick_check(c, j))
                return 0;
        (void)rootfs_fs_type(j->loc.part_node, j->disk.fstype, sizeof(j->disk.fstype));
        if (j->disk.fstype[0])
                (void)rootfs_fs_size(j->loc.part_node, j->disk.fstype, &j->disk.fs_bytes);
        if (j->disk.root_number > 0 && !j->disk.device_mapper) {
                bool ro = j->disk.read_only;
                uint32_t ss = j->disk.sector_size;

                r = rootfs_table_read(j->loc.disk_node, &j->disk);
                if (r < 0)
                        return r;
                j->disk.read_only = ro;
                if (j->disk.sector_size != ss)
                        return -EBADMSG;
        }
        r = rootfs_plan(&j->disk, rootfs_settings_of(c)->reserve_bytes,
                        rootfs_settings_of(c)->reserve_percent, &j->plan);
        if (r < 0)
                return r;
        /* The kernel and the table must agree on where root starts, or we would be growing
         * something other than what is mounted. */
        if (j->plan.refusal == ROOTFS_REFUSE_NONE &&
            j->disk.parts[j->plan.root_index].start * (j->disk.sector_size / 512) !=
                    j->loc.part_start_512) {
                j->plan.refusal = ROOTFS_REFUSE_INCONSISTENT;
                snprintf(j->plan.reason, sizeof(j->plan.reason),
                         "the kernel and the partition table disagree on where %s starts",
                         j->loc.part_name);
        }
        return 0;
}

static void describe(const Job *j, json_object *o)
{
        const RootfsDisk *d = &j->disk;

        details_add_str(o, "mount", j->loc.mount);
        details_add_str(o, "device", j->loc.part_node);
        details_add_str(o, "disk", j->loc.disk_node);
        details_add_u64(o, "partition", d->root_number);
        details_add_str(o, "table", rootfs_table_to_string(d->table));
        details_add_u64(o, "sector_size", d->sector_size);
        details_add_u64(o, "disk_sectors", d->disk_sectors);
        details_add_str(o, "filesystem", d->fstype[0] ? d->fstype : NULL);
        if (d->fs_bytes)
                details_add_u64(o, "old_fs_bytes", d->fs_bytes);
        if (j->plan.refusal != ROOTFS_REFUSE_NONE) {
                details_add_str(o, "refused", rootfs_refusal_to_string(j->plan.refusal));
                details_add_str(o, "reason", j->plan.reason);
                return;
        }
        details_add_u64(o, "old_sectors", j->plan.old_sectors);
        details_add_u64(o, "new_sectors", j->plan.new_sectors);
        details_add_u64(o, "new_end_sector", j->plan.new_end);
}

/* Whether an exclusive lock is held on fd's inode, as /proc/locks lists them ("1: FLOCK
 * ADVISORY WRITE 301 00:05:17 0 EOF"; waiters are marked "->"). No lock listed is not one: the
 * holder let go between our try and this read. */
static bool exclusive_lock_held(int fd)
{
        _cleanup_free_ char *text = NULL, *key = NULL;
        struct stat st;
        size_t size;

        if (fstat(fd, &st) < 0 ||
            read_full_file("/proc/locks", PROC_LOCKS_SIZE_MAX, &text, &size) < 0)
                return true; /* cannot tell: the short wait */
        key = strdup_printf(" %02x:%02x:%llu ", major(st.st_dev), minor(st.st_dev),
                            (unsigned long long)st.st_ino);
        if (!key)
                return true;
        for (char *line = text, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                if (strstr(line, key) && !strstr(line, "->") && !strstr(line, " READ "))
                        return true;
        }
        return false;
}

/* On the worker thread: lock, save the old table, write, tell the kernel, grow. */
static int rootfs_grow_work(void *userdata)
{
        Job *j = userdata;
        const RootfsPart *root = &j->disk.parts[j->plan.root_index];
        uint64_t ss = j->disk.sector_size, t0 = now_usec(CLOCK_MONOTONIC), size;
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (j->plan.grow_partition) {
                RootfsDisk again = j->disk;
                RootfsPlan p2;

                j->failed_step = "open the disk";
                fd = open(j->loc.disk_node, O_RDWR | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        return -errno;
                /* udev and partitioning tools take this lock; holding it keeps udev from
                 * probing a half-written table, and tells us when someone else is at work. */
                for (unsigned i = 0;; i++) {
                        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
                                break;
                        if (errno != EWOULDBLOCK)
                                return -errno;
                        /* udev holds a shared lock while it probes the disk: wait that out,
                         * but not long for a partitioning tool at work. */
                        if (i >= (exclusive_lock_held(fd) ? ROOTFS_LOCK_TRIES
                                                          : ROOTFS_UDEV_LOCK_TRIES)) {
                                j->locked = true;
                                return 0;
                        }
                        (void)usleep(ROOTFS_LOCK_WAIT_USEC);
                }
                /* Re-read under the lock: the table must still be what we planned for. */
                j->failed_step = "re-read the table under the lock";
                r = rootfs_table_read(j->loc.disk_node, &again);
                if (r < 0)
                        return r;
                r = rootfs_plan(&again, 0, 0, &p2);
                if (r < 0 || p2.refusal != ROOTFS_REFUSE_NONE ||
                    again.parts[p2.root_index].start != root->start ||
                    again.parts[p2.root_index].size != root->size)
                        return r < 0 ? r : -EBUSY;

                j->failed_step = "save the old table";
                r = rootfs_table_dump(fd, j->loc.disk_node, &j->dump);
                if (r < 0)
                        return r;
                r = write_file_atomic_in(j->sysroot, j->dump_path, j->dump, strlen(j->dump), 0600);
                if (r < 0)
                        return r;

                j->failed_step = "write the partition table";
                r = rootfs_table_resize(fd, j->loc.disk_node, root->number, j->plan.new_sectors);
                if (r < 0)
                        return r;
                j->failed_step = "tell the kernel the new partition size (BLKPG)";
                r = rootfs_kernel_resize(fd, root->number, root->start * ss,
                                         j->plan.new_sectors * ss);
                if (r < 0)
                        return r;
                /* The table is written and the kernel knows: let go of the disk and its lock
                 * now, not after the file system grows, and have udev look again, or its record
                 * of the partition (ID_PART_ENTRY_SIZE) stays the old size. */
                close(TAKE_FD(fd));
                {
                        _cleanup_free_ char *ue = strdup_printf("%s/uevent", j->loc.part_sys);
                        if (!ue)
                                return -ENOMEM;
                        j->uevent_tried = true;
                        j->uevent_error = write_attribute(ue, "change");
                }
        }

        j->failed_step = "check the kernel's partition size";
        {
                _cleanup_free_ char *p = strdup_printf("%s/size", j->loc.part_sys), *line = NULL;
                if (!p)
                        return -ENOMEM;
                r = read_one_line_file(p, &line);
                if (r < 0)
                        return r;
                size = strtoull(line, NULL, 10);
                if (size != j->plan.new_sectors * (ss / 512))
                        return -EIO;
        }

        j->failed_step = "grow the filesystem";
        r = rootfs_fs_grow(j->loc.mount_path, j->loc.part_node, j->disk.fstype,
                           j->plan.new_sectors * ss);
        if (r < 0)
                return r;
        j->failed_step = NULL;
        (void)rootfs_fs_size(j->loc.part_node, j->disk.fstype, &j->fs_bytes_after);
        j->duration = now_usec(CLOCK_MONOTONIC) - t0;
        return 0;
}

/* Every second while the kernel resizes: the filesystem's size as statvfs() sees it grow, as a
 * percentage for STATUS=, and EXTEND_TIMEOUT_USEC= again so systemd keeps waiting. */
static int rootfs_progress_tick(sd_event_source *s, uint64_t usec, void *userdata)
{
        Job *j = userdata;
        uint64_t target = j->plan.new_sectors * j->disk.sector_size, start = j->disk.fs_bytes,
                 now = now_usec(CLOCK_MONOTONIC), size;
        struct statvfs st;
        unsigned pct = 0;

        if (statvfs(j->loc.mount_path, &st) == 0 && target > start) {
                size = (uint64_t)st.f_blocks * st.f_frsize;
                pct = size <= start ? 0 : (unsigned)((size - start) * 100 / (target - start));
                pct = pct > 99 ? 99 : pct; /* 100 is the report, not a tick */
        }
        if (pct != j->last_percent || pct == 0) {
                _cleanup_free_ char *t = format_bytes(target);
                probe_progress(j->ctx, "growing %s to %s (%s): %u%%", j->loc.part_node, strna(t),
                               j->disk.fstype, pct);
                j->last_percent = pct;
        }
        if (now < j->deadline_usec)
                (void)probe_extend_timeout(j->ctx, j->deadline_usec - now);
        return sd_event_source_set_time_relative(s, USEC_PER_SEC);
}

static void rootfs_grow_done(ProbeContext *ctx, int result, void *userdata)
{
        _cleanup_(job_freep) Job *j = userdata;
        json_object *o;
        _cleanup_free_ char *old_s = NULL, *new_s = NULL, *dur = NULL;

        j->progress = sd_event_source_disable_unref(j->progress);
        if (probe_context_cancelled(ctx))
                return;
        o = probe_context_details(ctx);
        if (j->uevent_tried)
                details_add_str(o, "udev_change",
                                j->uevent_error ? strerror(-j->uevent_error) : "sent");
        if (j->dump) {
                details_add_str(o, "old_table", j->dump);
                details_add_str(o, "old_table_file", j->dump_path);
        }
        if (j->locked) {
                details_add_str(o, "refused", rootfs_refusal_to_string(ROOTFS_REFUSE_LOCKED));
                probe_set_remedy(ctx, "%s", rootfs_refusal_remedy(ROOTFS_REFUSE_LOCKED));
                probe_done(ctx, VERDICT_DEGRADED, "not grown: another process holds %s's lock",
                           j->loc.disk_node);
                return;
        }
        if (result < 0) {
                if (j->dump)
                        probe_set_remedy(ctx, "the next boot retries; the old table is in %s",
                                         j->dump_path);
                else
                        probe_set_remedy(ctx, "the next boot retries; nothing was written");
                probe_fail(ctx, result, "cannot %s on %s: %m", strna(j->failed_step),
                           j->loc.part_node);
                return;
        }
        old_s = format_bytes(j->disk.fs_bytes ? j->disk.fs_bytes
                                              : j->plan.old_sectors * j->disk.sector_size);
        new_s = format_bytes(j->fs_bytes_after ? j->fs_bytes_after
                                               : j->plan.new_sectors * j->disk.sector_size);
        dur = format_duration(j->duration);
        if (j->fs_bytes_after)
                details_add_u64(o, "new_fs_bytes", j->fs_bytes_after);
        details_add_u64(o, "duration_usec", j->duration);
        details_add_str(o, "action",
                        j->plan.grow_partition ? "grew partition and filesystem"
                                               : "grew filesystem (resumed)");
        probe_done(ctx, VERDICT_CHANGED, "grew %s %s -> %s, %s online (%s)%s", j->loc.part_node,
                   strna(old_s), strna(new_s), j->disk.fstype, strna(dur),
                   j->plan.grow_partition ? "" : ", resumed");
}

static int rootfs_run(ProbeContext *ctx)
{
        _cleanup_(job_freep) Job *j = calloc(1, sizeof(Job));
        _cleanup_free_ char *proc = probe_context_path(ctx, PROBE_PATH_PROC, NULL),
                            *sys = probe_context_path(ctx, PROBE_PATH_SYS, NULL),
                            *dev = probe_context_path(ctx, PROBE_PATH_DEV, NULL), *name = NULL;
        json_object *o = probe_context_details(ctx);
        _cleanup_free_ char *size = NULL;
        RootfsPaths paths;
        int r;

        if (!j)
                return -ENOMEM;
        if (!proc || !sys || !dev)
                return -ENOMEM;
        paths = (RootfsPaths){proc, sys, dev};
        r = rootfs_inspect(&paths, probe_context_config(ctx), j);
        if (r == -ENOENT)
                return probe_done(ctx, VERDICT_SKIPPED, "no mount table in this system root");
        if (r == -ENXIO)
                return probe_fail(ctx, r, "nothing is mounted at %s",
                                  rootfs_mount_of(probe_context_config(ctx)));
        if (r < 0)
                return probe_fail(ctx, r, "cannot inspect the root filesystem: %m");
        describe(j, o);

        if (j->plan.refusal == ROOTFS_REFUSE_NOT_PARTITION)
                return probe_done(ctx, VERDICT_SKIPPED, "%s is not on a partition: nothing to grow",
                                  j->loc.part_node);
        if (j->plan.refusal != ROOTFS_REFUSE_NONE) {
                probe_set_remedy(ctx, "%s", rootfs_refusal_remedy(j->plan.refusal));
                return probe_done(ctx, VERDICT_DEGRADED, "not grown: %s", j->plan.reason);
        }
        if (!j->plan.grow_partition && !j->plan.grow_filesystem) {
                size = format_bytes(j->plan.old_sectors * j->disk.sector_size);
                return probe_done(ctx, VERDICT_OK, "%s fills the disk (%s%s%s)", j->loc.part_node,
                                  strna(size), j->disk.fstype[0] ? ", " : "", j->disk.fstype);
        }

        /* The mount point is a path in the system we manage, so it lives under the sysroot. */
        j->loc.mount_path =
                path_join_root(probe_handle_sysroot(probe_context_handle(ctx)), j->loc.mount);
        name = strdup_printf("rootfs-%s-%llu.sfdisk", j->loc.disk_name,
                             (unsigned long long)(now_usec(CLOCK_REALTIME) / USEC_PER_SEC));
        j->dump_path = name ? probe_context_path(ctx, PROBE_PATH_VAR_LIB, name) : NULL;
        j->sysroot = probe_handle_sysroot(probe_context_handle(ctx));
        if (!j->loc.mount_path || !j->dump_path)
                return -ENOMEM;
        size = format_bytes(j->plan.new_sectors * j->disk.sector_size);
        probe_progress(ctx, "growing %s to %s (%s)", j->loc.part_node, strna(size), j->disk.fstype);
        r = probe_extend_timeout(ctx, ROOTFS_GROW_TIMEOUT_USEC);
        if (r < 0)
                return r;
        j->ctx = ctx;
        j->deadline_usec = now_usec(CLOCK_MONOTONIC) + ROOTFS_GROW_TIMEOUT_USEC;
        r = sd_event_add_time_relative(probe_context_event(ctx), &j->progress, CLOCK_MONOTONIC,
                                       USEC_PER_SEC, 10 * USEC_PER_MSEC, rootfs_progress_tick, j);
        if (r < 0)
                return probe_fail(ctx, r, "cannot arm the progress timer: %m");
        r = sd_event_source_set_enabled(j->progress, SD_EVENT_ON);
        if (r < 0)
                return probe_fail(ctx, r, "cannot arm the progress timer: %m");
        r = probe_run_blocking(ctx, rootfs_grow_work, rootfs_grow_done, j);
        if (r < 0)
                return probe_fail(ctx, r, "cannot start the resize: %m");
        TAKE_PTR(j);
        return 0;
}

static int rootfs_plan_op(const Board *b, const Config *c, const char *sysroot, char **ret_summary,
                          json_object *details)
{
        _cleanup_free_ char *proc = path_join_root(sysroot, "proc"),
                            *sys = path_join_root(sysroot, "sys"),
                            *dev = path_join_root(sysroot, "dev");
        _cleanup_(job_freep) Job *j = calloc(1, sizeof(Job));
        _cleanup_free_ char *from = NULL, *to = NULL;
        char *s;
        int r;

        if (!j || !proc || !sys || !dev)
                return -ENOMEM;
        r = rootfs_inspect(&(const RootfsPaths){proc, sys, dev}, c, j);
        if (r == -ENOENT) {
                /* As run() says it: a fixture root without a mount table. */
                *ret_summary = strdup_printf("nothing: no mount table under %s", sysroot);
                return *ret_summary ? 0 : -ENOMEM;
        }
        if (r < 0)
                return r;
        describe(j, details);
        if (j->plan.refusal == ROOTFS_REFUSE_NOT_PARTITION)
                s = strdup_printf("nothing: %s is not on a partition", j->loc.part_node);
        else if (j->plan.refusal != ROOTFS_REFUSE_NONE)
                s = strdup_printf("refuse: %s (%s)", j->plan.reason,
                                  rootfs_refusal_remedy(j->plan.refusal));
        else if (j->plan.grow_partition) {
                from = format_bytes(j->plan.old_sectors * j->disk.sector_size);
                to = format_bytes(j->plan.new_sectors * j->disk.sector_size);
                s = strdup_printf("grow %s %s -> %s and its %s filesystem online", j->loc.part_node,
                                  strna(from), strna(to), j->disk.fstype);
        } else if (j->plan.grow_filesystem)
                s = strdup_printf("grow the %s filesystem on %s to fill its partition",
                                  j->disk.fstype, j->loc.part_node);
        else
                s = strdup_printf("nothing: %s already fills the disk", j->loc.part_node);
        if (!s)
                return -ENOMEM;
        *ret_summary = s;
        return 0;
}

const ProbeOps probe_rootfs = {
        .name = "rootfs",
        .config = &rootfs_config_section,
        .run = rootfs_run,
        .plan = rootfs_plan_op,
        .timeout_usec = 60 * USEC_PER_SEC,
};
