/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The gpio probe: finds the 40-pin header's GPIO chip by label, requests the [GPIO] Line=
 * declarations with libgpiod and holds them, reconfigures them in place on a reload, watches
 * their line info and the chips' udev events, and says what breaks old GPIO code on this
 * kernel. */
#include <dirent.h>
#include <fcntl.h>
#include <gpiod.h>
#include <stdio.h>
#include <sys/stat.h>
#include <systemd/sd-device.h>
#include <unistd.h>

#include "details.h"
#include "gpio.h"
#include "probe.h"

#define CPUINFO_SIZE_MAX  ((size_t)256 * 1024)
#define GROUP_SIZE_MAX    ((size_t)1024 * 1024)
#define GPIO_GROUP        "gpio"
#define GPIO_NODE_MODE    0660
#define GPIOMEM_NODES_MAX 5 /* the Pi 5 has /dev/gpiomem0..4 */
/* How long a run waits for udev to handle the header chip's node (its rule sets the group)
 * before judging the node as it is; a later udev event re-runs the probe anyway. */
#define UDEV_WAIT_USEC   (10 * USEC_PER_SEC)
#define RERUN_DELAY_USEC (500 * USEC_PER_MSEC) /* a trigger sends every chip at once */

extern const ProbeOps probe_gpio;

static int gpio_work(ProbeContext *ctx);

typedef struct GpioHeld {
        GpioLineSpec spec;
        char *chip_path;
        unsigned offset;
        struct gpiod_line_request *request;
} GpioHeld;

typedef struct GpioState {
        ProbeHandle *handle;
        char *chip_path; /* the header chip the requests and the watch are on */
        struct gpiod_chip *chip;
        GpioHeld *held;
        size_t n_held;
        sd_event_source *watch;
        sd_device_monitor *monitor; /* udev's events for gpiochip nodes */
        sd_event_source *udev_wait; /* while a run waits for udev to handle the node */
        ProbeContext *waiting;      /* that run, NULL when none */
        char *waiting_for;          /* the node it waits for */
        uint64_t wait_started;      /* CLOCK_MONOTONIC */
        bool udev_gave_up;          /* a wait ran out; no more waits until udev speaks */
} GpioState;

/* What one run found out about one declared line. */
typedef struct LineOutcome {
        const GpioLineSpec *spec;
        GpioPin pin;
        char *chip_path;
        char *error; /* why it is not held as declared; NULL when it is */
        bool changed;
        bool value_read;
        int value;
} LineOutcome;

/* A GPIO chip found in <dev>. */
typedef struct ChipEntry {
        char *path;
        char *name;
        char *label;
        unsigned n_lines;
} ChipEntry;

static void held_release(GpioHeld *h)
{
        if (h->request)
                gpiod_line_request_release(h->request);
        gpio_line_spec_done(&h->spec);
        free(h->chip_path);
        *h = (GpioHeld){};
}

static void state_release_all(GpioState *s)
{
        for (size_t i = 0; i < s->n_held; i++)
                held_release(&s->held[i]);
        free(s->held);
        s->held = NULL;
        s->n_held = 0;
}

static void gpio_state_free(void *p)
{
        GpioState *s = p;

        if (!s)
                return;
        sd_event_source_disable_unref(s->watch);
        sd_event_source_disable_unref(s->udev_wait);
        sd_device_monitor_unref(s->monitor);
        free(s->waiting_for);
        state_release_all(s);
        if (s->chip)
                gpiod_chip_close(s->chip);
        free(s->chip_path);
        free(s);
}

static GpioHeld *held_find(GpioState *s, const char *chip_path, unsigned offset)
{
        for (size_t i = 0; i < s->n_held; i++)
                if (s->held[i].offset == offset && streq(s->held[i].chip_path, chip_path))
                        return &s->held[i];
        return NULL;
}

static void held_remove(GpioState *s, GpioHeld *h)
{
        size_t i = (size_t)(h - s->held);

        held_release(h);
        memmove(&s->held[i], &s->held[i + 1], (s->n_held - i - 1) * sizeof(*h));
        s->n_held--;
}

/* ---- Chips ---- */

static void chips_free(ChipEntry *c, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(c[i].path);
                free(c[i].name);
                free(c[i].label);
        }
        free(c);
}

static int chip_name_compare(const void *a, const void *b)
{
        const ChipEntry *x = a, *y = b;
        return strverscmp(x->name, y->name);
}

/* Every gpiochip character device in dev with its label; never chosen by number. */
static int chips_scan(const char *dev, ChipEntry **ret, size_t *ret_n)
{
        _cleanup_closedir_ DIR *d = opendir(dev);
        ChipEntry *c = NULL;
        size_t n = 0;
        struct dirent *de;

        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                struct gpiod_chip *chip;
                struct gpiod_chip_info *info;
                ChipEntry e = {};
                ChipEntry *grown;

                if (!startswith(de->d_name, "gpiochip"))
                        continue;
                e.path = strdup_printf("%s/%s", dev, de->d_name);
                if (!e.path)
                        goto oom;
                chip = gpiod_chip_open(e.path); /* refuses what is no GPIO character device */
                if (!chip) {
                        free(e.path);
                        continue;
                }
                info = gpiod_chip_get_info(chip);
                if (info) {
                        e.name = strdup(gpiod_chip_info_get_name(info));
                        e.label = strdup(gpiod_chip_info_get_label(info));
                        e.n_lines = (unsigned)gpiod_chip_info_get_num_lines(info);
                        gpiod_chip_info_free(info);
                }
                gpiod_chip_close(chip);
                if (!info) {
                        free(e.path);
                        continue;
                }
                grown = e.name && e.label ? reallocarray(c, n + 1, sizeof(*c)) : NULL;
                if (!grown) {
                        free(e.path);
                        free(e.name);
                        free(e.label);
                        goto oom;
                }
                c = grown;
                c[n++] = e;
        }
        if (n > 1)
                qsort(c, n, sizeof(*c), chip_name_compare);
        *ret = c;
        *ret_n = n;
        return 0;
