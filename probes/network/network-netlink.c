/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtnetlink through libnl-route-3: a cache manager watching links, addresses, routes and rules,
 * the copy of its caches into plain data, and the changes hwctld makes. */
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

#include "network.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000 /* linux/if.h, which clashes with net/if.h */
#endif

/* Keeps a burst of events (a storm of link flaps) from overflowing the socket. */
#define NET_WATCH_RCVBUF (4U * 1024 * 1024)

struct NetWatch {
        struct nl_sock *event_sock; /* owned by the cache manager once handed over */
        struct nl_sock *sync_sock;  /* requests: dumps after an overflow, changes */
        struct nl_cache_mngr *mngr;
        struct nl_cache *links, *addrs, *routes, *rules;
        void (*changed)(void *userdata);
        void *userdata;
};

static int nlerr_to_errno(int e)
{
        switch (e < 0 ? -e : e) {
        case 0:
                return 0;
        case NLE_NOMEM:
                return -ENOMEM;
        case NLE_EXIST:
                return -EEXIST;
        case NLE_PERM:
                return -EPERM;
        case NLE_OBJ_NOTFOUND:
                return -ENOENT;
        case NLE_INVAL:
                return -EINVAL;
        case NLE_NOACCESS:
                return -EACCES;
        case NLE_AF_NOSUPPORT:
                return -EAFNOSUPPORT;
        case NLE_RANGE:
                return -ERANGE;
        case NLE_BUSY:
                return -EBUSY;
        case NLE_AGAIN:
                return -EAGAIN;
        default:
                return -EIO;
        }
}

static void on_cache_change(struct nl_cache *cache, struct nl_object *obj, int action, void *data)
{
        NetWatch *w = data;

        if (w->changed)
                w->changed(w->userdata);
}

NetWatch *net_watch_free(NetWatch *w)
{
        if (!w)
                return NULL;
        /* The manager frees its caches and closes the socket it was given, but does not free
         * a socket it did not allocate. */
        if (w->mngr)
                nl_cache_mngr_free(w->mngr);
        if (w->event_sock)
                nl_socket_free(w->event_sock);
        if (w->sync_sock)
                nl_socket_free(w->sync_sock);
        free(w);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(NetWatch *, net_watch_free)

int net_watch_new(void (*changed)(void *userdata), void *userdata, NetWatch **ret)
{
        _cleanup_(net_watch_freep) NetWatch *w = calloc(1, sizeof(NetWatch));
        static const char *const kinds[] = {"route/link", "route/addr", "route/route",
                                            "route/rule"};
        int r;

        if (!w)
                return -ENOMEM;
        w->changed = changed;
        w->userdata = userdata;
        w->event_sock = nl_socket_alloc();
        w->sync_sock = nl_socket_alloc();
        if (!w->event_sock || !w->sync_sock)
                return -ENOMEM;
        r = nl_connect(w->sync_sock, NETLINK_ROUTE);
        if (r < 0)
                return nlerr_to_errno(r);
        r = nl_cache_mngr_alloc(w->event_sock, NETLINK_ROUTE, NL_AUTO_PROVIDE, &w->mngr);
        if (r < 0)
                return nlerr_to_errno(r);
        (void)nl_socket_set_buffer_size(w->event_sock, NET_WATCH_RCVBUF, 0);
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
                struct nl_cache *c = NULL;
                r = nl_cache_mngr_add(w->mngr, kinds[i], on_cache_change, w, &c);
                if (r < 0)
                        return nlerr_to_errno(r);
                if (i == 0)
                        w->links = c;
                else if (i == 1)
                        w->addrs = c;
                else if (i == 2)
                        w->routes = c;
                else
                        w->rules = c;
        }
        *ret = TAKE_PTR(w);
        return 0;
}

int net_watch_fd(NetWatch *w)
{
        return nl_cache_mngr_get_fd(w->mngr);
}

int net_watch_process(NetWatch *w)
{
        int r = nl_cache_mngr_data_ready(w->mngr);

        if (r >= 0)
                return 0;
        /* Lost events (ENOBUFS) or a message libnl could not parse: the caches may be stale,
         * so read everything again. */
        struct nl_cache *all[] = {w->links, w->addrs, w->routes, w->rules};
        for (size_t i = 0; i < ELEMENTSOF(all); i++) {
                int k = nl_cache_refill(w->sync_sock, all[i]);
                if (k < 0)
                        return nlerr_to_errno(k);
        }
        if (w->changed)
                w->changed(w->userdata);
        return 0;
}

