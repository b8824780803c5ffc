/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test tool: lays a DTB out as the kernel shows a live tree (/proc/device-tree), for fixture sysroots. */
#include <errno.h>
#include <fcntl.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static int write_property(const char *dir, const char *name, const void *data, int len)
{
        _cleanup_free_ char *path = strdup_printf("%s/%s", dir, name);
        _cleanup_close_ int fd = -EBADF;

        if (!path)
                return -ENOMEM;
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0444);
        if (fd < 0)
                return -errno;
        if (len > 0 && write(fd, data, (size_t)len) != len)
                return -EIO;
        return 0;
}

/* The kernel names the root directory "base" and child directories "name@unit". */
static int write_node(const void *fdt, int node, const char *dir)
{
        int prop, child, r;

        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return -errno;
        /* The live tree shows the node name as a "name" property only on old kernels; skip. */
        fdt_for_each_property_offset(prop, fdt, node) {
                const char *pname;
                int len;
                const void *data = fdt_getprop_by_offset(fdt, prop, &pname, &len);
                if (!data)
                        return -EBADMSG;
                r = write_property(dir, pname, data, len);
                if (r < 0)
                        return r;
        }
        fdt_for_each_subnode(child, fdt, node) {
                const char *cname = fdt_get_name(fdt, child, NULL);
                _cleanup_free_ char *sub = NULL;
                if (!cname)
                        return -EBADMSG;
                sub = strdup_printf("%s/%s", dir, cname);
                if (!sub)
                        return -ENOMEM;
                r = write_node(fdt, child, sub);
                if (r < 0)
                        return r;
        }
        return 0;
}

int main(int argc, char *argv[])
{
        _cleanup_free_ char *blob = NULL, *proc = NULL, *base = NULL;
        size_t size;
        int r;

        if (argc != 3) {
                fprintf(stderr, "Usage: dtb-to-fs FILE.dtb SYSROOT\n"
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
        base = strdup_printf("%s/sys/firmware/devicetree/base", argv[2]);
        proc = strdup_printf("%s/proc/device-tree", argv[2]);
        if (!base || !proc || mkdir_parents(base, 0755) < 0 || mkdir_parents(proc, 0755) < 0) {
                fprintf(stderr, "dtb-to-fs: cannot create directories under %s\n", argv[2]);
                return 1;
        }
        r = write_node(blob, 0, base);
        if (r < 0) {
                fprintf(stderr, "dtb-to-fs: cannot write the tree: %s\n", strerror(-r));
                return 1;
        }
        (void)unlink(proc);
        if (symlink("../sys/firmware/devicetree/base", proc) < 0) {
                fprintf(stderr, "dtb-to-fs: cannot link %s: %s\n", proc, strerror(errno));
                return 1;
        }
        return 0;
}