oom:
        chips_free(c, n);
        return -ENOMEM;
}

/* The chip list when every declared line is on the header chip hwctld already has open and
 * that chip still answers with its label: one ioctl instead of opening every gpiochip. 1 when
 * it did, 0 when a full scan is needed, -ENOMEM. */
static int chips_from_held(GpioState *s, const Board *b, const GpioLineSpec *specs, size_t n,
                           ChipEntry **ret, size_t *ret_n)
{
        struct gpiod_chip_info *info;
        ChipEntry *c;

        if (!s->chip || !b->gpio.present)
                return 0;
        for (size_t i = 0; i < n; i++) {
                const char *colon = strrchr(specs[i].pin, ':');
                if (colon && (strncmp(specs[i].pin, b->gpio.chip_label,
                                      (size_t)(colon - specs[i].pin)) != 0 ||
                              b->gpio.chip_label[colon - specs[i].pin] != 0))
                        return 0;
        }
        info = gpiod_chip_get_info(s->chip);
        if (!info)
                return 0; /* gone: the scan finds what there is now */
        if (!streq(gpiod_chip_info_get_label(info), b->gpio.chip_label)) {
                gpiod_chip_info_free(info);
                return 0;
        }
        c = calloc(1, sizeof(*c));
        if (c) {
                c->path = strdup(s->chip_path);
                c->name = strdup(gpiod_chip_info_get_name(info));
                c->label = strdup(gpiod_chip_info_get_label(info));
                c->n_lines = (unsigned)gpiod_chip_info_get_num_lines(info);
        }
        gpiod_chip_info_free(info);
        if (!c || !c->path || !c->name || !c->label) {
                chips_free(c, c ? 1 : 0);
                return -ENOMEM;
        }
        *ret = c;
        *ret_n = 1;
        return 1;
}

static const ChipEntry *chip_by_label(const ChipEntry *c, size_t n, const char *label)
{
        for (size_t i = 0; label && i < n; i++)
                if (streq(c[i].label, label))
                        return &c[i];
        return NULL;
}

/* ---- Line settings ---- */

/* The declaration's words in libgpiod's terms: for the request and for reading it back. */
static const enum gpiod_line_bias bias_of[_GPIO_BIAS_MAX] = {
        [GPIO_BIAS_AS_IS] = GPIOD_LINE_BIAS_AS_IS,
        [GPIO_BIAS_PULL_UP] = GPIOD_LINE_BIAS_PULL_UP,
        [GPIO_BIAS_PULL_DOWN] = GPIOD_LINE_BIAS_PULL_DOWN,
        [GPIO_BIAS_DISABLED] = GPIOD_LINE_BIAS_DISABLED,
};
static const enum gpiod_line_drive drive_of[_GPIO_DRIVE_MAX] = {
        [GPIO_DRIVE_PUSH_PULL] = GPIOD_LINE_DRIVE_PUSH_PULL,
        [GPIO_DRIVE_OPEN_DRAIN] = GPIOD_LINE_DRIVE_OPEN_DRAIN,
        [GPIO_DRIVE_OPEN_SOURCE] = GPIOD_LINE_DRIVE_OPEN_SOURCE,
};

static struct gpiod_line_settings *settings_of(const GpioLineSpec *s)
{
        struct gpiod_line_settings *st = gpiod_line_settings_new();
        bool out = s->direction == GPIO_DIRECTION_OUTPUT;

        if (!st)
                return NULL;
        if (gpiod_line_settings_set_direction(st, out ? GPIOD_LINE_DIRECTION_OUTPUT
                                                      : GPIOD_LINE_DIRECTION_INPUT) < 0 ||
            gpiod_line_settings_set_bias(st, bias_of[s->bias]) < 0 ||
            (out && gpiod_line_settings_set_drive(st, drive_of[s->drive]) < 0) ||
            (out &&
             gpiod_line_settings_set_output_value(st, s->high ? GPIOD_LINE_VALUE_ACTIVE
                                                              : GPIOD_LINE_VALUE_INACTIVE) < 0)) {
                gpiod_line_settings_free(st);
                return NULL;
        }
        gpiod_line_settings_set_active_low(st, s->active_low);
        if (!out && s->debounce_ms)
                gpiod_line_settings_set_debounce_period_us(st, s->debounce_ms * 1000UL);
        return st;
}

static struct gpiod_line_config *line_config_of(const GpioLineSpec *s, unsigned offset)
{
        struct gpiod_line_settings *st = settings_of(s);
        struct gpiod_line_config *lc = st ? gpiod_line_config_new() : NULL;

        if (lc && gpiod_line_config_add_line_settings(lc, &offset, 1, st) < 0) {
                gpiod_line_config_free(lc);
                lc = NULL;
        }
        gpiod_line_settings_free(st);
        return lc;
}

static int request_line(struct gpiod_chip *chip, const GpioLineSpec *s, unsigned offset,
                        struct gpiod_line_request **ret)
{
        _cleanup_free_ char *consumer = gpio_consumer_name(s->name);
        struct gpiod_line_config *lc = line_config_of(s, offset);
        struct gpiod_request_config *rc = gpiod_request_config_new();
        int r = 0;

        if (!consumer || !lc || !rc)
                r = -ENOMEM;
        else {
                gpiod_request_config_set_consumer(rc, consumer);
                *ret = gpiod_chip_request_lines(chip, rc, lc);
                if (!*ret)
                        r = -errno;
        }
        gpiod_request_config_free(rc);
        gpiod_line_config_free(lc);
        return r;
}

static bool consumer_is_ours(const char *consumer)
{
        return consumer && startswith(consumer, "hwctld:");
}