typedef struct Collect {
        NetState *state;
        int error;
} Collect;

static void collect_link(struct nl_object *obj, void *arg)
{
        Collect *c = arg;
        struct rtnl_link *l = (struct rtnl_link *)obj;
        unsigned flags = rtnl_link_get_flags(l);
        NetLink nl;

        /* The kernel also sends RTM_NEWLINK with ifi_family AF_INET6 (addrconf's per-link
         * state: when the link comes up, on router advertisements) and AF_BRIDGE; libnl keys
         * links by (ifindex, family) and keeps each as an object of its own. Only the AF_UNSPEC
         * one is the link: the others made one USB NIC two uplinks, with two from-rules and
         * two default routes. */
        if (rtnl_link_get_family(l) != AF_UNSPEC)
                return;
        /* A malformed link (no name, a name too long) is skipped, not fatal. */
        if (net_link_make(rtnl_link_get_ifindex(l), rtnl_link_get_name(l),
                          (flags & IFF_UP) && (flags & IFF_LOWER_UP), flags & IFF_LOOPBACK,
                          rtnl_link_get_master(l) > 0, rtnl_link_get_type(l), &nl) < 0)
                return;
        if (net_state_add_link(c->state, &nl) < 0)
                c->error = -ENOMEM;
}

static void collect_addr(struct nl_object *obj, void *arg)
{
        Collect *c = arg;
        struct rtnl_addr *a = (struct rtnl_addr *)obj;
        struct nl_addr *local = rtnl_addr_get_local(a);
        NetAddr na;

        if (!local || (rtnl_addr_get_flags(a) & IFA_F_DADFAILED))
                return;
        if (net_addr_make(rtnl_addr_get_ifindex(a), rtnl_addr_get_family(a),
                          nl_addr_get_binary_addr(local), nl_addr_get_len(local),
                          (unsigned)rtnl_addr_get_prefixlen(a), (unsigned)rtnl_addr_get_scope(a),
                          &na) < 0)
                return;
        if (net_state_add_addr(c->state, &na) < 0)
                c->error = -ENOMEM;
}

/* One NetRoute per nexthop: a multipath route (IPv6 ECMP) is one default per link. */
static void collect_route(struct nl_object *obj, void *arg)
{
        Collect *c = arg;
        struct rtnl_route *r = (struct rtnl_route *)obj;
        struct nl_addr *dst = rtnl_route_get_dst(r), *src = rtnl_route_get_pref_src(r);
        int family = rtnl_route_get_family(r), n = rtnl_route_get_nnexthops(r);

        if (rtnl_route_get_type(r) != RTN_UNICAST)
                return;
        if (src && nl_addr_get_len(src) == 0)
                src = NULL;
        for (int i = 0; i < (n > 0 ? n : 1); i++) {
                struct rtnl_nexthop *nh = n > 0 ? rtnl_route_nexthop_n(r, i) : NULL;
                struct nl_addr *gw = nh ? rtnl_route_nh_get_gateway(nh) : NULL;
                NetRoute nr;

                if (gw && nl_addr_get_len(gw) == 0)
                        gw = NULL;
                if (net_route_make(
                            family, rtnl_route_get_table(r), nh ? rtnl_route_nh_get_ifindex(nh) : 0,
                            dst ? nl_addr_get_binary_addr(dst) : NULL,
                            dst ? nl_addr_get_len(dst) : 0, dst ? nl_addr_get_prefixlen(dst) : 0,
                            gw ? nl_addr_get_binary_addr(gw) : NULL, gw ? nl_addr_get_len(gw) : 0,
                            src ? nl_addr_get_binary_addr(src) : NULL,
                            src ? nl_addr_get_len(src) : 0, rtnl_route_get_scope(r),
                            rtnl_route_get_protocol(r), rtnl_route_get_priority(r), &nr) < 0)
                        continue;
                if (net_state_add_route(c->state, &nr) < 0)
                        c->error = -ENOMEM;
        }
}

static int on_route_msg(struct nl_msg *msg, void *arg)
{
        struct rtnl_route *r = NULL;

        /* rtnl_route_parse validates the attributes against libnl's policy. */
        if (rtnl_route_parse(nlmsg_hdr(msg), &r) < 0)
                return NL_SKIP;
        collect_route((struct nl_object *)r, arg);
        rtnl_route_put(r);
        return NL_OK;
}

