/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Board detection entry points: from a DTB file, a blob in memory, or the live device tree. */
#include <inttypes.h>
#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>

#include "board-private.h"
#include "dt.h"

int board_add_finding(Board *b, const char *fmt, ...)
{
        char *s = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        if (strv_contains(b->findings, s)) {
                free(s);
                return 0;
        }
        return strv_push(&b->findings, s);
}

static void gpio_ref_done(BoardGpioRef *g)
{
        free(g->controller_path);
}

Board *board_free(Board *b)
{
        if (!b)
                return NULL;
        free(b->model);
        strv_free(b->compatible);
        free(b->soc);
        free(b->serial);
        free(b->bluetooth.uart_path);
        free(b->bluetooth.uart_compatible);
        free(b->bluetooth.uart_status);
        free(b->bluetooth.uart_alias);
        free(b->bluetooth.uart_label);
        free(b->bluetooth.node_path);
        free(b->bluetooth.compatible);
        free(b->bluetooth.node_status);
        free(b->bluetooth.pins_evidence);
        gpio_ref_done(&b->bluetooth.shutdown_gpio);
        gpio_ref_done(&b->bluetooth.reset_gpio);
        gpio_ref_done(&b->bluetooth.wakeup_gpio);
        free(b->bluetooth.chip);
        for (size_t i = 0; i < b->n_audio; i++) {
                free(b->audio[i].path);
                free(b->audio[i].compatible);
                free(b->audio[i].kind);
        }
        free(b->audio);
        free(b->gpio.controller_path);
        free(b->gpio.compatible);
        free(b->gpio.chip_label);
        strv_free(b->gpio.line_names);
        strv_free(b->findings);
        free(b);
        return NULL;
}

Board *board_new(void)
{
        Board *b = calloc(1, sizeof(Board));

        if (!b)
                return NULL;
        b->bluetooth.pins_rtscts = TRISTATE_UNKNOWN;
        b->headphone_jack = TRISTATE_UNKNOWN;
        b->compatible = calloc(1, sizeof(char *));
        b->findings = calloc(1, sizeof(char *));
        if (!b->compatible || !b->findings)
                return board_free(b);
        return b;
}

static int root_facts(const void *fdt, Board *b)
{
        bool malformed = false;
        const char *model;
        char **compat = NULL;
        int r;

        model = dt_prop_string(fdt, 0, "model", &malformed);
        if (model) {
                if (!(b->model = strdup(model)))
                        return -ENOMEM;
        } else {
                r = board_add_finding(b, malformed ? "The root model property is not a printable "
                                                     "string; it is ignored."
                                                   : "The device tree has no model property.");
                if (r < 0)
                        return r;
        }

        r = dt_prop_strv(fdt, 0, "compatible", false, &compat);
        if (r == -ENOMEM)
                return r;
        if (r == -ENOENT)
                return board_add_finding(b, "The device tree's root has no compatible property, so "
                                            "the board cannot be identified.");
        if (r < 0)
                return board_add_finding(b, "The root compatible property is not a list of "
                                            "printable strings, so the board cannot be "
                                            "identified.");
        strv_free(b->compatible);
        b->compatible = compat;
        return 0;
}

/* The serial number: the root serial-number string, or the Pi firmware's /system/linux,serial
 * (two cells), printed as 16 hex digits like /proc/cpuinfo's "Serial". */