/* How the kernel now has the line, against the declaration: NULL when it matches. */
static char *readback(struct gpiod_chip *chip, struct gpiod_line_request *req,
                      const GpioLineSpec *s, unsigned offset, LineOutcome *o)
{
        struct gpiod_line_info *info = gpiod_chip_get_line_info(chip, offset);
        _cleanup_free_ char *consumer = gpio_consumer_name(s->name);
        bool out = s->direction == GPIO_DIRECTION_OUTPUT;
        char *why = NULL;
        int v;

        if (!info)
                return strdup_printf("its line info cannot be read back: %s", strerror(errno));
        if (!consumer) {
                gpiod_line_info_free(info);
                return NULL;
        }
        if (!gpiod_line_info_is_used(info) ||
            !streq_ptr(gpiod_line_info_get_consumer(info), consumer))
                why = strdup_printf("the kernel shows it %s", gpiod_line_info_is_used(info)
                                                                      ? "used by someone else"
                                                                      : "free");
        else if ((gpiod_line_info_get_direction(info) == GPIOD_LINE_DIRECTION_OUTPUT) != out)
                why = strdup_printf("the kernel shows it as an %s", out ? "input" : "output");
        else if (gpiod_line_info_is_active_low(info) != s->active_low)
                why = strdup_printf("the kernel shows it active-%s",
                                    s->active_low ? "high" : "low");
        else if (s->bias != GPIO_BIAS_AS_IS && gpiod_line_info_get_bias(info) != bias_of[s->bias])
                why = strdup_printf("the kernel did not keep the bias %s",
                                    gpio_bias_to_string(s->bias));
        else if (out && gpiod_line_info_get_drive(info) != drive_of[s->drive])
                why = strdup_printf("the kernel did not keep the drive %s",
                                    gpio_drive_to_string(s->drive));
        gpiod_line_info_free(info);
        if (why)
                return why;
        v = gpiod_line_request_get_value(req, offset);
        if (v < 0)
                return strdup_printf("its value cannot be read: %s", strerror(errno));
        o->value_read = true;
        o->value = v;
        if (out && s->drive == GPIO_DRIVE_PUSH_PULL && (v == 1) != s->high)
                return strdup_printf("it reads %s, not the %s it was set to", v ? "high" : "low",
                                     s->high ? "high" : "low");
        return NULL;
}

/* The consumer holding offset, from line info (allocated), or NULL when it is free. */
static char *holder_of(struct gpiod_chip *chip, unsigned offset)
{
        struct gpiod_line_info *info = gpiod_chip_get_line_info(chip, offset);
        char *holder = NULL;

        if (!info)
                return NULL;
        if (gpiod_line_info_is_used(info)) {
                const char *c = gpiod_line_info_get_consumer(info);
                holder = strdup(!isempty(c) ? c : "the kernel (no consumer name)");
        }
        gpiod_line_info_free(info);
        return holder;
}

/* ---- The header chip's lines: who holds what ---- */

static json_object *consumers_to_json(struct gpiod_chip *chip, const Board *b, unsigned n_lines,
                                      unsigned *ret_others)
{
        json_object *a = json_object_new_array();
        char *const *names = b->gpio.line_names;
        size_t n_names = strv_length(names);

        *ret_others = 0;
        for (unsigned i = 0; a && i < n_lines; i++) {
                struct gpiod_line_info *info = gpiod_chip_get_line_info(chip, i);
                json_object *o;

                if (!info)
                        continue;
                if (gpiod_line_info_is_used(info)) {
                        const char *c = gpiod_line_info_get_consumer(info);
                        o = json_object_new_object();
                        details_add_int(o, "offset", i);
                        if (i < n_names && names[i][0])
                                details_add_str(o, "line_name", names[i]);
                        details_add_str(o, "consumer", !isempty(c) ? c : "");
                        details_add_bool(o, "hwctld", consumer_is_ours(c));
                        json_object_array_add(a, o);
                        if (!consumer_is_ours(c))
                                (*ret_others)++;
                }
                gpiod_line_info_free(info);
        }
        return a;
}

/* ---- Legacy facts and permissions, from the sysroot's /sys, /dev, /proc and /etc ---- */

static void legacy_collect(ProbeContext *ctx, const Board *b, const char *label, unsigned example,
                           GpioLegacy *l)
{
        _cleanup_free_ char *cls = probe_context_path(ctx, PROBE_PATH_SYS, "class/gpio");
        _cleanup_free_ char *cpuinfo_path = probe_context_path(ctx, PROBE_PATH_PROC, "cpuinfo");
        _cleanup_free_ char *cpuinfo = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        size_t size;

        *l = (GpioLegacy){
                .rpi = b->family == BOARD_FAMILY_RPI, .sysfs_base = -1, .example_offset = example};
        d = cls ? opendir(cls) : NULL;
        l->sysfs_present = d != NULL;
        while (d && label && (de = readdir(d))) {
                _cleanup_free_ char *lp = NULL, *bp = NULL, *lab = NULL, *base = NULL;
                uint64_t v;

                if (!startswith(de->d_name, "gpiochip"))
                        continue;
                lp = strdup_printf("%s/%s/label", cls, de->d_name);
                bp = strdup_printf("%s/%s/base", cls, de->d_name);
                if (!lp || !bp || read_one_line_file(lp, &lab) < 0 || !streq(lab, label) ||
                    read_one_line_file(bp, &base) < 0 ||
                    config_parse_decimal_max(base, INT32_MAX, &v) < 0)
                        continue;
                l->sysfs_base = (int64_t)v;
                break;
        }
        for (int i = -1; i < GPIOMEM_NODES_MAX; i++) {
                _cleanup_free_ char *rel =
                        i < 0 ? strdup("gpiomem") : strdup_printf("gpiomem%d", i);
                _cleanup_free_ char *p = rel ? probe_context_path(ctx, PROBE_PATH_DEV, rel) : NULL;
                struct stat st;

                if (p && stat(p, &st) == 0 && S_ISCHR(st.st_mode))
                        (void)strv_extend(&l->gpiomem, p);
        }
        if (cpuinfo_path && read_full_file(cpuinfo_path, CPUINFO_SIZE_MAX, &cpuinfo, &size) >= 0)
                gpio_cpuinfo_scan(cpuinfo, &l->cpuinfo_hardware, &l->cpuinfo_revision);
}

