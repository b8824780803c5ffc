/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private helpers over a validated flattened device tree: checked property access and loading. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits on what we accept from outside. A real board's tree is well under 1 MiB. */
#define DT_BLOB_SIZE_MAX    (16U * 1024U * 1024U)
#define DT_PROP_SIZE_MAX    (1U * 1024U * 1024U)
#define DT_DEPTH_MAX        64
#define DT_PATH_MAX         1024
#define DT_GPIO_CELLS_MAX   8
#define DT_STRV_ENTRIES_MAX 4096

/* Loading: each returns a malloc'd, 8-byte aligned copy that passed fdt_check_full(). On failure
 * *ret_error (when not NULL) gets a sentence for a person. */
int dt_blob_validate_copy(const void *data, size_t size, const char *what, void **ret,
                          size_t *ret_size, char **ret_error);
int dt_blob_read_file(const char *path, void **ret, size_t *ret_size, char **ret_error);
/* Reads <sysroot>/proc/device-tree into a blob. -ENOENT (with a sentence) when there is none. On
 * success *ret_notes gets sentences about entries that were skipped (symlinks, special files). */
int dt_live_read(const char *sysroot, void **ret, size_t *ret_size, char ***ret_notes,
                 char **ret_error);

/* A string property that is NUL-terminated, non-empty and printable ASCII; NULL otherwise. When
 * the property exists but is malformed, *ret_malformed (if given) is set to true. */
const char *dt_prop_string(const void *fdt, int node, const char *name, bool *ret_malformed);
/* A string list (compatible, gpio-line-names, ...). -ENOENT when absent, -EBADMSG when not a
 * proper list, -ENOMEM. With allow_empty, empty entries are kept as "". */
int dt_prop_strv(const void *fdt, int node, const char *name, bool allow_empty, char ***ret);
/* Raw cells: length must be a multiple of 4. -ENOENT, -EBADMSG. */
int dt_prop_cells(const void *fdt, int node, const char *name, const uint8_t **ret, size_t *ret_n);
int dt_prop_u32(const void *fdt, int node, const char *name, uint32_t *ret);
bool dt_prop_exists(const void *fdt, int node, const char *name);
static inline uint32_t dt_cell(const uint8_t *cells, size_t i)
{
        const uint8_t *p = cells + 4 * i;
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Nodes. */
char *dt_node_path(const void *fdt, int node);         /* malloc'd; NULL on error */
const char *dt_node_name(const void *fdt, int node);   /* "serial@7e201000"; "" for root */
const char *dt_node_status(const void *fdt, int node); /* validated, NULL when absent/bad */
bool dt_node_enabled(const void *fdt, int node);       /* status absent, "okay" or "ok" */
bool dt_node_is_compatible(const void *fdt, int node, const char *compat);
bool dt_node_compatible_prefix(const void *fdt, int node, const char *prefix);
/* First compatible entry, validated; NULL when none. */
const char *dt_node_first_compatible(const void *fdt, int node);
int dt_node_parent(const void *fdt, int node);
/* Only absolute paths: a relative one would make libfdt resolve aliases, possibly in a loop. */
int dt_path_offset(const void *fdt, const char *path);
/* 0 is never a valid phandle, nor is 0xffffffff. */
int dt_node_by_phandle(const void *fdt, uint32_t phandle);
/* The first alias under /aliases whose name starts with prefix and points at node. */
int dt_alias_for_node(const void *fdt, int node, const char *prefix, char **ret);
/* The label of node from /__symbols__, if the tree was compiled with them. */
int dt_label_for_node(const void *fdt, int node, char **ret);
/* Iterates all nodes in tree order; returns the next node offset or a negative libfdt error. */
int dt_next_node(const void *fdt, int node);

/* Picking one node among candidates the same way everywhere: the highest rank wins, and of equal
 * ranks the node whose path sorts first, so that the choice does not depend on the order of
 * nodes in the blob (a live tree lists them by name, a DTB in source order). */
typedef struct DtBest {
        int node; /* the best so far, -1 for none */
        int rank;
        char path[DT_PATH_MAX];
} DtBest;

#define DT_BEST_INIT                                                                               \
        {                                                                                          \
                .node = -1, .rank = -1                                                             \
        }

/* Offers node at rank; true when it became the best. A node without a path is never taken. */
bool dt_best_offer(DtBest *best, const void *fdt, int node, int rank);
