/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The per-interface IPv4 sysctls hwctld sets for multi-uplink boards, and their restoration.
 *
 * rp_filter=2 (loose) on every managed uplink, because strict mode checks the source against
 * the main table and drops replies that policy routing sends back correctly. arp_ignore=1 and
 * arp_announce=2 on uplinks sharing a subnet, so only the interface owning an address answers
 * ARP for it (no ARP flux); ignore_routes_with_linkdown=1 on every candidate link that shares a
 * subnet with another, carrier or not, so the subnet's route of one that lost carrier but kept
 * its address is passed over. Only per-interface files are
 * written; the first value seen is kept and written back when hwctld stops managing the interface
 * or stops altogether. */
#include <fcntl.h>
#include <stdio.h>

#include "network.h"

typedef struct SysctlEntry {
        char *path;
        char *original;
        char ifname[IFNAMSIZ];
        const char *key;
        bool wanted;
} SysctlEntry;

struct SysctlSaved {
        SysctlEntry *entries;
        size_t n_entries;
        char *root;       /* the sysroot state_file is inside */
        char *state_file; /* the originals, so a restart after a crash still restores them */
        bool dirty;
};

static void save_originals(SysctlSaved *s)
{
        _cleanup_free_ char *text = strdup("");

        if (!s->state_file || !s->dirty)
                return;
        for (size_t i = 0; text && i < s->n_entries; i++) {
                char *n = strdup_printf("%s%s %s %s %s\n", text, s->entries[i].path,
                                        s->entries[i].ifname, s->entries[i].key,
                                        s->entries[i].original);
                free(text);
                text = n;
        }
        if (text && write_file_atomic_in(s->root, s->state_file, text, strlen(text), 0644) >= 0)
                s->dirty = false;
}

static const char *key_static(const char *k)
{
        static const char *const keys[] = {"rp_filter", "arp_ignore", "arp_announce",
                                           "ignore_routes_with_linkdown"};

        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (streq(keys[i], k))
                        return keys[i];
        return NULL;
}

/* A value hwctld could have read from one of its keys: a small decimal number. */
static bool value_is_valid(const char *v)
{
        size_t n = strlen(v);
        return n > 0 && n <= 3 && strspn(v, "0123456789") == n;
}

int sysctl_saved_new(const char *root, const char *state_file, const char *base, SysctlSaved **ret)
{
        SysctlSaved *s = calloc(1, sizeof(SysctlSaved));
        _cleanup_free_ char *text = NULL;
        char *save = NULL;

        if (!s)
                return -ENOMEM;
        s->state_file = strdup(state_file);
        s->root = strdup(root ? root : "/");
        if (!s->state_file || !s->root) {
                free(s->state_file);
                free(s->root);
                free(s);
                return -ENOMEM;
        }
        /* Lines "path ifname key value" left by an hwctld that did not stop cleanly. The file
         * is under /run, where it could have been edited: the stored path is never used (it
         * would let a restore write anywhere); the path is rebuilt from a valid interface
         * name and one of our keys, and the value must look like one of theirs. */
        if (read_full_file(state_file, 64 * 1024, &text, NULL) >= 0)
                for (char *line = strtok_r(text, "\n", &save); line;
                     line = strtok_r(NULL, "\n", &save)) {
                        char stored[256], ifname[IFNAMSIZ], key[16], value[32];
                        _cleanup_free_ char *path = NULL;
                        const char *k;
                        if (sscanf(line, "%255s %15s %15s %31s", stored, ifname, key, value) != 4 ||
                            !(k = key_static(key)) || !config_ifname_is_valid(ifname) ||
                            !value_is_valid(value))
                                continue;
                        path = strdup_printf("%s/%s/%s", base, ifname, k);
                        if (!path)
                                break;
                        SysctlEntry *n =
                                reallocarray(s->entries, s->n_entries + 1, sizeof(SysctlEntry));
                        if (!n)
                                break;
                        s->entries = n;
                        n = &s->entries[s->n_entries];
                        *n = (SysctlEntry){
                                .path = TAKE_PTR(path), .original = strdup(value), .key = k};
                        snprintf(n->ifname, sizeof(n->ifname), "%s", ifname);
                        if (!n->path || !n->original) {
                                free(n->path);
                                free(n->original);
                                break;
                        }
                        s->n_entries++;
                }
        *ret = s;
        return 0;
}

