/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The network planner as plain data: classification, Prefer= order, the plan, broken input. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <linux/rtnetlink.h>
#include <stdio.h>

#include "network.h"
#include "test-util.h"

static void add_link(NetState *s, int idx, const char *name, bool carrier, const char *kind,
                     bool wireless)
{
        NetLink l;
        REQUIRE(net_link_make(idx, name, carrier, false, false, kind, &l) == 0);
        l.wireless = wireless;
        REQUIRE(net_state_add_link(s, &l) == 0);
}

static void add_addr4(NetState *s, int idx, const char *a, unsigned plen)
{
        struct in_addr in;
        NetAddr x;
        REQUIRE(inet_pton(AF_INET, a, &in) == 1);
        REQUIRE(net_addr_make(idx, AF_INET, &in, 4, plen, RT_SCOPE_UNIVERSE, &x) == 0);
        REQUIRE(net_state_add_addr(s, &x) == 0);
}

static void add_default4(NetState *s, int idx, const char *gw, uint32_t metric)
{
        struct in_addr in;
        NetRoute r;
        REQUIRE(inet_pton(AF_INET, gw, &in) == 1);
        REQUIRE(net_route_make(AF_INET, NETWORK_TABLE_MAIN, idx, NULL, 0, 0, &in, 4, NULL, 0, 0,
                               RTPROT_DHCP, metric, &r) == 0);
        REQUIRE(net_state_add_route(s, &r) == 0);
}

static void test_classify(void)
{
        NetLink l;
        char *uplinks[] = {(char *)"veth7", NULL};

        REQUIRE(net_link_make(3, "veth7", true, false, false, "veth", &l) == 0);
        ASSERT_INT_EQ(uplink_classify(&l, NULL), UPLINK_IGNORED);
        ASSERT_INT_EQ(uplink_classify(&l, uplinks), UPLINK_WIRED); /* named in Uplinks= */
        REQUIRE(net_link_make(1, "lo", true, true, false, NULL, &l) == 0);
        ASSERT_INT_EQ(uplink_classify(&l, NULL), UPLINK_IGNORED);
        REQUIRE(net_link_make(4, "eth1", true, false, true, NULL, &l) == 0);
        ASSERT_INT_EQ(uplink_classify(&l, NULL), UPLINK_IGNORED); /* bridge member */
        REQUIRE(net_link_make(5, "wlan0", true, false, false, NULL, &l) == 0);
        l.wireless = true;
        ASSERT_INT_EQ(uplink_classify(&l, NULL), UPLINK_WIRELESS);
        REQUIRE(net_link_make(6, "enx001122334455", true, false, false, NULL, &l) == 0);
        ASSERT_INT_EQ(uplink_classify(&l, NULL), UPLINK_WIRED); /* USB Ethernet */
}

static void test_prefer(void)
{
        char *wireless_first[] = {(char *)"wireless", (char *)"wired", NULL};
        char *by_name[] = {(char *)"wlan1", (char *)"wired", NULL};

        ASSERT_TRUE(uplink_preference("eth0", UPLINK_WIRED, NULL) <
                    uplink_preference("wlan0", UPLINK_WIRELESS, NULL));
        ASSERT_TRUE(uplink_preference("eth0", UPLINK_WIRED, wireless_first) >
                    uplink_preference("wlan0", UPLINK_WIRELESS, wireless_first));
        ASSERT_TRUE(uplink_preference("wlan1", UPLINK_WIRELESS, by_name) <
                    uplink_preference("eth0", UPLINK_WIRED, by_name));
}

