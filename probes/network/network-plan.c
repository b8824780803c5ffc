/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The network planner: from plain links, addresses and routes to the routes and rules hwctld wants.
 *
 * The mechanism, and why:
 * - Each uplink gets a table of its own (NETWORK_TABLE_BASE + ifindex) holding its default
 *   route and its connected routes, and a rule "from <address> lookup <table>" per global
 *   address, IPv4 and IPv6. A reply always leaves by the interface that owns its source
 *   address, through that interface's gateway: the board answers on every address whatever
 *   the main table says, on two subnets or on one.
 * - Preference: hwctld adds its own default route per uplink to main with a small metric
 *   (NETWORK_METRIC_BASE + rank), so traffic with no source chosen follows Prefer= whatever
 *   metrics the other managers gave (networkd gives 1024 to every link). A rule with
 *   suppress_prefixlength would avoid touching main, but libnl 3.7 cannot express or parse it.
 *   Losing carrier or the default route takes a link out of the plan, its routes go, and the
 *   next uplink's metric wins: failover is one netlink round trip after the event.
 * - With one uplink there is nothing to fix, and nothing is installed.
 */
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <stdio.h>

#include "network.h"

static const char *const uplink_class_table[_UPLINK_CLASS_MAX] = {
        [UPLINK_WIRED] = "wired",
        [UPLINK_WIRELESS] = "wireless",
        [UPLINK_IGNORED] = "ignored",
};

const char *uplink_class_to_string(UplinkClass c)
{
        return c >= 0 && c < _UPLINK_CLASS_MAX ? uplink_class_table[c] : NULL;
}

UplinkClass uplink_class_from_string(const char *s)
{
        for (int i = 0; s && i < _UPLINK_CLASS_MAX; i++)
                if (streq(uplink_class_table[i], s))
                        return i;
        return _UPLINK_CLASS_INVALID;
}