static int serial_and_revision(const void *fdt, Board *b)
{
        bool malformed = false;
        const char *serial;
        const uint8_t *cells;
        uint32_t code;
        size_t n;
        int system, r;

        serial = dt_prop_string(fdt, 0, "serial-number", &malformed);
        if (malformed) {
                r = board_add_finding(b, "The root serial-number property is not a printable "
                                         "string; it is ignored.");
                if (r < 0)
                        return r;
        }
        if (serial && !(b->serial = strdup(serial)))
                return -ENOMEM;

        system = fdt_path_offset(fdt, "/system");
        if (system < 0)
                return 0;
        r = dt_prop_cells(fdt, system, "linux,serial", &cells, &n);
        if (r >= 0 && (n == 1 || n == 2)) {
                uint64_t v = n == 2 ? (uint64_t)dt_cell(cells, 0) << 32 | dt_cell(cells, 1)
                                    : dt_cell(cells, 0);
                if (!b->serial && !(b->serial = strdup_printf("%016" PRIx64, v)))
                        return -ENOMEM;
        } else if (r != -ENOENT) {
                r = board_add_finding(b, "/system/linux,serial is not one or two cells; it is "
                                         "ignored.");
                if (r < 0)
                        return r;
        }
        r = dt_prop_u32(fdt, system, "linux,revision", &code);
        if (r >= 0)
                rpi_revision_decode(code, &b->revision);
        else if (r != -ENOENT)
                return board_add_finding(b, "/system/linux,revision is not a single cell; it is "
                                            "ignored.");
        else
                return 0;
        if (!b->revision.type)
                return board_add_finding(b,
                                         "The revision code 0x%06" PRIx32 " names no board "
                                         "type this program knows.",
                                         code);
        return 0;
}

/* Detection over a blob that passed fdt_check_full(). */
static int board_detect_fdt(const void *fdt, char **notes, Board **ret)
{
        _cleanup_(board_freep) Board *b = board_new();
        const BoardInfo *info = NULL;
        int r;

        if (!b)
                return -ENOMEM;
        STRV_FOREACH (n, notes) {
                r = board_add_finding(b, "%s", *n);
                if (r < 0)
                        return r;
        }
        r = root_facts(fdt, b);
        if (r >= 0)
                r = serial_and_revision(fdt, b);
        if (r >= 0)
                r = board_identify(fdt, b, &info);
        if (r >= 0)
                r = board_detect_bluetooth(fdt, b, info);
        if (r >= 0)
                r = board_detect_audio(fdt, b, info);
        if (r >= 0)
                r = board_detect_gpio(fdt, b, info);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(b);
        return 0;
}

int board_detect_from_blob(const void *blob, size_t size, Board **ret, char **ret_error)
{
        _cleanup_free_ void *copy = NULL;
        size_t n;
        int r;

        r = dt_blob_validate_copy(blob, size, "The device tree blob", &copy, &n, ret_error);
        if (r < 0)
                return r;
        return board_detect_fdt(copy, NULL, ret);
}

int board_detect_from_dtb(const char *path, Board **ret, char **ret_error)
{
        _cleanup_free_ void *blob = NULL;
        size_t n;
        int r;

        if (!path)
                return -EINVAL;
        r = dt_blob_read_file(path, &blob, &n, ret_error);
        if (r < 0)
                return r;
        return board_detect_fdt(blob, NULL, ret);
}

int board_detect_from_live(const char *sysroot, Board **ret, char **ret_error)
{
        _cleanup_strv_free_ char **notes = NULL;
        _cleanup_free_ char *error = NULL;
        _cleanup_free_ void *blob = NULL;
        size_t n;
        int r;

        r = dt_live_read(sysroot, &blob, &n, &notes, &error);
        if (r == -ENOENT) {
                /* An x86 machine, a VM: not an error, just nothing to detect. */
                _cleanup_(board_freep) Board *b = board_new();

                if (!b)
                        return -ENOMEM;
                r = board_add_finding(b, "%s This machine is treated as a generic board.",
                                      error ? error : "There is no device tree.");
                if (r < 0)
                        return r;
                *ret = TAKE_PTR(b);
                return 0;
        }
        if (r < 0) {
                if (ret_error)
                        *ret_error = error ? TAKE_PTR(error)
                                           : strdup("Cannot read the live device tree.");
                return r;
        }
        return board_detect_fdt(blob, notes, ret);
}
