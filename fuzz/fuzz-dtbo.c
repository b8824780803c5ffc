/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An overlay blob, as hwctl dt check reads one: resolved against a base, then, when it resolves,
 * applied by libfdt; a merged tree must be a valid tree. The base is built here, with labels,
 * phandles, an alias and the broken __symbols__ entries the checker must survive. */
#include <libfdt.h>

#include "dt-overlay.h"
#include "dt.h"
#include "fuzz.h"

static char base[4096];

static void build_base(void)
{
        const fdt32_t one = cpu_to_fdt32(1), two = cpu_to_fdt32(2);

        FUZZ_ASSERT(fdt_create(base, sizeof(base)) == 0);
        FUZZ_ASSERT(fdt_finish_reservemap(base) == 0);
        FUZZ_ASSERT(fdt_begin_node(base, "") == 0);
        FUZZ_ASSERT(fdt_property_string(base, "compatible", "brcm,bcm2711") == 0);
        FUZZ_ASSERT(fdt_begin_node(base, "soc") == 0);
        FUZZ_ASSERT(fdt_begin_node(base, "i2s@7e203000") == 0);
        FUZZ_ASSERT(fdt_property_string(base, "status", "disabled") == 0);
        FUZZ_ASSERT(fdt_property(base, "phandle", &one, sizeof(one)) == 0);
        FUZZ_ASSERT(fdt_end_node(base) == 0);
        FUZZ_ASSERT(fdt_begin_node(base, "gpio@7e200000") == 0);
        FUZZ_ASSERT(fdt_property(base, "phandle", &two, sizeof(two)) == 0);
        FUZZ_ASSERT(fdt_end_node(base) == 0);
        FUZZ_ASSERT(fdt_end_node(base) == 0);
        FUZZ_ASSERT(fdt_begin_node(base, "aliases") == 0);
        FUZZ_ASSERT(fdt_property_string(base, "i2s", "/soc/i2s@7e203000") == 0);
        FUZZ_ASSERT(fdt_end_node(base) == 0);
        FUZZ_ASSERT(fdt_begin_node(base, "__symbols__") == 0);
        FUZZ_ASSERT(fdt_property_string(base, "i2s", "/soc/i2s@7e203000") == 0);
        FUZZ_ASSERT(fdt_property_string(base, "gpio", "/soc/gpio@7e200000") == 0);
        FUZZ_ASSERT(fdt_property_string(base, "soc", "/soc") == 0);         /* no phandle */
        FUZZ_ASSERT(fdt_property_string(base, "gone", "/soc/gone@0") == 0); /* dangling */
        FUZZ_ASSERT(fdt_property_string(base, "relative", "soc/i2s") == 0); /* not a path */
        FUZZ_ASSERT(fdt_end_node(base) == 0);
        FUZZ_ASSERT(fdt_end_node(base) == 0);
        FUZZ_ASSERT(fdt_finish(base) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static bool built;
        _cleanup_free_ void *ovl = NULL, *merged = NULL, *again = NULL;
        _cleanup_free_ char *error = NULL;
        json_object *findings;
        size_t ovl_size, merged_size, again_size, failed;
        int r;

        if (!built) {
                build_base();
                built = true;
        }
        if (dt_blob_validate_copy(data, size, "the overlay", &ovl, &ovl_size, &error) < 0) {
                FUZZ_ASSERT(error);
                return 0;
        }
        findings = json_object_new_array();
        FUZZ_ASSERT(findings);
        r = dt_overlay_check(base, "base", ovl, "the overlay", findings);
        FUZZ_ASSERT(r >= 0);
        FUZZ_ASSERT(json_object_to_json_string(findings));
        if (r == 0) {
                DtOverlayBlob b = {.name = "the overlay", .blob = ovl, .size = ovl_size};

                free(error);
                error = NULL;
                r = dt_overlay_merge(base, fdt_totalsize(base), &b, 1, &merged, &merged_size,
                                     &failed, &error);
                if (r >= 0) {
                        free(error);
                        error = NULL;
                        FUZZ_ASSERT(dt_blob_validate_copy(merged, merged_size, "merged", &again,
                                                          &again_size, &error) >= 0);
                } else
                        FUZZ_ASSERT(r == -ENOMEM || error);
        }
        json_object_put(findings);
        return 0;
}