/* NULL when the node is group gpio, mode 0660; else the sentence saying what it is instead. */
static char *permissions_problem(ProbeContext *ctx, const char *node, json_object *chip)
{
        _cleanup_free_ char *group_path = probe_context_path(ctx, PROBE_PATH_ETC, "group");
        _cleanup_free_ char *groups = NULL;
        struct stat st;
        unsigned gid = 0;
        size_t size;
        bool have_group;

        if (stat(node, &st) < 0)
                return strdup_printf("%s cannot be inspected: %s", node, strerror(errno));
        have_group = group_path &&
                     read_full_file(group_path, GROUP_SIZE_MAX, &groups, &size) >= 0 &&
                     gpio_group_lookup(groups, GPIO_GROUP, &gid) >= 0;
        details_add_int(chip, "gid", st.st_gid);
        _cleanup_free_ char *mode = strdup_printf("%04o", (unsigned)(st.st_mode & 07777));
        details_add_str(chip, "mode", mode);
        if (!have_group)
                return strdup_printf("there is no '%s' group in /etc/group, so only root can use "
                                     "%s",
                                     GPIO_GROUP, node);
        if (st.st_gid != gid || (st.st_mode & 0777) != GPIO_NODE_MODE)
                return strdup_printf("%s is gid %u mode %04o, not group %s (gid %u) mode %04o: "
                                     "members of %s cannot use it",
                                     node, (unsigned)st.st_gid, (unsigned)(st.st_mode & 07777),
                                     GPIO_GROUP, gid, GPIO_NODE_MODE, GPIO_GROUP);
        return NULL;
}

/* ---- Watching line info ---- */

static int on_line_info(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
        GpioState *s = userdata;
        bool others = false;

        /* Events for lines hwctld holds are its own requests and reconfigurations. */
        for (;;) {
                struct gpiod_info_event *ev;
                int ready = gpiod_chip_wait_info_event(s->chip, 0);

                if (ready <= 0)
                        break;
                ev = gpiod_chip_read_info_event(s->chip);
                if (!ev)
                        break;
                struct gpiod_line_info *info = gpiod_info_event_get_line_info(ev);
                if (info && !held_find(s, s->chip_path, gpiod_line_info_get_offset(info)))
                        others = true;
                gpiod_info_event_free(ev);
        }
        if (others)
                (void)probe_handle_request_run(s->handle);
        return 0;
}

/* Drops the events this run's own requests caused. */
static void drain_info_events(GpioState *s)
{
        while (s->chip && gpiod_chip_wait_info_event(s->chip, 0) > 0) {
                struct gpiod_info_event *ev = gpiod_chip_read_info_event(s->chip);
                if (!ev)
                        break;
                gpiod_info_event_free(ev);
        }
}

static int watch_lines(GpioState *s, sd_event *e, const LineOutcome *o, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                struct gpiod_line_info *info;

                if (!o[i].chip_path || !streq(o[i].chip_path, s->chip_path))
                        continue;
                info = gpiod_chip_watch_line_info(s->chip, o[i].pin.offset);
                if (info)
                        gpiod_line_info_free(info);
        }
        drain_info_events(s);
        if (!s->watch)
                return sd_event_add_io(e, &s->watch, gpiod_chip_get_fd(s->chip), EPOLLIN,
                                       on_line_info, s);
        return 0;
}

/* ---- Waiting for udev ---- */

/* True when udev runs and knows the node but has not handled it yet (no database entry), so its
 * group and mode are still devtmpfs's: on a first boot hwctld can start before udev's coldplug
 * reaches the chip. Stores the node's name as udev spells it in s->waiting_for. */
static bool udev_pending(ProbeContext *ctx, GpioState *s, const char *node)
{
        _cleanup_free_ char *control = probe_context_path(ctx, PROBE_PATH_RUN, "udev/control");
        _cleanup_(sd_device_unrefp) sd_device *d = NULL;
        const char *devname = NULL;

        if (!s->monitor || s->udev_gave_up || !control || access(control, F_OK) < 0)
                return false;
        if (sd_device_new_from_devname(&d, node) < 0 || sd_device_get_is_initialized(d) != 0 ||
            sd_device_get_devname(d, &devname) < 0)
                return false;
        free(s->waiting_for);
        s->waiting_for = strdup(devname);
        return s->waiting_for != NULL;
}

static void udev_wait_end(GpioState *s, const char *fmt, ...) _printf_(2, 3);
static void udev_wait_end(GpioState *s, const char *fmt, ...)
{
        ProbeContext *ctx = s->waiting;
        _cleanup_free_ char *note = NULL;
        va_list ap;
        int r;

        s->waiting = NULL;
        s->udev_wait = sd_event_source_disable_unref(s->udev_wait);
        va_start(ap, fmt);
        note = strdup_vprintf_errno(0, fmt, ap);
        va_end(ap);
        details_add_str(probe_context_details(ctx), "udev_wait", note);
        r = gpio_work(ctx);
        if (r < 0 && !probe_context_cancelled(ctx))
                probe_fail(ctx, r, "%m");
}

static int on_udev_wait_over(sd_event_source *src, uint64_t usec, void *userdata)
{
        GpioState *s = userdata;

        (void)src;
        (void)usec;
        if (!s->waiting)
                return 0;
        s->udev_gave_up = true;
        udev_wait_end(s, "udev had not handled %s after %.0f s; judged as it was", s->waiting_for,
                      (double)UDEV_WAIT_USEC / USEC_PER_SEC);
        return 0;
}

