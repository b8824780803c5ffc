/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /proc/self/mountinfo as the rootfs probe reads it to find the device under "/" (the scratch
 * directory's sys/ is empty, so the search ends there). */
#include "fuzz.h"
#include "rootfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *proc = NULL, *sys = NULL, *dev = NULL;
        RootfsLocation l = {};
        RootfsDisk d = {};

        fuzz_put("proc/self/mountinfo", data, size);
        proc = strdup_printf("%s/proc", fuzz_scratch());
        sys = strdup_printf("%s/sys", fuzz_scratch());
        dev = strdup_printf("%s/dev", fuzz_scratch());
        FUZZ_ASSERT(proc && sys && dev);
        RootfsPaths p = {.proc = proc, .sys = sys, .dev = dev};
        (void)rootfs_locate(&p, "/", &l, &d);
        rootfs_location_done(&l);
        return 0;
}
