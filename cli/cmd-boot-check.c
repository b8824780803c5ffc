/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `hwctl boot-check DIR`: a boot partition or image tree as the builder has it, checked the way
 * the board's boot loader will read it: extlinux.conf as U-Boot resolves its paths, U-Boot's
 * runtime overlay helpers, a Raspberry Pi firmware partition (config.txt, its overlays, the DTB
 * the firmware picks, cmdline.txt). Every finding has a severity and a fix. */
#include <dirent.h>
#include <getopt.h>
#include <strings.h>
#include <libfdt.h>
#include <sys/stat.h>

#include "details.h"
#include "dt-overlay.h"
#include "dt.h"
#include "hwctl.h"

#define BOOT_FILE_MAX  ((size_t)1024 * 1024)
#define BOOT_DEPTH_MAX 4

typedef struct Ctx {
        const char *dir;
        BoardId board; /* --board, BOARD_GENERIC when not given */
        json_object *findings;
        int errors, warnings;
} Ctx;

static void add(Ctx *c, const char *severity, const char *file, unsigned line, const char *fix,
                const char *fmt, ...) _printf_(6, 7);
static void add(Ctx *c, const char *severity, const char *file, unsigned line, const char *fix,
                const char *fmt, ...)
{
        json_object *f = json_object_new_object();
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        msg = strdup_vprintf_errno(0, fmt, ap);
        va_end(ap);
        if (!f || !msg) {
                json_object_put(f);
                return;
        }
        details_add_str(f, "severity", severity);
        if (file)
                details_add_text(f, "file", file, strlen(file));
        if (line)
                details_add_int(f, "line", line);
        details_add_text(f, "message", msg, strlen(msg));
        if (fix)
                details_add_str(f, "fix", fix);
        json_object_array_add(c->findings, f);
        if (streq(severity, "error"))
                c->errors++;
        else if (streq(severity, "warning"))
                c->warnings++;
}

/* DIR + rel, rel taken as from the partition's root. */
static char *in_dir(const Ctx *c, const char *rel)
{
        while (*rel == '/')
                rel++;
        return strdup_printf("%s/%s", c->dir, rel);
}

/* A path as U-Boot's extlinux reads it (pxe_utils: an absolute one from the partition's root, a
 * relative one from the directory of extlinux.conf), with "." and ".." applied and ".." at the
 * root staying there, as the file systems do. Relative to DIR; NULL on -ENOMEM. */
