/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The network probe's plain data (links, addresses, routes, the routing plan) and its parts. */
#pragma once

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "config.h"
#include "util.h"

/* hwctld's own routing protocol number (RTPROT_*): 0xa5 = 165 is unassigned in the kernel's
 * rtnetlink.h and in iproute2's rt_protos. Everything hwctld installs carries it, and only
 * objects carrying it are ever removed, so other managers' routes and rules are never touched. */
#define NETWORK_RTPROT 0xa5
/* Per-uplink routing tables: base + ifindex (no collision with main/local/default or with the
 * small numbers people pick by hand). */
#define NETWORK_TABLE_BASE 0xa50000U
/* "from <address> lookup <uplink table>": before main (32766) and after the priorities other
 * tools commonly use (wg-quick 32764/32765 is after, Tailscale 5210-5270 before). */
#define NETWORK_RULE_PRIO_BASE 10100U
/* Preference: hwctld's own default routes in main with these metrics (base + rank), below
 * what DHCP clients and networkd give (100..1024+), so the preferred uplink wins for traffic
 * with no source address chosen. The other managers' defaults stay as they are. */
#define NETWORK_METRIC_BASE 16U
#define NETWORK_TABLE_MAIN  254U
#define NETWORK_TABLE_LOCAL 255U

typedef enum UplinkClass {
        UPLINK_WIRED,
        UPLINK_WIRELESS,
        UPLINK_IGNORED, /* loopback, bridge member, virtual */
        _UPLINK_CLASS_MAX,
        _UPLINK_CLASS_INVALID = -EINVAL,
} UplinkClass;

const char *uplink_class_to_string(UplinkClass c);
UplinkClass uplink_class_from_string(const char *s);

typedef struct NetLink {
        int ifindex;
        char name[IFNAMSIZ];
        bool carrier;
        bool loopback;
        bool has_master; /* bridge or bond member */
        char kind[16];   /* IFLA_INFO_KIND: veth, bridge, tun, ...; empty for real hardware */
        bool wireless;   /* phy80211 or wireless/ in sysfs */
} NetLink;

typedef struct NetAddr {
        int ifindex;
        int family;
        uint8_t addr[16];
        uint8_t prefixlen;
        uint8_t scope; /* RT_SCOPE_* */
} NetAddr;

typedef struct NetRoute {
        int family;
        uint32_t table;
        int ifindex; /* 0: none (blackhole, multipath) */
        uint8_t dst[16];
        uint8_t dst_len;
        bool has_gateway;
        uint8_t gateway[16];
        bool has_src; /* preferred source */
        uint8_t src[16];
        uint8_t scope;
        uint8_t protocol;
        uint32_t metric;
} NetRoute;

typedef struct NetRule {
        int family;
        uint32_t priority;
        uint32_t table;
        uint8_t src[16];
        uint8_t src_len;
        uint8_t protocol;
} NetRule;

/* What the kernel has, as plain data: everything the planner needs and nothing from libnl. */
typedef struct NetState {
        NetLink *links;
        size_t n_links;
        NetAddr *addrs;
        size_t n_addrs;
        NetRoute *routes;
        size_t n_routes;
        NetRule *rules;
        size_t n_rules;
} NetState;

void net_state_clear(NetState *s);

/* Validated constructors for what comes from netlink: each rejects malformed input with
 * -EBADMSG (no name, a name too long, an address length that does not match the family, a
 * prefix length past the address size) and writes *ret only on success. */
int net_link_make(int ifindex, const char *name, bool carrier, bool loopback, bool has_master,
                  const char *kind, NetLink *ret);
int net_addr_make(int ifindex, int family, const void *addr, size_t addr_len, unsigned prefixlen,
                  unsigned scope, NetAddr *ret);
/* gateway and src may be NULL (a route straight onto a link). */
int net_route_make(int family, uint32_t table, int ifindex, const void *dst, size_t dst_len_bytes,
                   unsigned dst_len, const void *gateway, size_t gateway_len, const void *src,
                   size_t src_len, unsigned scope, unsigned protocol, uint32_t metric,
                   NetRoute *ret);
int net_state_add_link(NetState *s, const NetLink *l);
int net_state_add_addr(NetState *s, const NetAddr *a);
int net_state_add_route(NetState *s, const NetRoute *r);
int net_state_add_rule(NetState *s, const NetRule *r);

typedef struct PlanUplink {
        int ifindex;
        char name[IFNAMSIZ];
        UplinkClass class;
        unsigned rank; /* 0 = preferred */
        uint32_t table;
        bool has_ipv4, has_ipv6;
        bool default4, default6;
        uint8_t gateway4[16], gateway6[16];
        bool has_gateway4, has_gateway6;
        uint32_t metric4, metric6; /* of the other manager's default route */
} PlanUplink;

