/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device tree overlays checked against a base before libfdt applies them, then applied. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

/* What one overlay asks of a base, resolved against it: every __fixups__ label against the
 * base's __symbols__, every fragment's target / target-path against its nodes, with the closest
 * labels and the known fixes for labels that moved. Both blobs must have passed
 * dt_blob_validate_copy(). Adds one object per finding to findings ({"overlay", "severity"
 * "error" or "warning", "kind", "fragment", "label", "path", "message", "fix", "closest"}, the
 * unknown ones left out). Returns the number of errors found, or -ENOMEM. */
int dt_overlay_check(const void *base, const char *base_name, const void *overlay,
                     const char *overlay_name, json_object *findings);

/* The overlay's parameter names (its __overrides__ properties), NULL-terminated; -ENOENT when it
 * has none. */
int dt_overlay_parameters(const void *overlay, char ***ret);

typedef struct DtOverlayBlob {
        const char *name;
        const void *blob;
        size_t size;
} DtOverlayBlob;

/* Applies the overlays in order to a copy of base (fdt_open_into() with room for all of them;
 * libfdt poisons both blobs on an error, so it works on copies). On success *ret is the packed
 * merged tree. On failure *ret_failed is the index of the overlay libfdt refused and
 * *ret_error its sentence. */
int dt_overlay_merge(const void *base, size_t base_size, const DtOverlayBlob *overlays, size_t n,
                     void **ret, size_t *ret_size, size_t *ret_failed, char **ret_error);
