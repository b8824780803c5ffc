/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test tool: lays a DTB out as the kernel shows a live tree, for the sysroots of scripts and the
 * demo. */
#include <libfdt.h>
#include <stdio.h>

#include "dt-fs-writer.h"
#include "util.h"

int main(int argc, char *argv[])
{
        _cleanup_free_ char *blob = NULL;
        size_t size;
        int r;

        if (argc != 3) {
                fprintf(stderr,
                        "Usage: dtb-to-fs FILE.dtb SYSROOT\n"
                        "Writes SYSROOT/sys/firmware/devicetree/base from FILE.dtb and links\n"
                        "SYSROOT/proc/device-tree to it, as the kernel does.\n");
                return 2;
        }
        r = read_full_file(argv[1], 16 * 1024 * 1024, &blob, &size);
        if (r < 0) {
                fprintf(stderr, "dtb-to-fs: cannot read %s: %s\n", argv[1], strerror(-r));
                return 1;
        }
        if (size < sizeof(struct fdt_header) || fdt_check_full(blob, size) != 0) {
                fprintf(stderr, "dtb-to-fs: %s is not a valid DTB\n", argv[1]);
                return 1;
        }
        r = dt_fs_make_sysroot(blob, argv[2]);
        if (r < 0) {
                fprintf(stderr, "dtb-to-fs: cannot write the tree under %s: %s\n", argv[2],
                        strerror(-r));
                return 1;
        }
        return 0;
}