static int wait_for_udev(ProbeContext *ctx, GpioState *s)
{
        int r;

        r = sd_event_add_time_relative(probe_context_event(ctx), &s->udev_wait, CLOCK_MONOTONIC,
                                       UDEV_WAIT_USEC, 10 * USEC_PER_MSEC, on_udev_wait_over, s);
        if (r < 0)
                return probe_fail(ctx, r, "cannot arm the timer for udev: %m");
        r = probe_extend_timeout(ctx, UDEV_WAIT_USEC + probe_gpio.timeout_usec);
        if (r < 0) {
                s->udev_wait = sd_event_source_disable_unref(s->udev_wait);
                return r;
        }
        s->waiting = ctx;
        s->wait_started = now_usec(CLOCK_MONOTONIC);
        probe_progress(ctx,
                       "waiting up to %.0f s for udev to handle %s (hwctl's rule gives it to group "
                       "%s)",
                       (double)UDEV_WAIT_USEC / USEC_PER_SEC, s->waiting_for, GPIO_GROUP);
        return 0;
}

/* A gpiochip node udev has handled (added, changed by a trigger, removed): the run waiting for
 * it goes on; after a run, the probe runs again, as the chips or the node's group may differ. */
static int on_gpio_event(sd_device_monitor *m, sd_device *dev, void *userdata)
{
        GpioState *s = userdata;
        const char *sysname = NULL, *devname = NULL;

        (void)m;
        /* The legacy /sys/class/gpio/gpiochipN entries are "gpio" too, without a node. */
        if (sd_device_get_sysname(dev, &sysname) < 0 || !startswith(sysname, "gpiochip") ||
            sd_device_get_devname(dev, &devname) < 0)
                return 0;
        s->udev_gave_up = false;
        if (s->waiting) {
                if (streq_ptr(devname, s->waiting_for))
                        udev_wait_end(s, "udev handled %s after %.1f s", devname,
                                      (double)(now_usec(CLOCK_MONOTONIC) - s->wait_started) /
                                              USEC_PER_SEC);
                return 0;
        }
        if (!probe_handle_once(s->handle))
                (void)probe_handle_request_run_after(s->handle, RERUN_DELAY_USEC);
        return 0;
}

/* ---- One run ---- */

static void outcomes_free(LineOutcome *o, size_t n)
{
        if (!o)
                return; /* the run ended before it resolved the lines */
        for (size_t i = 0; i < n; i++) {
                gpio_pin_done(&o[i].pin);
                free(o[i].chip_path);
                free(o[i].error);
        }
        free(o);
}

/* Requests, reconfigures or keeps one line, the state holding it. */
static int apply_line(GpioState *s, struct gpiod_chip *chip, LineOutcome *o)
{
        const GpioLineSpec *spec = o->spec;
        unsigned offset = o->pin.offset;
        GpioHeld *h = held_find(s, o->chip_path, offset);
        struct gpiod_line_request *req = NULL;
        int r;

        if (h && !streq(h->spec.name, spec->name)) {
                held_remove(s, h); /* the consumer name is the request's: a new one */
                h = NULL;
        }
        if (h && !gpio_line_spec_same_config(&h->spec, spec)) {
                struct gpiod_line_config *lc = line_config_of(spec, offset);
                GpioLineSpec copy;

                if (!lc)
                        return -ENOMEM;
                /* In place: the line stays requested, so an output never glitches. */
                r = gpiod_line_request_reconfigure_lines(h->request, lc) < 0 ? -errno : 0;
                gpiod_line_config_free(lc);
                if (r < 0)
                        return error_printf(&o->error, 0, "could not be reconfigured: %s",
                                            strerror(-r));
                if (gpio_line_spec_copy(spec, &copy) < 0)
                        return -ENOMEM;
                gpio_line_spec_done(&h->spec);
                h->spec = copy;
                o->changed = true;
        }
        if (!h) {
                GpioHeld *grown;
                GpioLineSpec copy;
                char *path;

                r = request_line(chip, spec, offset, &req);
                if (r == -ENOMEM)
                        return r;
                if (r == -EBUSY) {
                        _cleanup_free_ char *now = holder_of(chip, offset);
                        return error_printf(&o->error, 0, "is held by '%s'",
                                            now ? now : "another process");
                }
                if (r < 0)
                        return error_printf(&o->error, 0, "was refused by the kernel: %s",
                                            strerror(-r));
                grown = reallocarray(s->held, s->n_held + 1, sizeof(*grown));
                path = strdup(o->chip_path);
                if (!grown || !path || gpio_line_spec_copy(spec, &copy) < 0) {
                        if (grown)
                                s->held = grown;
                        free(path);
                        gpiod_line_request_release(req);
                        return -ENOMEM;
                }
                s->held = grown;
                h = &s->held[s->n_held++];
                *h = (GpioHeld){.spec = copy, .chip_path = path, .offset = offset, .request = req};
                o->changed = true;
        }
        o->error = readback(chip, h->request, spec, offset, o);
        return 0;
}

/* Releases what is held but no longer declared as it is held (name, chip and line). */
static void release_undeclared(GpioState *s, const LineOutcome *o, size_t n)
{
        for (size_t i = 0; i < s->n_held;) {
                bool keep = false;

                for (size_t k = 0; k < n && !keep; k++)
                        keep = o[k].chip_path && streq(o[k].chip_path, s->held[i].chip_path) &&
                               o[k].pin.offset == s->held[i].offset &&
                               streq(o[k].spec->name, s->held[i].spec.name);
                if (keep)
                        i++;
                else
                        held_remove(s, &s->held[i]);
        }
}