/* Routes come from a dump of their own rather than from libnl's route cache: the cache keys a
 * route by table, destination and metric, so two default routes with equal metrics on two
 * links (networkd's 1024 on every link) would collapse into one there. */
static int dump_routes(struct nl_sock *sk, Collect *c)
{
        struct rtmsg rt = {.rtm_family = AF_UNSPEC};
        struct nl_cb *cb;
        int r;

        r = nl_send_simple(sk, RTM_GETROUTE, NLM_F_DUMP, &rt, sizeof(rt));
        if (r < 0)
                return nlerr_to_errno(r);
        struct nl_cb *base = nl_socket_get_cb(sk); /* a new reference */
        cb = base ? nl_cb_clone(base) : NULL;
        nl_cb_put(base);
        if (!cb)
                return -ENOMEM;
        nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_route_msg, c);
        r = nl_recvmsgs(sk, cb);
        nl_cb_put(cb);
        return r < 0 ? nlerr_to_errno(r) : 0;
}

static void collect_rule(struct nl_object *obj, void *arg)
{
        Collect *c = arg;
        struct rtnl_rule *r = (struct rtnl_rule *)obj;
        struct nl_addr *src = rtnl_rule_get_src(r);
        NetRule nr = {.family = rtnl_rule_get_family(r),
                      .priority = rtnl_rule_get_prio(r),
                      .table = rtnl_rule_get_table(r)};
        uint8_t proto = 0;

        /* Only hwctld's own rules matter: they are the ones it may delete. */
        if (rtnl_rule_get_protocol(r, &proto) < 0 || proto != NETWORK_RTPROT)
                return;
        nr.protocol = proto;
        if (src) {
                size_t n = nl_addr_get_len(src);
                unsigned bits = nl_addr_get_prefixlen(src);
                if (n > sizeof(nr.src) || bits > n * 8 ||
                    n != (nr.family == AF_INET    ? 4u
                          : nr.family == AF_INET6 ? 16u
                                                  : 0u))
                        return;
                memcpy(nr.src, nl_addr_get_binary_addr(src), n);
                nr.src_len = (uint8_t)bits;
        }
        if (net_state_add_rule(c->state, &nr) < 0)
                c->error = -ENOMEM;
}

static int collect_all(struct nl_sock *sk, struct nl_cache *links, struct nl_cache *addrs,
                       struct nl_cache *rules, NetState *ret)
{
        NetState s = {};
        Collect c = {.state = &s};
        int r;

        nl_cache_foreach(links, collect_link, &c);
        nl_cache_foreach(addrs, collect_addr, &c);
        nl_cache_foreach(rules, collect_rule, &c);
        r = dump_routes(sk, &c);
        if (r < 0 && c.error == 0)
                c.error = r;
        if (c.error < 0) {
                net_state_clear(&s);
                return c.error;
        }
        *ret = s;
        return 0;
}

int net_watch_snapshot(NetWatch *w, NetState *ret)
{
        return collect_all(w->sync_sock, w->links, w->addrs, w->rules, ret);
}

int net_dump(NetState *ret)
{
        struct nl_sock *sk = nl_socket_alloc();
        struct nl_cache *links = NULL, *addrs = NULL, *rules = NULL;
        int r;

        if (!sk)
                return -ENOMEM;
        r = nl_connect(sk, NETLINK_ROUTE);
        if (r >= 0)
                r = rtnl_link_alloc_cache(sk, AF_UNSPEC, &links);
        if (r >= 0)
                r = rtnl_addr_alloc_cache(sk, &addrs);
        if (r >= 0)
                r = rtnl_rule_alloc_cache(sk, AF_UNSPEC, &rules);
        r = r < 0 ? nlerr_to_errno(r) : collect_all(sk, links, addrs, rules, ret);
        nl_cache_free(links);
        nl_cache_free(addrs);
        nl_cache_free(rules);
        nl_socket_free(sk);
        return r;
}

static struct nl_addr *addr_build(int family, const uint8_t *bytes, unsigned prefixlen)
{
        struct nl_addr *a = nl_addr_build(family, bytes, family == AF_INET ? 4 : 16);

        if (a)
                nl_addr_set_prefixlen(a, (int)prefixlen);
        return a;
}

static struct rtnl_route *route_build(const NetRoute *nr)
{
        struct rtnl_route *r = rtnl_route_alloc();
        struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
        struct nl_addr *dst = addr_build(nr->family, nr->dst, nr->dst_len);
        bool ok = r && nh && dst;