static void test_plan_two_uplinks(void)
{
        NetState s = {};
        Plan p = {};
        PlanDiff d = {};

        add_link(&s, 2, "eth0", true, NULL, false);
        add_link(&s, 3, "wlan0", true, NULL, true);
        add_link(&s, 4, "docker0", true, "bridge", false);
        add_addr4(&s, 2, "10.0.0.12", 24);
        add_addr4(&s, 3, "10.0.0.37", 24);
        add_addr4(&s, 4, "172.17.0.1", 16);
        add_default4(&s, 2, "10.0.0.1", 1024);
        add_default4(&s, 3, "10.0.0.1", 1024);
        REQUIRE(plan_build(&s, &(PlanSettings){}, &p) == 0);
        ASSERT_INT_EQ(p.n_uplinks, 2);
        ASSERT_TRUE(p.n_uplinks == 2 && streq(p.uplinks[0].name, "eth0")); /* wired first */
        ASSERT_INT_EQ(p.n_rules, 2); /* from 10.0.0.12, from 10.0.0.37 */
        ASSERT_INT_EQ(p.n_routes,
                      6); /* per uplink: connected + default in its table, default in main */
        ASSERT_INT_EQ(p.n_shared_subnet, 2); /* one subnet: ARP per interface */
        for (size_t i = 0; i < p.n_routes; i++)
                ASSERT_INT_EQ(p.routes[i].protocol, NETWORK_RTPROT);
        for (size_t i = 0; i < p.n_routes; i++)
                if (p.routes[i].table == NETWORK_TABLE_MAIN)
                        ASSERT_INT_EQ(p.routes[i].metric,
                                      NETWORK_METRIC_BASE + (p.routes[i].ifindex == 2 ? 0u : 1u));
        /* Against a state with nothing of ours: everything to add, nothing to delete, and the
         * other manager's routes are never in the delete lists. */
        REQUIRE(plan_diff(&p, &s, &d) == 0);
        ASSERT_TRUE(d.n_add_routes == p.n_routes && d.n_add_rules == p.n_rules);
        ASSERT_TRUE(d.n_del_routes == 0 && d.n_del_rules == 0);
        plan_diff_clear(&d);
        /* Once installed: nothing to do. */
        for (size_t i = 0; i < p.n_routes; i++)
                REQUIRE(net_state_add_route(&s, &p.routes[i]) == 0);
        for (size_t i = 0; i < p.n_rules; i++)
                REQUIRE(net_state_add_rule(&s, &p.rules[i]) == 0);
        REQUIRE(plan_diff(&p, &s, &d) == 0);
        ASSERT_TRUE(d.n_add_routes == 0 && d.n_add_rules == 0 && d.n_del_routes == 0 &&
                    d.n_del_rules == 0);
        plan_diff_clear(&d);
        /* eth0 loses carrier: its objects go, and crash leftovers with them. */
        s.links[0].carrier = false;
        plan_clear(&p);
        REQUIRE(plan_build(&s, &(PlanSettings){}, &p) == 0);
        ASSERT_INT_EQ(p.n_uplinks, 1);
        REQUIRE(plan_diff(&p, &s, &d) == 0);
        for (size_t i = 0; i < d.n_del_routes; i++)
                ASSERT_INT_EQ(d.del_routes[i].protocol, NETWORK_RTPROT);
        ASSERT_TRUE(d.n_del_rules >= 1);
        plan_diff_clear(&d);
        plan_clear(&p);
        net_state_clear(&s);
}

/* A renewed lease next to the old one, or an alias: two addresses in one subnet on one uplink.
 * Each gets its rule; the table gets one connected route (the kernel refuses a second with the
 * same destination and metric, whatever its source), and a second plan of the same state adds
 * nothing. */
static void test_two_addresses_one_subnet(void)
{
        NetState s = {};
        Plan p = {};
        PlanDiff d = {};
        size_t connected = 0;

        add_link(&s, 2, "eth0", true, NULL, false);
        add_link(&s, 3, "wlan0", true, NULL, true);
        add_addr4(&s, 2, "10.0.1.12", 24);
        add_addr4(&s, 2, "10.0.1.77", 24);
        add_addr4(&s, 3, "10.0.2.37", 24);
        add_default4(&s, 2, "10.0.1.1", 1024);
        add_default4(&s, 3, "10.0.2.1", 1024);
        REQUIRE(plan_build(&s, NULL, &p) == 0);
        ASSERT_INT_EQ(p.n_rules, 3);
        for (size_t i = 0; i < p.n_routes; i++)
                connected +=
                        p.routes[i].table == NETWORK_TABLE_BASE + 2 && p.routes[i].dst_len == 24;
        ASSERT_INT_EQ(connected, 1);
        for (size_t i = 0; i < p.n_routes; i++)
                for (size_t k = i + 1; k < p.n_routes; k++)
                        ASSERT_TRUE(!(p.routes[i].table == p.routes[k].table &&
                                      p.routes[i].dst_len == p.routes[k].dst_len &&
                                      memcmp(p.routes[i].dst, p.routes[k].dst, 4) == 0 &&
                                      p.routes[i].metric == p.routes[k].metric));
        for (size_t i = 0; i < p.n_routes; i++)
                REQUIRE(net_state_add_route(&s, &p.routes[i]) == 0);
        for (size_t i = 0; i < p.n_rules; i++)
                REQUIRE(net_state_add_rule(&s, &p.rules[i]) == 0);
        REQUIRE(plan_diff(&p, &s, &d) == 0);
        ASSERT_TRUE(d.n_add_routes == 0 && d.n_add_rules == 0 && d.n_del_routes == 0 &&
                    d.n_del_rules == 0);
        plan_diff_clear(&d);
        plan_clear(&p);
        net_state_clear(&s);
}

