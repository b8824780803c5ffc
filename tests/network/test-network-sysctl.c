/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The sysctl originals file under /run, read back after a crash: a restore writes only to the
 * path rebuilt from a valid interface name and one of hwctld's keys, never to a stored path. */
#include <stdio.h>
#include <sys/stat.h>

#include "network.h"
#include "test-util.h"
#include "util.h"

static char root[] = "/tmp/hwctl-test-sysctl-XXXXXX";

static char *at(const char *rel)
{
        return strdup_printf("%s/%s", root, rel);
}

static void put(const char *rel, const char *text)
{
        _cleanup_free_ char *p = at(rel);
        REQUIRE(mkdir_parents(p, 0755) >= 0);
        REQUIRE(write_file_atomic(p, text, strlen(text), 0644) >= 0);
}

static char *get(const char *rel)
{
        _cleanup_free_ char *p = at(rel);
        char *s = NULL;
        return read_one_line_file(p, &s) >= 0 ? s : NULL;
}

static void test_stored_paths_are_ignored(void)
{
        _cleanup_free_ char *base = at("proc/sys/net/ipv4/conf"), *state = at("run/saved");
        _cleanup_free_ char *target = at("etc/shadow"), *text = NULL;
        _cleanup_free_ char *eth0 = NULL, *shadow = NULL, *wlan0 = NULL;
        SysctlSaved *s = NULL;

        put("proc/sys/net/ipv4/conf/eth0/rp_filter", "2");
        put("proc/sys/net/ipv4/conf/wlan0/arp_ignore", "1");
        put("etc/shadow", "root:secret");
        text = strdup_printf("%s eth0 rp_filter 1\n"          /* a stored path elsewhere */
                             "/x ../../etc rp_filter 0\n"     /* not an interface name */
                             "/x eth0 core_pattern 1\n"       /* not one of our keys */
                             "/x wlan0 arp_ignore |/bin/sh\n" /* not a sysctl value */
                             "/x wlan0 arp_ignore 0\n",       /* good */
                             target);
        REQUIRE(text);
        put("run/saved", text);
        ASSERT_INT_EQ(sysctl_saved_new(root, state, base, &s), 0);
        s = sysctl_restore_all(s);
        ASSERT_NULL(s);
        eth0 = get("proc/sys/net/ipv4/conf/eth0/rp_filter");
        shadow = get("etc/shadow");
        wlan0 = get("proc/sys/net/ipv4/conf/wlan0/arp_ignore");
        /* The first line's value went where eth0's rp_filter is, not to the stored path. */
        ASSERT_STR_EQ(eth0, "1");
        ASSERT_STR_EQ(shadow, "root:secret");
        ASSERT_STR_EQ(wlan0, "0");
}

int main(void)
{
        if (!mkdtemp(root))
                TEST_SKIP("cannot make a temporary directory");
        TEST_RUN(test_stored_paths_are_ignored);
        return test_exit();
}