static size_t family_len(int family)
{
        return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

void net_state_clear(NetState *s)
{
        free(s->links);
        free(s->addrs);
        free(s->routes);
        free(s->rules);
        *s = (NetState){};
}

#define ARRAY_PUSH(arr, n, item)                                                                   \
        ({                                                                                         \
                typeof(arr) _a_ = reallocarray((arr), (n) + 1, sizeof(*(arr)));                    \
                int _r_ = -ENOMEM;                                                                 \
                if (_a_) {                                                                         \
                        _a_[(n)++] = *(item);                                                      \
                        (arr) = _a_;                                                               \
                        _r_ = 0;                                                                   \
                }                                                                                  \
                _r_;                                                                               \
        })

int net_state_add_link(NetState *s, const NetLink *l)
{
        return ARRAY_PUSH(s->links, s->n_links, l);
}
int net_state_add_addr(NetState *s, const NetAddr *a)
{
        return ARRAY_PUSH(s->addrs, s->n_addrs, a);
}
int net_state_add_route(NetState *s, const NetRoute *r)
{
        return ARRAY_PUSH(s->routes, s->n_routes, r);
}
int net_state_add_rule(NetState *s, const NetRule *r)
{
        return ARRAY_PUSH(s->rules, s->n_rules, r);
}

int net_link_make(int ifindex, const char *name, bool carrier, bool loopback, bool has_master,
                  const char *kind, NetLink *ret)
{
        NetLink l = {.ifindex = ifindex,
                     .carrier = carrier,
                     .loopback = loopback,
                     .has_master = has_master};

        if (ifindex <= 0 || isempty(name) || strlen(name) >= sizeof(l.name))
                return -EBADMSG;
        strcpy(l.name, name);
        if (kind && strlen(kind) < sizeof(l.kind))
                strcpy(l.kind, kind);
        else if (kind)
                strcpy(l.kind, "unknown"); /* a kind we cannot name is still virtual */
        *ret = l;
        return 0;
}

int net_addr_make(int ifindex, int family, const void *addr, size_t addr_len, unsigned prefixlen,
                  unsigned scope, NetAddr *ret)
{
        NetAddr a = {.ifindex = ifindex, .family = family, .scope = scope};
        size_t n = family_len(family);

        if (n == 0 || ifindex <= 0 || !addr || addr_len != n || prefixlen > n * 8 || scope > 255)
                return -EBADMSG;
        memcpy(a.addr, addr, n);
        a.prefixlen = prefixlen;
        *ret = a;
        return 0;
}

int net_route_make(int family, uint32_t table, int ifindex, const void *dst, size_t dst_len_bytes,
                   unsigned dst_len, const void *gateway, size_t gateway_len, const void *src,
                   size_t src_len, unsigned scope, unsigned protocol, uint32_t metric,
                   NetRoute *ret)
{
        NetRoute r = {.family = family,
                      .table = table,
                      .ifindex = ifindex,
                      .scope = scope,
                      .protocol = protocol,
                      .metric = metric};
        size_t n = family_len(family);

        if (n == 0 || dst_len > n * 8 || scope > 255 || protocol > 255 || ifindex < 0)
                return -EBADMSG;
        if (dst_len > 0) {
                if (!dst || dst_len_bytes != n)
                        return -EBADMSG;
                memcpy(r.dst, dst, n);
        }
        r.dst_len = dst_len;
        if (gateway) {
                if (gateway_len != n)
                        return -EBADMSG;
                memcpy(r.gateway, gateway, n);
                r.has_gateway = true;
        }
        if (src) {
                if (src_len != n)
                        return -EBADMSG;
                memcpy(r.src, src, n);
                r.has_src = true;
        }
        *ret = r;
        return 0;
}

static bool name_has_prefix(const char *name, const char *const *prefixes)
{
        for (; *prefixes; prefixes++)
                if (strncmp(name, *prefixes, strlen(*prefixes)) == 0)
                        return true;
        return false;
}

UplinkClass uplink_classify(const NetLink *l, char *const *uplinks)
{
        static const char *const virtual_names[] = {"docker", "veth", "virbr", "br-", "tun",
                                                    "tap",    "vnet", "lxc",   "wg",  NULL};

        if (uplinks && uplinks[0]) {
                /* An explicit list is the whole truth: a veth named there is an uplink. */
                if (!strv_contains(uplinks, l->name))
                        return UPLINK_IGNORED;
                return l->wireless ? UPLINK_WIRELESS : UPLINK_WIRED;
        }
        if (l->loopback || l->has_master || l->kind[0] || name_has_prefix(l->name, virtual_names))
                return UPLINK_IGNORED;
        return l->wireless ? UPLINK_WIRELESS : UPLINK_WIRED;
}

unsigned uplink_preference(const char *name, UplinkClass c, char *const *prefer)
{
        static char *const default_prefer[] = {(char *)"wired", (char *)"wireless", NULL};
        size_t n;
        unsigned i = 0;

        if (!prefer || !prefer[0])
                prefer = default_prefer;
        n = strv_length(prefer);
        STRV_FOREACH (p, prefer) {
                if (streq(*p, name))
                        return i;
                i++;
        }
        i = 0;
        STRV_FOREACH (p, prefer) {
                if (uplink_class_from_string(*p) == c)
                        return (unsigned)n + i;
                i++;
        }
        return (unsigned)(2 * n + c);
}

static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
        unsigned bytes = bits / 8, rest = bits % 8;

        if (memcmp(a, b, bytes) != 0)
                return false;
        if (rest == 0)
                return true;
        return ((a[bytes] ^ b[bytes]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

static void prefix_mask(uint8_t *a, unsigned bits, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                unsigned keep = bits >= 8 * (i + 1) ? 8 : bits > 8 * i ? bits - 8 * i : 0;
                a[i] &= (uint8_t)(0xff << (8 - keep));
        }
}

bool net_route_equal(const NetRoute *a, const NetRoute *b)
{
        size_t n = family_len(a->family);

        return a->family == b->family && a->table == b->table && a->ifindex == b->ifindex &&
               a->dst_len == b->dst_len && memcmp(a->dst, b->dst, n) == 0 &&
               a->has_gateway == b->has_gateway &&
               (!a->has_gateway || memcmp(a->gateway, b->gateway, n) == 0) &&
               a->has_src == b->has_src && (!a->has_src || memcmp(a->src, b->src, n) == 0) &&
               a->metric == b->metric && a->protocol == b->protocol;
}

bool net_rule_equal(const NetRule *a, const NetRule *b)
{
        return a->family == b->family && a->priority == b->priority && a->table == b->table &&
               a->src_len == b->src_len && memcmp(a->src, b->src, family_len(a->family)) == 0 &&
               a->protocol == b->protocol;
}

void plan_clear(Plan *p)
{
        free(p->uplinks);
        free(p->no_ipv4);
        free(p->routes);
        free(p->rules);
        free(p->shared_subnet);
        free(p->linkdown);
        *p = (Plan){};
}

/* The other managers' lowest-metric default route of a link, in any table but ours. */
static const NetRoute *default_route_of(const NetState *s, int ifindex, int family)
{
        const NetRoute *best = NULL;

        for (size_t i = 0; i < s->n_routes; i++) {
                const NetRoute *r = &s->routes[i];
                if (r->family != family || r->ifindex != ifindex || r->dst_len != 0 ||
                    r->protocol == NETWORK_RTPROT || r->table == NETWORK_TABLE_LOCAL)
                        continue;
                if (!best || r->metric < best->metric)
                        best = r;
        }
        return best;
}

static bool addr_is_global(const NetAddr *a)
{
        return a->scope == RT_SCOPE_UNIVERSE;
}

static int plan_uplink_routes(Plan *p, const NetState *s, const PlanUplink *u)
{
        int r;

        for (int f = 0; f < 2; f++) {
                int family = f == 0 ? AF_INET : AF_INET6;
                const NetAddr *first = NULL;
                bool has_default = family == AF_INET ? u->default4 : u->default6;
                bool has_gw = family == AF_INET ? u->has_gateway4 : u->has_gateway6;
                const uint8_t *gw = family == AF_INET ? u->gateway4 : u->gateway6;

                for (size_t i = 0; i < s->n_addrs; i++) {
                        const NetAddr *a = &s->addrs[i];
                        NetRoute conn = {.family = family,
                                         .table = u->table,
                                         .ifindex = u->ifindex,
                                         .scope = RT_SCOPE_LINK,
                                         .protocol = NETWORK_RTPROT,
                                         .metric = NETWORK_METRIC_BASE};
                        NetRule rule = {.family = family,
                                        .priority = NETWORK_RULE_PRIO_BASE + u->rank,
                                        .table = u->table,
                                        .src_len = (uint8_t)(family_len(family) * 8),
                                        .protocol = NETWORK_RTPROT};

                        if (a->ifindex != u->ifindex || a->family != family || !addr_is_global(a))
                                continue;
                        if (!first)
                                first = a;
                        memcpy(rule.src, a->addr, family_len(family));
                        r = ARRAY_PUSH(p->rules, p->n_rules, &rule);
                        if (r < 0)
                                return r;
                        if (a->prefixlen == 0 || a->prefixlen == family_len(family) * 8)
                                continue;
                        memcpy(conn.dst, a->addr, family_len(family));
                        prefix_mask(conn.dst, a->prefixlen, family_len(family));
                        conn.dst_len = a->prefixlen;
                        if (family == AF_INET) {
                                memcpy(conn.src, a->addr, 4);
                                conn.has_src = true;
                        }
                        /* One connected route per subnet and table: the kernel keys a route
                         * by destination and metric, so a second address in the subnet (a
                         * renewed lease beside the old one) would get EEXIST. The first
                         * address is its source; each address still has its own rule. */
                        bool dup = false;
                        for (size_t k = 0; k < p->n_routes; k++)
                                dup |= p->routes[k].family == family &&
                                       p->routes[k].table == conn.table &&
                                       p->routes[k].dst_len == conn.dst_len &&
                                       p->routes[k].metric == conn.metric &&
                                       memcmp(p->routes[k].dst, conn.dst, 16) == 0;
                        if (!dup && (r = ARRAY_PUSH(p->routes, p->n_routes, &conn)) < 0)
                                return r;
                }
                if (!has_default || !first)
                        continue;
                NetRoute def = {.family = family,
                                .table = u->table,
                                .ifindex = u->ifindex,
                                .has_gateway = has_gw,
                                .scope = has_gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK,
                                .protocol = NETWORK_RTPROT,
                                /* IPv6 turns metric 0 into 1024: never ask for 0 */
                                .metric = NETWORK_METRIC_BASE};
                if (has_gw)
                        memcpy(def.gateway, gw, family_len(family));
                if (family == AF_INET) {
                        memcpy(def.src, first->addr, 4);
                        def.has_src = true;
                }
                if ((r = ARRAY_PUSH(p->routes, p->n_routes, &def)) < 0)
                        return r;
                def.table = NETWORK_TABLE_MAIN;
                def.metric = NETWORK_METRIC_BASE + u->rank;
                if ((r = ARRAY_PUSH(p->routes, p->n_routes, &def)) < 0)
                        return r;
        }
        return 0;
}

static int uplink_cmp(const void *a, const void *b)
{
        const PlanUplink *x = a, *y = b;

        if (x->rank != y->rank)
                return x->rank < y->rank ? -1 : 1;
        return strcmp(x->name, y->name);
}

static bool shares_subnet(const NetState *s, int a, int b)
{
        for (size_t i = 0; i < s->n_addrs; i++)
                for (size_t j = 0; j < s->n_addrs; j++) {
                        const NetAddr *x = &s->addrs[i], *y = &s->addrs[j];
                        if (x->ifindex != a || y->ifindex != b || x->family != AF_INET ||
                            y->family != AF_INET || !addr_is_global(x) || !addr_is_global(y))
                                continue;
                        unsigned bits = x->prefixlen < y->prefixlen ? x->prefixlen : y->prefixlen;
                        if (prefix_equal(x->addr, y->addr, bits))
                                return true;
                }
        return false;
}

int plan_build(const NetState *s, const PlanSettings *settings, Plan *ret)
{
        _cleanup_(plan_clear) Plan p = {};
        int r;

        for (size_t i = 0; i < s->n_links; i++) {
                const NetLink *l = &s->links[i];
                UplinkClass c = uplink_classify(l, settings ? settings->uplinks : NULL);
                PlanUplink u = {.ifindex = l->ifindex, .class = c};
                const NetRoute *d4, *d6;

                if (c == UPLINK_IGNORED)
                        continue;
                p.n_candidate_links++;
                if (!l->carrier)
                        continue;
                for (size_t k = 0; k < s->n_addrs; k++) {
                        const NetAddr *a = &s->addrs[k];
                        if (a->ifindex != l->ifindex || !addr_is_global(a))
                                continue;
                        u.has_ipv4 |= a->family == AF_INET;
                        u.has_ipv6 |= a->family == AF_INET6;
                }
                if (!u.has_ipv4) {
                        PlanNoIPv4 n = {.ifindex = l->ifindex, .has_ipv6 = u.has_ipv6};
                        memcpy(n.name, l->name, sizeof(n.name));
                        if ((r = ARRAY_PUSH(p.no_ipv4, p.n_no_ipv4, &n)) < 0)
                                return r;
                }
                d4 = u.has_ipv4 ? default_route_of(s, l->ifindex, AF_INET) : NULL;
                d6 = u.has_ipv6 ? default_route_of(s, l->ifindex, AF_INET6) : NULL;
                if (!d4 && !d6)
                        continue;
                memcpy(u.name, l->name, sizeof(u.name));
                u.table = NETWORK_TABLE_BASE + (uint32_t)l->ifindex;
                u.rank = uplink_preference(l->name, c, settings ? settings->prefer : NULL);
                if (d4) {
                        u.default4 = true;
                        u.has_gateway4 = d4->has_gateway;
                        memcpy(u.gateway4, d4->gateway, 16);
                        u.metric4 = d4->metric;
                }
                if (d6) {
                        u.default6 = true;
                        u.has_gateway6 = d6->has_gateway;
                        memcpy(u.gateway6, d6->gateway, 16);
                        u.metric6 = d6->metric;
                }
                if ((r = ARRAY_PUSH(p.uplinks, p.n_uplinks, &u)) < 0)
                        return r;
        }
        if (p.n_uplinks > 1)
                qsort(p.uplinks, p.n_uplinks, sizeof(PlanUplink), uplink_cmp);
        for (size_t i = 0; i < p.n_uplinks; i++)
                p.uplinks[i].rank = (unsigned)i; /* dense ranks: priorities and metrics */

        /* One uplink needs nothing, unless a default route on a link that is not an uplink (no
         * carrier: the kernel keeps it) could still win over it. */
        bool shadowed = false;
        for (size_t i = 0; i < s->n_routes && p.n_uplinks == 1; i++) {
                const NetRoute *x = &s->routes[i];
                shadowed |= x->dst_len == 0 && x->protocol != NETWORK_RTPROT &&
                            x->table != NETWORK_TABLE_LOCAL && x->ifindex != p.uplinks[0].ifindex;
        }
        if (p.n_uplinks >= 2 || shadowed) {
                for (size_t i = 0; i < p.n_uplinks; i++) {
                        if ((r = plan_uplink_routes(&p, s, &p.uplinks[i])) < 0)
                                return r;
                        bool shared = false;
                        for (size_t j = 0; j < p.n_uplinks; j++)
                                shared |= j != i && shares_subnet(s, p.uplinks[i].ifindex,
                                                                  p.uplinks[j].ifindex);
                        if (shared && (r = ARRAY_PUSH(p.shared_subnet, p.n_shared_subnet,
                                                      &p.uplinks[i].ifindex)) < 0)
                                return r;
                }
        }
        for (size_t i = 0; i < s->n_links; i++) {
                const NetLink *a = &s->links[i];
                bool shared = false;

                if (uplink_classify(a, settings ? settings->uplinks : NULL) == UPLINK_IGNORED)
                        continue;
                for (size_t j = 0; j < s->n_links && !shared; j++)
                        shared = j != i &&
                                 uplink_classify(&s->links[j], settings ? settings->uplinks
                                                                        : NULL) != UPLINK_IGNORED &&
                                 shares_subnet(s, a->ifindex, s->links[j].ifindex);
                if (!shared)
                        continue;
                PlanNoIPv4 n = {.ifindex = a->ifindex};
                memcpy(n.name, a->name, sizeof(n.name));
                if ((r = ARRAY_PUSH(p.linkdown, p.n_linkdown, &n)) < 0)
                        return r;
        }
        *ret = p;
        p = (Plan){};
        return 0;
}

void plan_diff_clear(PlanDiff *d)
{
        free(d->del_routes);
        free(d->add_routes);
        free(d->del_rules);
        free(d->add_rules);
        *d = (PlanDiff){};
}

int plan_diff(const Plan *p, const NetState *s, PlanDiff *ret)
{
        _cleanup_(plan_diff_clear) PlanDiff d = {};
        int r;

        for (size_t i = 0; i < s->n_routes; i++) {
                bool wanted = false;
                if (s->routes[i].protocol != NETWORK_RTPROT)
                        continue;
                for (size_t k = 0; k < p->n_routes && !wanted; k++)
                        wanted = net_route_equal(&p->routes[k], &s->routes[i]);
                if (!wanted && (r = ARRAY_PUSH(d.del_routes, d.n_del_routes, &s->routes[i])) < 0)
                        return r;
        }
        for (size_t k = 0; k < p->n_routes; k++) {
                bool have = false;
                for (size_t i = 0; i < s->n_routes && !have; i++)
                        have = net_route_equal(&p->routes[k], &s->routes[i]);
                if (!have && (r = ARRAY_PUSH(d.add_routes, d.n_add_routes, &p->routes[k])) < 0)
                        return r;
        }
        for (size_t i = 0; i < s->n_rules; i++) {
                bool wanted = false;
                if (s->rules[i].protocol != NETWORK_RTPROT)
                        continue;
                for (size_t k = 0; k < p->n_rules && !wanted; k++)
                        wanted = net_rule_equal(&p->rules[k], &s->rules[i]);
                if (!wanted && (r = ARRAY_PUSH(d.del_rules, d.n_del_rules, &s->rules[i])) < 0)
                        return r;
        }
        for (size_t k = 0; k < p->n_rules; k++) {
                bool have = false;
                for (size_t i = 0; i < s->n_rules && !have; i++)
                        have = net_rule_equal(&p->rules[k], &s->rules[i]);
                if (!have && (r = ARRAY_PUSH(d.add_rules, d.n_add_rules, &p->rules[k])) < 0)
                        return r;
        }
        *ret = d;
        d = (PlanDiff){};
        return 0;
}

const char *net_addr_to_string(int family, const uint8_t *addr, char *buf)
{
        if (!inet_ntop(family, addr, buf, INET6_ADDRSTRLEN))
                strcpy(buf, "?");
        return buf;
}

static json_object *addresses_json(const NetState *s, int ifindex, int family)
{
        json_object *a = json_object_new_array();
        char buf[INET6_ADDRSTRLEN], out[INET6_ADDRSTRLEN + 8];

        for (size_t i = 0; i < s->n_addrs; i++) {
                const NetAddr *x = &s->addrs[i];
                if (x->ifindex != ifindex || x->family != family || !addr_is_global(x))
                        continue;
                snprintf(out, sizeof(out), "%s/%u", net_addr_to_string(family, x->addr, buf),
                         x->prefixlen);
                json_object_array_add(a, json_object_new_string(out));
        }
        return a;
}

json_object *plan_to_json(const Plan *p, const NetState *s)
{
        json_object *o = json_object_new_object(), *ups = json_object_new_array();
        char buf[INET6_ADDRSTRLEN];

        for (size_t i = 0; i < p->n_uplinks; i++) {
                const PlanUplink *u = &p->uplinks[i];
                json_object *j = json_object_new_object();
                json_object_object_add(j, "name", json_object_new_string(u->name));
                json_object_object_add(j, "class",
                                       json_object_new_string(uplink_class_to_string(u->class)));
                json_object_object_add(j, "rank", json_object_new_int((int)u->rank));
                json_object_object_add(j, "carrier", json_object_new_boolean(true));
                json_object_object_add(j, "ipv4", addresses_json(s, u->ifindex, AF_INET));
                json_object_object_add(j, "ipv6", addresses_json(s, u->ifindex, AF_INET6));
                if (u->has_gateway4)
                        json_object_object_add(j, "gateway4",
                                               json_object_new_string(net_addr_to_string(
                                                       AF_INET, u->gateway4, buf)));
                if (u->has_gateway6)
                        json_object_object_add(j, "gateway6",
                                               json_object_new_string(net_addr_to_string(
                                                       AF_INET6, u->gateway6, buf)));
                if (u->default4)
                        json_object_object_add(j, "metric4", json_object_new_int64(u->metric4));
                if (u->default6)
                        json_object_object_add(j, "metric6", json_object_new_int64(u->metric6));
                if (p->n_uplinks >= 2)
                        json_object_object_add(j, "table", json_object_new_int64(u->table));
                json_object_array_add(ups, j);
        }
        json_object_object_add(o, "uplinks", ups);
        json_object_object_add(o, "routes", json_object_new_int64((int64_t)p->n_routes));
        json_object_object_add(o, "rules", json_object_new_int64((int64_t)p->n_rules));
        json_object_object_add(o, "protocol", json_object_new_int(NETWORK_RTPROT));
        return o;
}