static void test_one_uplink_nothing(void)
{
        NetState s = {};
        Plan p = {};

        add_link(&s, 2, "eth0", true, NULL, false);
        add_addr4(&s, 2, "192.168.1.5", 24);
        add_default4(&s, 2, "192.168.1.1", 100);
        REQUIRE(plan_build(&s, NULL, &p) == 0);
        ASSERT_TRUE(p.n_uplinks == 1 && p.n_routes == 0 && p.n_rules == 0);
        plan_clear(&p);
        /* carrier, but no IPv4: diagnosed */
        add_link(&s, 3, "wlan0", true, NULL, true);
        REQUIRE(plan_build(&s, NULL, &p) == 0);
        ASSERT_TRUE(p.n_no_ipv4 == 1 && streq(p.no_ipv4[0].name, "wlan0"));
        plan_clear(&p);
        net_state_clear(&s);
}

static void test_broken_input(void)
{
        uint8_t a4[4] = {10, 0, 0, 1}, a16[16] = {0xfd};
        NetLink l;
        NetAddr a;
        NetRoute r;
        char longname[64];

        memset(longname, 'x', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = 0;
        ASSERT_INT_EQ(net_link_make(2, NULL, true, false, false, NULL, &l), -EBADMSG);
        ASSERT_INT_EQ(net_link_make(2, "", true, false, false, NULL, &l), -EBADMSG);
        ASSERT_INT_EQ(net_link_make(2, longname, true, false, false, NULL, &l), -EBADMSG);
        ASSERT_INT_EQ(net_link_make(0, "eth0", true, false, false, NULL, &l), -EBADMSG);
        ASSERT_INT_EQ(net_addr_make(2, AF_INET, a4, 4, 33, 0, &a), -EBADMSG); /* bogus prefix */
        ASSERT_INT_EQ(net_addr_make(2, AF_INET6, a16, 16, 129, 0, &a), -EBADMSG);
        ASSERT_INT_EQ(net_addr_make(2, AF_INET, a16, 16, 24, 0, &a), -EBADMSG); /* wrong length */
        ASSERT_INT_EQ(net_addr_make(2, AF_PACKET, a4, 4, 24, 0, &a), -EBADMSG);
        ASSERT_INT_EQ(net_addr_make(2, AF_INET, NULL, 4, 24, 0, &a), -EBADMSG);
        ASSERT_INT_EQ(net_addr_make(2, AF_INET, a4, 4, 24, 0, &a), 0);
        ASSERT_INT_EQ(net_route_make(AF_INET, 254, 2, a4, 4, 40, NULL, 0, NULL, 0, 0, 3, 0, &r),
                      -EBADMSG);
        ASSERT_INT_EQ(net_route_make(AF_INET, 254, 2, NULL, 0, 0, a16, 16, NULL, 0, 0, 3, 0, &r),
                      -EBADMSG);
        /* A default route without a gateway (point-to-point) is valid and planned onto the link. */
        ASSERT_INT_EQ(net_route_make(AF_INET, 254, 2, NULL, 0, 0, NULL, 0, NULL, 0, 0, 3, 0, &r),
                      0);

        NetState s = {};
        Plan p = {};
        add_link(&s, 2, "ppp0", true, NULL, false);
        add_link(&s, 3, "eth0", true, NULL, false);
        add_addr4(&s, 2, "100.64.0.2", 32);
        add_addr4(&s, 3, "10.0.0.2", 24);
        REQUIRE(net_state_add_route(&s, &r) == 0);
        add_default4(&s, 3, "10.0.0.1", 200);
        REQUIRE(plan_build(&s, NULL, &p) == 0);
        ASSERT_INT_EQ(p.n_uplinks, 2);
        bool gwless = false;
        for (size_t i = 0; i < p.n_routes; i++)
                gwless |= p.routes[i].ifindex == 2 && p.routes[i].dst_len == 0 &&
                          !p.routes[i].has_gateway;
        ASSERT_TRUE(gwless);
        plan_clear(&p);
        net_state_clear(&s);
}

int main(void)
{
        TEST_RUN(test_classify);
        TEST_RUN(test_prefer);
        TEST_RUN(test_plan_two_uplinks);
        TEST_RUN(test_two_addresses_one_subnet);
        TEST_RUN(test_one_uplink_nothing);
        TEST_RUN(test_broken_input);
        return test_exit();
}