static char *uboot_path(const char *conf_dir, const char *p)
{
        _cleanup_free_ char *joined = p[0] == '/' ? strdup(p) : strdup_printf("%s/%s", conf_dir, p);
        _cleanup_strv_free_ char **parts = NULL;
        char *out = NULL, *save = NULL;

        if (!joined)
                return NULL;
        for (char *t = strtok_r(joined, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
                size_t n = strv_length(parts);

                if (streq(t, "."))
                        continue;
                if (streq(t, "..")) {
                        if (n > 0) {
                                free(parts[n - 1]);
                                parts[n - 1] = NULL;
                        }
                        continue;
                }
                if (strv_extend(&parts, t) < 0)
                        return NULL;
        }
        out = parts ? strv_join(parts, "/") : strdup("");
        return out;
}

static bool strcaseeq(const char *a, const char *b)
{
        return strcasecmp(a, b) == 0;
}

static bool is_file(const char *p)
{
        struct stat st;
        return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *p)
{
        struct stat st;
        return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A DTB that the file names, valid, and for the board when --board was given. */
static void check_dtb(Ctx *c, const char *file, unsigned line, const char *what, const char *path,
                      void **ret_blob)
{
        _cleanup_free_ char *full = in_dir(c, path), *error = NULL;
        _cleanup_(board_freep) Board *b = NULL;
        _cleanup_free_ void *blob = NULL;
        size_t size;

        if (!full)
                return;
        if (!is_file(full)) {
                add(c, "error", file, line,
                    "Point it at the DTB as the boot partition has it (a relative path is taken "
                    "from the directory of extlinux.conf, an absolute one from the partition's "
                    "root), or copy the DTB there.",
                    "%s /%s does not exist", what, path);
                return;
        }
        if (dt_blob_read_file(full, &blob, &size, &error) < 0) {
                add(c, "error", file, line, "Install a DTB built by dtc for this kernel.",
                    "%s /%s: %s", what, path, strna(error));
                return;
        }
        free(error);
        error = NULL;
        if (c->board != BOARD_GENERIC && board_detect_from_blob(blob, size, &b, &error) >= 0 &&
            b->id != c->board)
                add(c, "error", file, line,
                    "Point it at the board's own tree; the wrong one boots with the wrong pins, "
                    "UARTs and power lines, or not at all.",
                    "%s /%s is the tree of %s (%s), not of %s", what, path,
                    b->model ? b->model : "another board", board_id_to_string(b->id),
                    board_id_to_string(c->board));
        if (ret_blob)
                *ret_blob = TAKE_PTR(blob);
}

/* A kernel command line: root= is what the kernel cannot guess. */
static void check_cmdline(Ctx *c, const char *file, unsigned line, const char *args)
{
        _cleanup_strv_free_ char **words = NULL;
        bool root = false;

        if (strv_split_whitespace(args, &words) < 0)
                return;
        STRV_FOREACH (w, words)
                if (startswith(*w, "root=") && (*w)[5])
                        root = true;
        if (!root)
                add(c, "error", file, line,
                    "Add root=PARTUUID=... (or root=/dev/mmcblk0p2) with rootwait: without it the "
                    "kernel panics with \"VFS: Unable to mount root fs\".",
                    "the kernel command line has no root=");
}

static void check_overlays_against(Ctx *c, const char *file, unsigned line, const void *base,
                                   const char *base_name, const char *list, const char *conf_dir)
{
        _cleanup_strv_free_ char **ovls = NULL;

        if (strv_split_whitespace(list, &ovls) < 0)
                return;
        STRV_FOREACH (o, ovls) {
                _cleanup_free_ char *rel = uboot_path(conf_dir, *o), *full = NULL, *error = NULL;
                _cleanup_free_ void *blob = NULL;
                size_t size;

                if (!rel || !(full = in_dir(c, rel)))
                        return;
                if (!is_file(full)) {
                        add(c, "error", file, line, "Copy the overlay there or drop it.",
                            "the overlay /%s does not exist", rel);
                        continue;
                }
                if (dt_blob_read_file(full, &blob, &size, &error) < 0) {
                        add(c, "error", file, line, "Rebuild it with dtc -@.", "%s", strna(error));
                        continue;
                }
                if (base) {
                        json_object *fs = json_object_new_array();
                        int k = fs ? dt_overlay_check(base, base_name, blob, rel, fs) : -ENOMEM;

                        for (size_t i = 0; k >= 0 && i < json_object_array_length(fs); i++) {
                                json_object *f = json_object_array_get_idx(fs, i), *fix;
                                const char *sev = json_object_get_string(
                                        json_object_object_get(f, "severity"));

                                add(c, strna(sev), file, line,
                                    json_object_object_get_ex(f, "fix", &fix)
                                            ? json_object_get_string(fix)
                                            : "Run hwctl dt check on the tree and its overlays.",
                                    "%s: %s", rel,
                                    json_object_get_string(json_object_object_get(f, "message")));
                        }
                        json_object_put(fs);
                }
        }
}

/* --- extlinux.conf --- */

typedef struct Label {
        char *name;
        unsigned line;
        char *kernel, *initrd, *fdt, *fdtdir, *append, *overlays;
} Label;

static void label_done(Label *l)
{
        free(l->name);
        free(l->kernel);
        free(l->initrd);
        free(l->fdt);
        free(l->fdtdir);
        free(l->append);
        free(l->overlays);
        *l = (Label){};
}

/* A DTB under dir that is the board's, for FDTDIR (U-Boot appends ${fdtfile} to it). */
static bool board_dtb_under(const Ctx *c, const char *dir, unsigned depth, char **ret)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *e;

        if (!d || depth > BOOT_DEPTH_MAX)
                return false;
        while ((e = readdir(d))) {
                _cleanup_free_ char *p = NULL;
                _cleanup_(board_freep) Board *b = NULL;
                _cleanup_free_ char *error = NULL;

                if (e->d_name[0] == '.')
                        continue;
                p = strdup_printf("%s/%s", dir, e->d_name);
                if (!p)
                        return false;
                if (is_dir(p) && board_dtb_under(c, p, depth + 1, ret))
                        return true;
                if (endswith(e->d_name, ".dtb") && board_detect_from_dtb(p, &b, &error) >= 0 &&
                    b->id == c->board) {
                        *ret = TAKE_PTR(p);
                        return true;
                }
        }
        return false;
}

static void check_label(Ctx *c, const char *file, const char *conf_dir, const Label *l)
{
        _cleanup_free_ void *fdt = NULL;
        _cleanup_free_ char *fdt_rel = NULL;

        if (!l->kernel)
                add(c, "error", file, l->line,
                    "Add LINUX (or KERNEL) with the kernel image's path.",
                    "LABEL %s has no LINUX / KERNEL line: U-Boot has nothing to boot", l->name);
        else {
                _cleanup_free_ char *rel = uboot_path(conf_dir, l->kernel), *full = NULL;
                if (rel && (full = in_dir(c, rel)) && !is_file(full))
                        add(c, "error", file, l->line,
                            "Fix the path (relative to the directory of extlinux.conf, or "
                            "absolute from the partition's root).",
                            "LABEL %s: the kernel /%s does not exist", l->name, rel);
        }
        if (l->initrd) {
                _cleanup_strv_free_ char **parts = NULL;
                _cleanup_free_ char *list = strdup(l->initrd);

                for (char *p = list ? strtok(list, ",") : NULL; p; p = strtok(NULL, ","))
                        if (strv_extend(&parts, p) < 0)
                                break;
                STRV_FOREACH (p, parts) {
                        _cleanup_free_ char *rel = uboot_path(conf_dir, *p), *full = NULL;
                        if (rel && (full = in_dir(c, rel)) && !is_file(full))
                                add(c, "error", file, l->line,
                                    "Fix the path, or drop INITRD if the kernel needs none.",
                                    "LABEL %s: the initrd /%s does not exist", l->name, rel);
                }
        }
        if (l->fdt) {
                fdt_rel = uboot_path(conf_dir, l->fdt);
                if (fdt_rel)
                        check_dtb(c, file, l->line, "FDT", fdt_rel, &fdt);
        } else if (l->fdtdir) {
                _cleanup_free_ char *rel = uboot_path(conf_dir, l->fdtdir), *full = NULL;
                _cleanup_free_ char *found = NULL;

                if (rel && (full = in_dir(c, rel))) {
                        if (!is_dir(full))
                                add(c, "error", file, l->line,
                                    "Point FDTDIR at the directory of the kernel's DTBs.",
                                    "LABEL %s: FDTDIR /%s is not a directory", l->name, rel);
                        else if (c->board != BOARD_GENERIC && !board_dtb_under(c, full, 0, &found))
                                add(c, "error", file, l->line,
                                    "Install the board's DTB there under the name U-Boot's "
                                    "fdtfile gives, or use FDT with its exact path.",
                                    "LABEL %s: FDTDIR /%s holds no tree for %s", l->name, rel,
                                    board_id_to_string(c->board));
                }
        } else
                add(c, "warning", file, l->line,
                    "Add FDT with the exact path of the board's DTB (what the Khadas bring-up "
                    "needs), or FDTDIR.",
                    "LABEL %s has neither FDT nor FDTDIR: U-Boot hands the kernel its own tree, "
                    "which may not be the kernel's",
                    l->name);
        if (!l->append)
                add(c, "error", file, l->line, "Add APPEND root=... rootwait and the console.",
                    "LABEL %s has no APPEND: the kernel gets no root=", l->name);
        else
                check_cmdline(c, file, l->line, l->append);
        if (l->overlays)
                check_overlays_against(c, file, l->line, fdt, fdt_rel, l->overlays, conf_dir);
}

static void check_extlinux(Ctx *c, const char *rel, const char *conf_dir)
{
        _cleanup_free_ char *full = in_dir(c, rel), *text = NULL;
        Label l = {};
        unsigned lineno = 0, labels = 0;
        size_t size;
        int r;

        if (!full)
                return;
        r = read_full_file(full, BOOT_FILE_MAX, &text, &size);
        if (r < 0) {
                add(c, "error", rel, 0, NULL, "cannot read it: %s", strerror(-r));
                return;
        }
        if (!utf8_is_valid_n(text, size) || memchr(text, 0, size)) {
                add(c, "error", rel, 0, "Write it as plain text.",
                    "it is not text (NUL bytes or invalid UTF-8): U-Boot's parser stops at it");
                return;
        }
        for (char *line = text, *next; line && *line; line = next) {
                char *key, *val;

                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                lineno++;
                key = line + strspn(line, " \t");
                if (!*key || *key == '#')
                        continue;
                val = key + strcspn(key, " \t");
                if (*val)
                        *val++ = 0;
                val += strspn(val, " \t");
                for (size_t n = strlen(val);
                     n > 0 && (val[n - 1] == '\r' || val[n - 1] == ' ' || val[n - 1] == '\t');)
                        val[--n] = 0;
                if (strcaseeq(key, "label")) {
                        if (l.name)
                                check_label(c, rel, conf_dir, &l);
                        label_done(&l);
                        /* A name is for a person: long ones are cut. */
                        l.name = *val ? strndup(val, 64) : strdup("(unnamed)");
                        l.line = lineno;
                        labels++;
                        continue;
                }
                if (!l.name)
                        continue; /* DEFAULT, TIMEOUT, MENU ... before the first label */
                char **slot = strcaseeq(key, "kernel") || strcaseeq(key, "linux")     ? &l.kernel
                              : strcaseeq(key, "initrd")                              ? &l.initrd
                              : strcaseeq(key, "fdt") || strcaseeq(key, "devicetree") ? &l.fdt
                              : strcaseeq(key, "fdtdir") || strcaseeq(key, "devicetreedir")
                                      ? &l.fdtdir
                              : strcaseeq(key, "append")      ? &l.append
                              : strcaseeq(key, "fdtoverlays") ? &l.overlays
                                                              : NULL;
                if (slot) {
                        free(*slot);
                        *slot = strdup(val);
                }
        }
        if (l.name)
                check_label(c, rel, conf_dir, &l);
        label_done(&l);
        if (labels == 0)
                add(c, "error", rel, 0, "Add a LABEL with LINUX, FDT and APPEND lines.",
                    "it has no LABEL: U-Boot finds nothing to boot");
}

/* --- U-Boot's runtime overlay helpers --- */

static void check_runtime_overlays(Ctx *c, const char *dir, const char *rel, unsigned depth)
{
        static const char *const why =
                "Remove it and merge the overlays into the tree at build time (hwctl dt check "
                "BASE.dtb OVERLAY.dtbo... -o MERGED.dtb, then FDT pointing at MERGED.dtb): on a "
                "vendor kernel whose tree was built without -@ or already has the overlays "
                "merged, the boot script's fdt apply fails with FDT_ERR_NOTFOUND and then "
                "BADMAGIC, and the board boots without a tree.";
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *e;

        if (!d || depth > BOOT_DEPTH_MAX)
                return;
        while ((e = readdir(d))) {
                _cleanup_free_ char *p = NULL, *r = NULL;

                if (e->d_name[0] == '.')
                        continue;
                p = strdup_printf("%s/%s", dir, e->d_name);
                r = rel ? strdup_printf("%s/%s", rel, e->d_name) : strdup(e->d_name);
                if (!p || !r)
                        return;
                if (is_dir(p)) {
                        if (endswith(e->d_name, ".dtb.overlays"))
                                add(c, "warning", r, 0, why,
                                    "a runtime overlay directory: the boot script applies every "
                                    "overlay in it to the tree at each boot");
                        else
                                check_runtime_overlays(c, p, r, depth + 1);
                        continue;
                }
                if (endswith(e->d_name, ".dtb.overlay.env"))
                        add(c, "warning", r, 0, why,
                            "the overlay list U-Boot's boot script reads for this tree and "
                            "applies at each boot");
                else if (streq(e->d_name, "uEnv.txt"))
                        add(c, "warning", r, 0, why,
                            "an environment U-Boot's boot script imports at each boot "
                            "(overlays=, fdtfile=, bootargs): it overrides extlinux.conf's "
                            "choices");
                else if (streq(e->d_name, "env.txt")) {
                        _cleanup_free_ char *text = NULL;
                        size_t size;

                        if (read_full_file(p, BOOT_FILE_MAX, &text, &size) >= 0 &&
                            memmem(text, size, "overlays=", 9))
                                add(c, "warning", r, 0, why,
                                    "it sets overlays=, which the vendor boot script applies at "
                                    "each boot");
                }
        }
}

/* --- The Raspberry Pi firmware partition --- */

static const struct {
        BoardId id;
        const char *dtb;
} rpi_dtbs[] = {
        {BOARD_RPI_3_B, "bcm2710-rpi-3-b.dtb"},
        {BOARD_RPI_3_B_PLUS, "bcm2710-rpi-3-b-plus.dtb"},
        {BOARD_RPI_3_A_PLUS, "bcm2710-rpi-3-a-plus.dtb"},
        {BOARD_RPI_ZERO_2_W, "bcm2710-rpi-zero-2-w.dtb"},
        {BOARD_RPI_4_B, "bcm2711-rpi-4-b.dtb"},
        {BOARD_RPI_400, "bcm2711-rpi-400.dtb"},
        {BOARD_RPI_CM4, "bcm2711-rpi-cm4.dtb"},
        {BOARD_RPI_5_B, "bcm2712-rpi-5-b.dtb"},
};

static void check_config_txt(Ctx *c, const char *rel)
{
        _cleanup_free_ char *full = in_dir(c, rel), *text = NULL, *dtb_rel = NULL;
        _cleanup_free_ void *base = NULL;
        _cleanup_strv_free_ char **params = NULL;
        unsigned lineno = 0;
        bool active = true, has_overrides = false;
        size_t size;
        int r;

        if (!full)
                return;
        r = read_full_file(full, BOOT_FILE_MAX, &text, &size);
        if (r < 0 || memchr(text, 0, size)) {
                add(c, "error", rel, 0, "Write it as plain text.", "cannot read it as text");
                return;
        }
        /* The DTB the firmware picks: device_tree= wins, else the board's own name. */
        for (char *s = strstr(text, "device_tree="); s; s = NULL) {
                size_t n = strcspn(s + 12, "\r\n \t");
                dtb_rel = strndup(s + 12, n);
        }
        if (!dtb_rel && c->board != BOARD_GENERIC)
                for (size_t i = 0; i < ELEMENTSOF(rpi_dtbs); i++)
                        if (rpi_dtbs[i].id == c->board)
                                dtb_rel = strdup(rpi_dtbs[i].dtb);
        if (dtb_rel) {
                _cleanup_free_ char *dfull = in_dir(c, dtb_rel), *error = NULL;

                if (dfull && !is_file(dfull))
                        add(c, "error", rel, 0,
                            "Copy the board's DTB from the kernel's build (for the Pi firmware: "
                            "the Raspberry Pi kernel's) to the partition's root.",
                            "the firmware loads %s for this board, and the partition has none",
                            dtb_rel);
                else if (dfull && dt_blob_read_file(dfull, &base, &size, &error) < 0)
                        add(c, "error", rel, 0, "Replace it with a DTB built by dtc.", "%s: %s",
                            dtb_rel, strna(error));
        }
        if (base) {
                int ov = fdt_subnode_offset(base, 0, "__overrides__"), prop;

                has_overrides = ov >= 0;
                if (ov >= 0)
                        fdt_for_each_property_offset(prop, base, ov)
                        {
                                const char *name;
                                if (fdt_getprop_by_offset(base, prop, &name, NULL) && name)
                                        (void)strv_extend(&params, name);
                        }
        }

        for (char *line = text, *next; line && *line; line = next) {
                char *s;

                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                lineno++;
                s = line + strspn(line, " \t");
                s[strcspn(s, "#\r")] = 0;
                if (!*s)
                        continue;
                if (s[0] == '[') {
                        /* [all], [piN] and the board's own name apply; other filters are read
                         * as not matching, which is what the firmware does on another board. */
                        active = startswith(s, "[all]") || c->board == BOARD_GENERIC ||
                                 (startswith(s, "[pi4]") &&
                                  (c->board == BOARD_RPI_4_B || c->board == BOARD_RPI_400 ||
                                   c->board == BOARD_RPI_CM4)) ||
                                 (startswith(s, "[pi3]") &&
                                  (c->board == BOARD_RPI_3_B || c->board == BOARD_RPI_3_B_PLUS ||
                                   c->board == BOARD_RPI_3_A_PLUS)) ||
                                 (startswith(s, "[pi5]") && c->board == BOARD_RPI_5_B) ||
                                 (startswith(s, "[pi02]") && c->board == BOARD_RPI_ZERO_2_W);
                        continue;
                }
                if (!active)
                        continue;
                if (startswith(s, "dtoverlay=")) {
                        _cleanup_free_ char *name = strndup(s + 10, strcspn(s + 10, ", \t")),
                                            *orel = NULL;
                        if (!name || !*name)
                                continue;
                        orel = strdup_printf("overlays/%s.dtbo", name);
                        if (orel) {
                                _cleanup_free_ char *ofull = in_dir(c, orel);
                                if (ofull && !is_file(ofull))
                                        add(c, "error", rel, lineno,
                                            "Copy the overlay into overlays/ (from the same kernel "
                                            "build as the DTB), or drop the line.",
                                            "dtoverlay=%s: overlays/%s.dtbo does not exist; the "
                                            "firmware skips it and boots without it",
                                            name, name);
                                else if (orel)
                                        check_overlays_against(c, rel, lineno, base, dtb_rel, orel,
                                                               "");
                        }
                } else if (startswith(s, "dtparam=") && base) {
                        char *p = s + 8;

                        for (char *one = strtok(p, ","); one; one = strtok(NULL, ",")) {
                                _cleanup_free_ char *name = strndup(one, strcspn(one, "= \t"));

                                if (!name || !*name || strv_contains(params, name))
                                        continue;
                                add(c, "error", rel, lineno,
                                    has_overrides
                                            ? "Check the parameter's name in the tree's "
                                              "__overrides__, or drop the line."
                                            : "This is an upstream kernel's tree, which has no "
                                              "parameters: enable the node with an overlay, or "
                                              "use the Raspberry Pi kernel's DTB.",
                                    "dtparam=%s: %s %s", name, strna(dtb_rel),
                                    has_overrides ? "has no such parameter"
                                                  : "has no __overrides__, so the firmware "
                                                    "ignores every dtparam= on it");
                        }
                }
        }
}

static void check_cmdline_txt(Ctx *c, const char *rel)
{
        _cleanup_free_ char *full = in_dir(c, rel), *text = NULL;
        size_t size;

        if (!full || read_full_file(full, BOOT_FILE_MAX, &text, &size) < 0)
                return;
        if (memchr(text, 0, size) || strchr(text, '\n') != strrchr(text, '\n'))
                add(c, "warning", rel, 0, "Keep the whole command line on one line.",
                    "cmdline.txt has more than one line: the firmware reads only the first");
        text[strcspn(text, "\n")] = 0;
        check_cmdline(c, rel, 1, text);
}

static void help(void)
{
        printf("Usage: hwctl boot-check DIR [--board ID] [--json]\n\n"
               "Checks a boot partition or an image tree as the builder has it, the way the\n"
               "boot loader will read it: extlinux.conf (also under boot/) with every LABEL's\n"
               "LINUX, INITRD, FDT / FDTDIR and FDTOVERLAYS resolved as U-Boot resolves them,\n"
               "the FDT a valid tree of the board (--board), APPEND with root=; U-Boot's\n"
               "runtime overlay helpers (uEnv.txt, *.dtb.overlay.env, *.dtb.overlays/, env.txt\n"
               "with overlays=); a Raspberry Pi firmware partition (config.txt's dtoverlay= and\n"
               "dtparam= against the DTB the firmware picks, cmdline.txt). Each finding has a\n"
               "severity and a fix.\n\n"
               "Options:\n"
               "  --board ID  the board the image is for (rpi-4-b, khadas-vim1s, ...)\n"
               "  --json      the findings as JSON\n\n"
               "Exit status: 0 no error (warnings allowed), 1 an error, 2 usage.\n");
}

int cmd_boot_check(int argc, char *argv[])
{
        static const struct option options[] = {
                {"board", required_argument, NULL, 'b'},
                {"json", no_argument, NULL, 'j'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        _cleanup_(json_object_putp) json_object *doc = NULL;
        Ctx c = {.board = BOARD_GENERIC};
        bool any = false;
        int opt;

        while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (opt) {
                case 'b':
                        c.board = board_id_from_string(optarg);
                        if ((int)c.board < 0 || c.board == BOARD_GENERIC)
                                return usage_error("boot-check: unknown board '%s'", optarg);
                        break;
                case 'j':
                        arg.json = true;
                        break;
                case 'h':
                        help();
                        return EXIT_ALL_FINE;
                default:
                        return EXIT_USAGE;
                }
        if (optind + 1 != argc)
                return usage_error("boot-check: give one directory (the boot partition or the "
                                   "image's root)");
        c.dir = argv[optind];
        if (!is_dir(c.dir)) {
                fprintf(stderr, "hwctl: %s is not a directory\n", c.dir);
                return EXIT_USAGE;
        }
        doc = json_object_new_object();
        c.findings = json_object_new_array();
        if (!doc || !c.findings) {
                json_object_put(c.findings);
                return EXIT_NEEDS_ATTENTION;
        }
        json_object_object_add(doc, "findings", c.findings);

        static const struct {
                const char *conf, *dir;
        } extlinux[] = {{"extlinux/extlinux.conf", "/extlinux"},
                        {"boot/extlinux/extlinux.conf", "/boot/extlinux"}};
        for (size_t i = 0; i < ELEMENTSOF(extlinux); i++) {
                _cleanup_free_ char *p = in_dir(&c, extlinux[i].conf);
                if (p && is_file(p)) {
                        check_extlinux(&c, extlinux[i].conf, extlinux[i].dir);
                        any = true;
                }
        }
        check_runtime_overlays(&c, c.dir, NULL, 0);
        {
                _cleanup_free_ char *cfg = in_dir(&c, "config.txt"),
                                    *cmd = in_dir(&c, "cmdline.txt");
                if (cfg && is_file(cfg)) {
                        check_config_txt(&c, "config.txt");
                        any = true;
                }
                if (cmd && is_file(cmd)) {
                        check_cmdline_txt(&c, "cmdline.txt");
                        any = true;
                }
        }
        if (!any)
                add(&c, "error", NULL, 0,
                    "Give the boot partition's directory (with extlinux/extlinux.conf, or the Pi "
                    "firmware's config.txt), or the image's root (boot/extlinux/extlinux.conf).",
                    "%s has no extlinux.conf (extlinux/ or boot/extlinux/) and no config.txt: "
                    "nothing a boot loader reads",
                    c.dir);
        details_add_str(doc, "dir", c.dir);
        details_add_int(doc, "errors", c.errors);
        details_add_int(doc, "warnings", c.warnings);

        if (arg.json) {
                print_json(doc);
                return c.errors ? EXIT_NEEDS_ATTENTION : EXIT_ALL_FINE;
        }
        for (size_t i = 0; i < json_object_array_length(c.findings); i++) {
                json_object *f = json_object_array_get_idx(c.findings, i), *v;
                const char *sev = json_object_get_string(json_object_object_get(f, "severity"));
                _cleanup_free_ char *where = NULL, *msg = text_for_terminal(json_object_get_string(
                                                           json_object_object_get(f, "message")));

                if (json_object_object_get_ex(f, "file", &v)) {
                        json_object *l;
                        where = json_object_object_get_ex(f, "line", &l)
                                        ? strdup_printf("%s:%d: ", json_object_get_string(v),
                                                        json_object_get_int(l))
                                        : strdup_printf("%s: ", json_object_get_string(v));
                }
                _cleanup_free_ char *shown = text_for_terminal(where);
                printf("%s%s%s%s: %s\n", strempty(shown),
                       color_on(streq_ptr(sev, "error") ? COLOR_RED : COLOR_YELLOW), strna(sev),
                       color_off(), strna(msg));
                if (json_object_object_get_ex(f, "fix", &v)) {
                        _cleanup_free_ char *fix = text_for_terminal(json_object_get_string(v));
                        printf("    fix: %s\n", strna(fix));
                }
        }
        printf("%s: %d error(s), %d warning(s)\n", c.dir, c.errors, c.warnings);
        return c.errors ? EXIT_NEEDS_ATTENTION : EXIT_ALL_FINE;
}