/* Which chip and line each declaration names, or why it names none. */
static int resolve_outcomes(const Board *b, const GpioLineSpec *specs, size_t n,
                            const ChipEntry *chips, size_t n_chips, LineOutcome **ret)
{
        LineOutcome *o = calloc(n ? n : 1, sizeof(*o));
        int r;

        if (!o)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const ChipEntry *c;
                char *why = NULL;

                o[i].spec = &specs[i];
                r = gpio_pin_resolve(b, specs[i].pin, &o[i].pin, &why);
                if (r == -ENOMEM)
                        goto fail;
                if (r < 0) {
                        o[i].error = why ? why : strdup("cannot be resolved");
                        continue;
                }
                c = chip_by_label(chips, n_chips, o[i].pin.chip_label);
                if (chips && !c) {
                        r = error_printf(&o[i].error, 0,
                                         "is on %s, and no GPIO chip has that label",
                                         o[i].pin.chip_label);
                        if (r < 0)
                                goto fail;
                        continue;
                }
                if (c && o[i].pin.offset >= c->n_lines) {
                        r = error_printf(&o[i].error, 0, "is line %u, and %s has %u lines",
                                         o[i].pin.offset, c->label, c->n_lines);
                        if (r < 0)
                                goto fail;
                        continue;
                }
                for (size_t k = 0; k < i; k++)
                        if (!o[k].error && streq(o[k].pin.chip_label, o[i].pin.chip_label) &&
                            o[k].pin.offset == o[i].pin.offset) {
                                r = error_printf(
                                        &o[i].error, 0, "is line %u of %s, already declared as %s",
                                        o[i].pin.offset, o[i].pin.chip_label, specs[k].name);
                                if (r < 0)
                                        goto fail;
                                break;
                        }
                if (!o[i].error && c && !(o[i].chip_path = strdup(c->path))) {
                        r = -ENOMEM;
                        goto fail;
                }
        }
        *ret = o;
        return 0;
fail:
        outcomes_free(o, n);
        return -ENOMEM;
}

static json_object *outcome_to_json(const LineOutcome *o)
{
        const GpioLineSpec *s = o->spec;
        json_object *j = json_object_new_object();

        details_add_str(j, "name", s->name);
        details_add_str(j, "pin", s->pin);
        details_add_str(j, "chip", o->pin.chip_label);
        details_add_str(j, "chip_path", o->chip_path);
        if (o->pin.chip_label)
                details_add_int(j, "offset", o->pin.offset);
        if (o->pin.header_pin)
                details_add_int(j, "header_pin", o->pin.header_pin);
        details_add_str(j, "line_name", o->pin.line_name);
        details_add_str(j, "direction", gpio_direction_to_string(s->direction));
        if (s->direction == GPIO_DIRECTION_OUTPUT) {
                details_add_str(j, "declared_value", s->high ? "high" : "low");
                details_add_str(j, "drive", gpio_drive_to_string(s->drive));
        }
        if (o->value_read)
                details_add_str(j, "value", o->value ? "high" : "low");
        details_add_bool(j, "active_low", s->active_low);
        details_add_str(j, "bias", gpio_bias_to_string(s->bias));
        if (s->debounce_ms)
                details_add_int(j, "debounce_ms", s->debounce_ms);
        details_add_bool(j, "held", o->chip_path && !o->error);
        details_add_str(j, "error", o->error);
        return j;
}

static size_t count_named(const Board *b)
{
        size_t n = 0;

        STRV_FOREACH (l, b->gpio.line_names)
                n += **l != 0;
        return n;
}

/* The remedy for a missing header chip: which driver should have made it. */
static void remedy_missing_chip(ProbeContext *ctx, const Board *b)
{
        probe_set_remedy(ctx,
                         "The kernel's driver for %s (%s, device-tree node %s) should register "
                         "a GPIO chip labelled %s. Check that it is built in or its module is "
                         "loaded, that the node is enabled, and what the kernel log says about "
                         "it (journalctl -k | grep -i gpio).",
                         strna(b->gpio.compatible),
                         streq_ptr(b->gpio.chip_label, "pinctrl-rp1")
                                 ? "RP1's pinctrl-rp1, a Raspberry Pi kernel driver"
                         : streq_ptr(b->gpio.chip_label, "periphs-banks")
                                 ? "the Amlogic Meson pinctrl driver"
                                 : "the BCM2835/BCM2711 pinctrl driver, CONFIG_PINCTRL_BCM2835",
                         strna(b->gpio.controller_path), b->gpio.chip_label);
}