/* A link that would be an uplink but has no IPv4 address: diagnosed once it lasts. */
typedef struct PlanNoIPv4 {
        int ifindex;
        char name[IFNAMSIZ];
        bool has_ipv6;
} PlanNoIPv4;

typedef struct Plan {
        PlanUplink *uplinks;
        size_t n_uplinks;
        PlanNoIPv4 *no_ipv4;
        size_t n_no_ipv4;
        NetRoute *routes; /* everything carries NETWORK_RTPROT */
        size_t n_routes;
        NetRule *rules;
        size_t n_rules;
        /* ifindexes of uplinks sharing an IPv4 subnet with another uplink (ARP flux) */
        int *shared_subnet;
        size_t n_shared_subnet;
        /* Candidate links, carrier or not, with an IPv4 subnet another candidate has too: when
         * one loses carrier but keeps its address, its subnet route (marked linkdown) would
         * still be chosen first, so these get ignore_routes_with_linkdown. */
        PlanNoIPv4 *linkdown;
        size_t n_linkdown;
        size_t n_candidate_links; /* links that are not ignored, with or without carrier */
} Plan;

void plan_clear(Plan *p);

/* The settings the planner reads, copied out of Config so state never points into it. */
typedef struct PlanSettings {
        char **uplinks; /* Uplinks=: when set, exactly these names are candidates */
        char **prefer;  /* Prefer=: class names ("wired", "wireless") and interface names */
} PlanSettings;

/* Whether a link can be an uplink at all, and as what. */
UplinkClass uplink_classify(const NetLink *l, char *const *uplinks);
/* The position of a link in Prefer= order: a name match beats a class match; lower is better. */
unsigned uplink_preference(const char *name, UplinkClass c, char *const *prefer);

/* Pure: the routes and rules hwctld wants for this state. Never fails except -ENOMEM. */
int plan_build(const NetState *s, const PlanSettings *settings, Plan *ret);

bool net_route_equal(const NetRoute *a, const NetRoute *b);
bool net_rule_equal(const NetRule *a, const NetRule *b);

/* Pure: what to delete (installed objects carrying NETWORK_RTPROT that the plan does not
 * want, leftovers of a crash included) and what to add. */
typedef struct PlanDiff {
        NetRoute *del_routes, *add_routes;
        size_t n_del_routes, n_add_routes;
        NetRule *del_rules, *add_rules;
        size_t n_del_rules, n_add_rules;
} PlanDiff;
int plan_diff(const Plan *p, const NetState *s, PlanDiff *ret);
void plan_diff_clear(PlanDiff *d);

/* "10.0.0.12", "fd00::5"; buf must hold INET6_ADDRSTRLEN. */
const char *net_addr_to_string(int family, const uint8_t *addr, char *buf);
json_object *plan_to_json(const Plan *p, const NetState *s);

/* --- netlink (network-netlink.c) --- */
typedef struct NetWatch NetWatch;
/* Allocates the cache manager and the socket for changes; changed(userdata) is called on every
 * change to links, addresses, routes or rules. */
int net_watch_new(void (*changed)(void *userdata), void *userdata, NetWatch **ret);
NetWatch *net_watch_free(NetWatch *w);
int net_watch_fd(NetWatch *w);
int net_watch_process(NetWatch *w);
/* Copies the caches into s; wireless is filled by the caller. */
int net_watch_snapshot(NetWatch *w, NetState *ret);
/* One read-only dump without a cache manager, for the plan op. */
int net_dump(NetState *ret);
/* Deletes, then adds. Returns the number of operations that failed (0 = all done), with the
 * first error in *ret_error. */
int net_apply(NetWatch *w, const PlanDiff *d, int *ret_error);

/* --- sysctls (network-sysctl.c) --- */
typedef struct SysctlSaved SysctlSaved;
/* state_file keeps the original values across a crash: a restart restores from it. */
/* The originals an hwctld that did not stop cleanly left in state_file (a path inside root, the
 * sysroot, where it is written); base is
 * <proc>/sys/net/ipv4/conf, where the paths are rebuilt (the stored ones are ignored). */
int sysctl_saved_new(const char *root, const char *state_file, const char *base, SysctlSaved **ret);
/* base is "<sysroot>/proc/sys/net/ipv4/conf". Sets rp_filter=2 on every managed uplink and
 * arp_ignore=1, arp_announce=2 on those sharing a subnet; remembers the first value it saw per
 * file, and restores the files it no longer needs. Returns failures, first error in *ret. */
int sysctl_sync(SysctlSaved **saved, const char *base, const Plan *p, int *ret_error);
/* Restores everything and frees. */
SysctlSaved *sysctl_restore_all(SysctlSaved *saved);
json_object *sysctl_to_json(const SysctlSaved *saved);