        if (ok) {
                rtnl_route_set_family(r, (uint8_t)nr->family);
                rtnl_route_set_table(r, nr->table);
                rtnl_route_set_protocol(r, nr->protocol);
                rtnl_route_set_priority(r, nr->metric);
                rtnl_route_set_scope(r, nr->scope);
                rtnl_route_set_type(r, RTN_UNICAST);
                ok = rtnl_route_set_dst(r, dst) >= 0;
        }
        if (ok && nr->has_src) {
                struct nl_addr *src =
                        addr_build(nr->family, nr->src, nr->family == AF_INET ? 32 : 128);
                ok = src && rtnl_route_set_pref_src(r, src) >= 0;
                nl_addr_put(src);
        }
        if (ok) {
                rtnl_route_nh_set_ifindex(nh, nr->ifindex);
                if (nr->has_gateway) {
                        struct nl_addr *gw = addr_build(nr->family, nr->gateway,
                                                        nr->family == AF_INET ? 32 : 128);
                        ok = gw != NULL;
                        if (gw)
                                rtnl_route_nh_set_gateway(nh, gw);
                        nl_addr_put(gw);
                }
        }
        nl_addr_put(dst);
        if (!ok) {
                rtnl_route_nh_free(nh);
                rtnl_route_put(r);
                return NULL;
        }
        rtnl_route_add_nexthop(r, nh); /* the route owns it now */
        return r;
}

static struct rtnl_rule *rule_build(const NetRule *nr)
{
        struct rtnl_rule *r = rtnl_rule_alloc();
        struct nl_addr *src = NULL;

        if (!r)
                return NULL;
        rtnl_rule_set_family(r, nr->family);
        rtnl_rule_set_prio(r, nr->priority);
        rtnl_rule_set_table(r, nr->table);
        rtnl_rule_set_action(r, FR_ACT_TO_TBL);
        rtnl_rule_set_protocol(r, nr->protocol);
        if (nr->src_len > 0) {
                src = addr_build(nr->family, nr->src, nr->src_len);
                if (!src || rtnl_rule_set_src(r, src) < 0) {
                        nl_addr_put(src);
                        rtnl_rule_put(r);
                        return NULL;
                }
                nl_addr_put(src);
        }
        return r;
}

static void note(int k, int *failures, int *first)
{
        if (k >= 0)
                return;
        (*failures)++;
        if (*first == 0)
                *first = k;
}

int net_apply(NetWatch *w, const PlanDiff *d, int *ret_error)
{
        int failures = 0, first = 0, k;

        /* Rules first when removing (nothing points at a table being emptied), routes first
         * when adding (a rule never points at an empty table). */
        for (size_t i = 0; i < d->n_del_rules; i++) {
                struct rtnl_rule *r = rule_build(&d->del_rules[i]);
                k = r ? nlerr_to_errno(rtnl_rule_delete(w->sync_sock, r, 0)) : -ENOMEM;
                note(k == -ENOENT ? 0 : k, &failures, &first);
                rtnl_rule_put(r);
        }
        for (size_t i = 0; i < d->n_del_routes; i++) {
                struct rtnl_route *r = route_build(&d->del_routes[i]);
                k = r ? nlerr_to_errno(rtnl_route_delete(w->sync_sock, r, 0)) : -ENOMEM;
                /* A route goes by itself with its address or its link: already gone is fine. */
                note(k == -ENOENT || k == -ESRCH ? 0 : k, &failures, &first);
                rtnl_route_put(r);
        }
        for (size_t i = 0; i < d->n_add_routes; i++) {
                struct rtnl_route *r = route_build(&d->add_routes[i]);
                /* Never NLM_F_REPLACE: the same key in main may belong to another manager. */
                k = r ? nlerr_to_errno(rtnl_route_add(w->sync_sock, r, NLM_F_CREATE | NLM_F_EXCL))
                      : -ENOMEM;
                note(k, &failures, &first);
                rtnl_route_put(r);
        }
        for (size_t i = 0; i < d->n_add_rules; i++) {
                struct rtnl_rule *r = rule_build(&d->add_rules[i]);
                k = r ? nlerr_to_errno(rtnl_rule_add(w->sync_sock, r, NLM_F_CREATE | NLM_F_EXCL))
                      : -ENOMEM;
                note(k == -EEXIST ? 0 : k, &failures, &first);
                rtnl_rule_put(r);
        }
        if (ret_error)
                *ret_error = first;
        return failures;
}