static int gpio_work(ProbeContext *ctx)
{
        ProbeHandle *h = probe_context_handle(ctx);
        GpioState *s = probe_handle_get_state(h);
        const Board *b = probe_context_board(ctx);
        const GpioSettings *set = probe_settings(&probe_gpio, probe_context_config(ctx));
        json_object *details = probe_context_details(ctx);
        _cleanup_free_ char *dev = probe_context_path(ctx, PROBE_PATH_DEV, NULL);
        _cleanup_free_ char *summary = NULL, *perm = NULL, *legacy_text = NULL, *remedy = NULL;
        GpioLineSpec *specs = NULL;
        LineOutcome *o = NULL;
        ChipEntry *chips = NULL;
        const ChipEntry *header = NULL;
        size_t n_specs = 0, n_chips = 0, n_held = 0, n_changed = 0;
        unsigned others = 0;
        GpioLegacy legacy = {};
        json_object *chip_json = NULL;
        struct stat st;
        Verdict v;
        int r;

        if (!dev)
                return -ENOMEM;
        if (stat(dev, &st) < 0 || !S_ISDIR(st.st_mode))
                return probe_done(ctx, VERDICT_SKIPPED,
                                  "no %s under the sysroot: no GPIO chips to look at", dev);
        r = gpio_settings_lines(set, &specs, &n_specs);
        if (r < 0)
                return r;
        r = chips_from_held(s, b, specs, n_specs, &chips, &n_chips);
        if (r == 0)
                r = chips_scan(dev, &chips, &n_chips);
        if (r < 0) {
                gpio_line_specs_free(specs, n_specs);
                return probe_fail(ctx, r, "cannot list %s: %%m", dev);
        }
        if (b->gpio.present)
                header = chip_by_label(chips, n_chips, b->gpio.chip_label);

        /* udev has the node but has not applied its rules to it yet: judge it after. */
        if (header && udev_pending(ctx, s, header->path)) {
                r = wait_for_udev(ctx, s);
                goto out;
        }
        /* The header chip went or came back under another node: start over on it. */
        if (s->chip_path && (!header || !streq(s->chip_path, header->path))) {
                s->watch = sd_event_source_disable_unref(s->watch);
                state_release_all(s);
                gpiod_chip_close(s->chip);
                s->chip = NULL;
                free(s->chip_path);
                s->chip_path = NULL;
        }
        if (header && !s->chip) {
                s->chip = gpiod_chip_open(header->path);
                if (!s->chip) {
                        r = probe_fail(ctx, -errno, "cannot open %s: %%m", header->path);
                        goto out;
                }
                s->chip_path = strdup(header->path);
                if (!s->chip_path) {
                        r = -ENOMEM;
                        goto out;
                }
        }

        chip_json = json_object_new_object();
        json_object_object_add(details, "chip", chip_json);
        details_add_str(chip_json, "label", b->gpio.chip_label);
        details_add_str(chip_json, "controller", b->gpio.controller_path);
        if (header) {
                details_add_str(chip_json, "path", header->path);
                details_add_str(chip_json, "name", header->name);
                details_add_int(chip_json, "lines", header->n_lines);
                details_add_int(chip_json, "named", (int64_t)count_named(b));
        }
        if (b->gpio.present && !header) {
                json_object *all = json_object_new_array();
                for (size_t i = 0; i < n_chips; i++) {
                        json_object *c = json_object_new_object();
                        details_add_str(c, "path", chips[i].path);
                        details_add_str(c, "label", chips[i].label);
                        details_add_int(c, "lines", chips[i].n_lines);
                        json_object_array_add(all, c);
                }
                json_object_object_add(details, "chips_found", all);
                /* What old code would meet here is still worth knowing. */
                legacy_collect(ctx, b, b->gpio.chip_label, 17, &legacy);
                json_object_object_add(details, "legacy", gpio_legacy_to_json(&legacy));
                if (s->n_held)
                        state_release_all(s);
                remedy_missing_chip(ctx, b);
                r = probe_done(ctx, VERDICT_FAILED,
                               "the header's GPIO chip %s is missing: no %s/gpiochip* has that "
                               "label (%zu GPIO chip%s there)",
                               b->gpio.chip_label, dev, n_chips, n_chips == 1 ? "" : "s");
                goto out;
        }

        r = resolve_outcomes(b, specs, n_specs, chips, n_chips, &o);
        if (r < 0)
                goto out;
        release_undeclared(s, o, n_specs);
        for (size_t i = 0; i < n_specs; i++) {
                struct gpiod_chip *other = NULL, *chip = s->chip;

                if (o[i].error || !o[i].chip_path)
                        continue;
                if (!s->chip_path || !streq(o[i].chip_path, s->chip_path)) {
                        other = chip = gpiod_chip_open(o[i].chip_path);
                        if (!chip &&
                            error_printf(&o[i].error, 0, "its chip %s cannot be opened: %s",
                                         o[i].chip_path, strerror(errno)) < 0) {
                                r = -ENOMEM;
                                goto out;
                        }
                        if (!chip)
                                continue;
                }
                r = apply_line(s, chip, &o[i]);
                if (other)
                        gpiod_chip_close(other);
                if (r < 0)
                        goto out;
                n_held += !o[i].error;
                n_changed += o[i].changed;
        }
        json_object *lines = json_object_new_array();
        for (size_t i = 0; i < n_specs; i++)
                json_object_array_add(lines, outcome_to_json(&o[i]));
        json_object_object_add(details, "lines", lines);

        if (s->chip) {
                json_object_object_add(details, "consumers",
                                       consumers_to_json(s->chip, b, header->n_lines, &others));
                perm = permissions_problem(ctx, header->path, chip_json);
                details_add_str(chip_json, "permissions", perm ? perm : "ok");
        }
        legacy_collect(ctx, b, b->gpio.chip_label,
                       n_specs && o[0].pin.chip_label   ? o[0].pin.offset
                       : header && header->n_lines > 17 ? 17
                                                        : 0,
                       &legacy);
        json_object_object_add(details, "legacy", gpio_legacy_to_json(&legacy));
        legacy_text = gpio_legacy_summary(&legacy);

        if (s->chip && !probe_handle_once(h) && n_specs) {
                r = watch_lines(s, probe_context_event(ctx), o, n_specs);
                if (r < 0) {
                        r = probe_fail(ctx, r, "cannot watch the lines' info: %%m");
                        goto out;
                }
        } else if (s->chip)
                drain_info_events(s);

        if (n_specs == 0) {
                v = perm ? VERDICT_DEGRADED : VERDICT_OK;
                summary = strdup_printf("%s (%s): %u lines, %zu named, %u used by others; no lines "
                                        "declared%s%s%s%s",
                                        header ? header->label : "no header chip",
                                        header ? header->name : "-", header ? header->n_lines : 0,
                                        count_named(b), others,
                                        legacy_text ? "; legacy GPIO code breaks here: " : "",
                                        strempty(legacy_text), perm ? "; " : "", strempty(perm));
                remedy = gpio_legacy_remedy(&legacy);
        } else {
                _cleanup_free_ char *failures = NULL;

                for (size_t i = 0; i < n_specs; i++)
                        if (o[i].error &&
                            strbuf_append(&failures, "%s%s (%s) %s", failures ? "; " : "",
                                          o[i].spec->name, o[i].spec->pin, o[i].error) < 0) {
                                r = -ENOMEM;
                                goto out;
                        }
                v = failures || perm ? VERDICT_DEGRADED : n_changed ? VERDICT_CHANGED : VERDICT_OK;
                summary = strdup_printf(
                        "%zu of %zu line%s %s on %s (%s)%s%s%s%s%s", n_held, n_specs,
                        n_specs == 1 ? "" : "s",
                        n_changed ? "configured and held" : "held as declared",
                        header ? header->label : "their chips", header ? header->name : "-",
                        !n_held                ? ""
                        : probe_handle_once(h) ? " (--once: released when hwctld exits, then "
                                                 "nothing holds them)"
                                               : " for as long as hwctld runs",
                        failures ? "; " : "", strempty(failures), perm ? "; " : "", strempty(perm));
                if (failures)
                        remedy = strdup("Free or rename the lines named above (hwctl status "
                                        "--json lists the lines' consumers and the closest line "
                                        "names), then systemctl reload hwctld.");
        }
        if (perm && strbuf_append(&remedy,
                                  "%sInstall hwctl's udev rule (60-hwctl-gpio.rules gives "
                                  "gpiochip* to group %s, mode 0660) and the %s group "
                                  "(hwctl.sysusers), then run udevadm trigger "
                                  "--subsystem-match=gpio.",
                                  remedy ? " " : "", GPIO_GROUP, GPIO_GROUP) < 0) {
                r = -ENOMEM;
                goto out;
        }
        if (!summary) {
                r = -ENOMEM;
                goto out;
        }
        if (remedy)
                probe_set_remedy(ctx, "%s", remedy);
        r = probe_done(ctx, v, "%s", summary);
out:
        gpio_legacy_done(&legacy);
        outcomes_free(o, n_specs);
        gpio_line_specs_free(specs, n_specs);
        chips_free(chips, n_chips);
        return r;
}

