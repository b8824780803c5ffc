/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A live device tree (/proc/device-tree: a directory per node, a file per property) from a
 * serialised directory image, then board detection on it. The image is a sequence of entries:
 *
 *     kind (1 byte: even a property file, odd a node directory, 0xff a symlink)
 *     path length (1 byte), path (relative to the tree; "/" separates nodes)
 *     for a file or symlink: content length (2 bytes, big-endian), content
 *
 * Paths with ".." or an empty component are skipped; each run starts from an empty tree. */
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board.h"
#include "fuzz.h"

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)flag;
        (void)ftw;
        (void)remove(path);
        return 0;
}

static bool path_is_tame(const char *p)
{
        if (!*p || *p == '/' || strstr(p, "//") || p[strlen(p) - 1] == '/')
                return false;
        for (const char *c = p; c; c = strchr(c, '/')) {
                c += *c == '/';
                if (startswith(c, "..") && (c[2] == '/' || !c[2]))
                        return false;
                if (startswith(c, ".") && (c[1] == '/' || !c[1]))
                        return false;
        }
        return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *tree = strdup_printf("%s/proc/device-tree", fuzz_scratch());
        const uint8_t *p = data, *end = data + size;
        Board *b = NULL;
        char *error = NULL;

        FUZZ_ASSERT(tree);
        (void)nftw(tree, remove_one, 16, FTW_DEPTH | FTW_PHYS);
        FUZZ_ASSERT(mkdir_parents(tree, 0755) >= 0 && (mkdir(tree, 0755) == 0 || errno == EEXIST));
        while (end - p >= 2) {
                uint8_t kind = p[0], len = p[1];
                char name[256], full[512];
                uint16_t n = 0;

                p += 2;
                if (end - p < len)
                        break;
                memcpy(name, p, len);
                name[len] = 0;
                p += len;
                if (kind % 2 == 0 || kind == 0xff) {
                        if (end - p < 2)
                                break;
                        n = (uint16_t)(p[0] << 8 | p[1]);
                        p += 2;
                        if (end - p < n)
                                n = (uint16_t)(end - p);
                }
                if (strlen(name) != len || !path_is_tame(name)) {
                        p += n;
                        continue;
                }
                snprintf(full, sizeof(full), "%s/%s", tree, name);
                (void)mkdir_parents(full, 0755);
                if (kind == 0xff) {
                        char target[256];
                        size_t k = n < sizeof(target) - 1 ? n : sizeof(target) - 1;
                        memcpy(target, p, k);
                        target[k] = 0;
                        (void)symlink(target, full);
                } else if (kind % 2) {
                        (void)mkdir(full, 0755);
                } else {
                        FILE *f = fopen(full, "we");
                        if (f) {
                                fwrite(p, 1, n, f);
                                fclose(f);
                        }
                }
                p += n;
        }
        if (board_detect_from_live(fuzz_scratch(), &b, &error) >= 0) {
                json_object *j = board_to_json(b);
                FUZZ_ASSERT(j && json_object_to_json_string(j));
                json_object_put(j);
        }
        board_free(b);
        free(error);
        return 0;
}