static int want(SysctlSaved *s, const char *base, const char *ifname, const char *key,
                const char *value, int *failures, int *first)
{
        _cleanup_free_ char *path = strdup_printf("%s/%s/%s", base, ifname, key);
        _cleanup_free_ char *current = NULL;
        SysctlEntry *e = NULL;
        int r;

        if (!path)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_entries; i++)
                if (streq(s->entries[i].path, path))
                        e = &s->entries[i];
        if (!e) {
                r = read_one_line_file(path, &current);
                if (r < 0)
                        goto fail;
                SysctlEntry *n = reallocarray(s->entries, s->n_entries + 1, sizeof(SysctlEntry));
                if (!n)
                        return -ENOMEM;
                s->entries = n;
                e = &s->entries[s->n_entries++];
                s->dirty = true;
                *e = (SysctlEntry){
                        .path = TAKE_PTR(path), .original = TAKE_PTR(current), .key = key};
                snprintf(e->ifname, sizeof(e->ifname), "%s", ifname);
        }
        e->wanted = true;
        r = read_one_line_file(e->path, &current);
        if (r >= 0 && streq(current, value))
                return 0;
        r = write_attribute(e->path, value);
        if (r >= 0)
                return 0;
fail:
        (*failures)++;
        if (*first == 0)
                *first = r;
        return 0;
}

int sysctl_sync(SysctlSaved **saved, const char *base, const Plan *p, int *ret_error)
{
        SysctlSaved *s = *saved;
        int failures = 0, first = 0, r;

        if (!s) {
                s = calloc(1, sizeof(SysctlSaved));
                if (!s)
                        return -ENOMEM;
                *saved = s;
        }
        for (size_t i = 0; i < s->n_entries; i++)
                s->entries[i].wanted = false;
        if (p->n_uplinks >= 2)
                for (size_t i = 0; i < p->n_uplinks; i++) {
                        const PlanUplink *u = &p->uplinks[i];
                        bool shared = false;

                        for (size_t k = 0; k < p->n_shared_subnet; k++)
                                shared |= p->shared_subnet[k] == u->ifindex;
                        r = want(s, base, u->name, "rp_filter", "2", &failures, &first);
                        if (r >= 0 && shared)
                                r = want(s, base, u->name, "arp_ignore", "1", &failures, &first);
                        if (r >= 0 && shared)
                                r = want(s, base, u->name, "arp_announce", "2", &failures, &first);
                        if (r < 0)
                                return r;
                }
        /* A link that lost carrier but kept its address still has its subnet's route, matched
         * before the live link's: the gateway and the LAN would go out of the dead link. The
         * kernel passes over routes marked linkdown on an interface with this set, so it stays
         * set while the link is down (it is no uplink then). */
        for (size_t i = 0; i < p->n_linkdown; i++) {
                r = want(s, base, p->linkdown[i].name, "ignore_routes_with_linkdown", "1",
                         &failures, &first);
                if (r < 0)
                        return r;
        }
        /* Give back what is no longer needed; a vanished interface took its files with it. */
        for (size_t i = 0; i < s->n_entries;) {
                SysctlEntry *e = &s->entries[i];
                if (e->wanted) {
                        i++;
                        continue;
                }
                (void)write_attribute(e->path, e->original);
                free(e->path);
                free(e->original);
                s->entries[i] = s->entries[--s->n_entries];
                s->dirty = true;
        }
        save_originals(s);
        if (ret_error)
                *ret_error = first;
        return failures;
}

SysctlSaved *sysctl_restore_all(SysctlSaved *s)
{
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_entries; i++) {
                (void)write_attribute(s->entries[i].path, s->entries[i].original);
                free(s->entries[i].path);
                free(s->entries[i].original);
        }
        free(s->entries);
        if (s->state_file)
                (void)unlink_in(s->root, s->state_file);
        free(s->state_file);
        free(s->root);
        free(s);
        return NULL;
}

json_object *sysctl_to_json(const SysctlSaved *s)
{
        json_object *o = json_object_new_object();

        for (size_t i = 0; s && i < s->n_entries; i++) {
                const SysctlEntry *e = &s->entries[i];
                _cleanup_free_ char *k = strdup_printf("%s.%s", e->ifname, e->key);
                if (k)
                        json_object_object_add(o, k, json_object_new_string(e->original));
        }
        return o;
}