static int gpio_run(ProbeContext *ctx)
{
        ProbeHandle *h = probe_context_handle(ctx);
        GpioState *s = probe_handle_get_state(h);
        int r;

        if (!s) {
                s = calloc(1, sizeof(*s));
                if (!s)
                        return -ENOMEM;
                s->handle = h;
                probe_handle_set_state(h, s, gpio_state_free);
        }
        /* udev's events are the running system's, whatever the sysroot. */
        if (!s->monitor && streq(probe_handle_sysroot(h), "/")) {
                static const char *const subsystems[] = {"gpio", NULL};
                r = probe_handle_watch_devices(h, subsystems, on_gpio_event, s, &s->monitor);
                if (r < 0)
                        details_add_str(probe_context_details(ctx), "monitor_error", strerror(-r));
        }
        return gpio_work(ctx);
}

static void gpio_cancel(ProbeContext *ctx)
{
        GpioState *s = probe_handle_get_state(probe_context_handle(ctx));

        if (s && s->waiting == ctx) {
                s->waiting = NULL;
                s->udev_wait = sd_event_source_disable_unref(s->udev_wait);
        }
}

/* ---- Offline: what a run would do ---- */

static bool gpio_applies(const Board *b, const Config *c, const char **ret_reason)
{
        const GpioSettings *s = probe_settings(&probe_gpio, c);

        if (b->gpio.present || (s && s->lines))
                return true;
        *ret_reason = "the device tree names no header GPIO controller and no Line= is declared";
        return false;
}

static int gpio_plan(const Board *b, const Config *c, const char *sysroot, char **ret_summary,
                     json_object *details)
{
        const GpioSettings *set = probe_settings(&probe_gpio, c);
        _cleanup_free_ char *text = NULL;
        GpioLineSpec *specs = NULL;
        LineOutcome *o = NULL;
        size_t n = 0, n_ok = 0;
        int r;

        r = gpio_settings_lines(set, &specs, &n);
        if (r < 0)
                return r;
        r = resolve_outcomes(b, specs, n, NULL, 0, &o);
        if (r < 0) {
                gpio_line_specs_free(specs, n);
                return r;
        }
        json_object *chip = json_object_new_object();
        details_add_str(chip, "label", b->gpio.chip_label);
        details_add_str(chip, "controller", b->gpio.controller_path);
        details_add_str(chip, "compatible", b->gpio.compatible);
        details_add_int(chip, "lines", b->gpio.n_lines);
        details_add_int(chip, "named", (int64_t)count_named(b));
        json_object_object_add(details, "chip", chip);
        json_object *lines = json_object_new_array();
        for (size_t i = 0; i < n; i++) {
                json_object_array_add(lines, outcome_to_json(&o[i]));
                if (o[i].error)
                        r = strbuf_append(&text, "%s%s: %s %s", text ? "; " : "", specs[i].name,
                                          specs[i].pin, o[i].error);
                else {
                        n_ok++;
                        r = strbuf_append(&text, "%s%s: %s line %u%s%.0d%s %s%s", text ? "; " : "",
                                          specs[i].name, o[i].pin.chip_label, o[i].pin.offset,
                                          o[i].pin.header_pin ? " (pin " : "", o[i].pin.header_pin,
                                          o[i].pin.header_pin ? ")" : "",
                                          gpio_direction_to_string(specs[i].direction),
                                          specs[i].direction == GPIO_DIRECTION_OUTPUT
                                                  ? (specs[i].high ? " high" : " low")
                                                  : "");
                }
                if (r < 0)
                        break;
        }
        json_object_object_add(details, "lines", lines);
        if (r >= 0) {
                if (n == 0)
                        *ret_summary = b->gpio.present
                                               ? strdup_printf("no lines declared; would report "
                                                               "%s (%s, %u lines) and what breaks "
                                                               "legacy GPIO code",
                                                               b->gpio.chip_label,
                                                               strna(b->gpio.controller_path),
                                                               b->gpio.n_lines)
                                               : strdup("no lines declared and no header chip");
                else
                        *ret_summary = strdup_printf("would request %zu of %zu line%s: %s", n_ok, n,
                                                     n == 1 ? "" : "s", text);
                r = *ret_summary ? 0 : -ENOMEM;
        }
        outcomes_free(o, n);
        gpio_line_specs_free(specs, n);
        return r;
}

const ProbeOps probe_gpio = {
        .name = "gpio",
        .config = &gpio_config_section,
        .applies = gpio_applies,
        .run = gpio_run,
        .cancel = gpio_cancel,
        .plan = gpio_plan,
        .timeout_usec = 5 * USEC_PER_SEC,
};
