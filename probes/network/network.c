/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The network probe: keeps the board reachable on every uplink, prefers wired, fails over, and
 * diagnoses links without IPv4.
 *
 * run() evaluates and reports once. What outlives it (the rtnetlink cache manager on the event
 * loop, the installed routes and rules, the saved sysctls) is the handle's state: every change
 * to links, addresses, routes or rules rebuilds the policy after a short debounce and asks for
 * a new run when what the probe would report changed. The state's free function removes
 * everything carrying NETWORK_RTPROT and restores the sysctls (SIGTERM, --once). At start, the
 * first rebuild removes whatever a crashed hwctld left behind.
 *
 * Verdicts: ok (zero or one uplink: nothing to do), changed (policy installed), degraded (a link
 * with carrier and no IPv4 past IPv4TimeoutSec=, or a route/rule/sysctl that could not be set),
 * failed (netlink unusable), skipped (no interface but loopback: there is nothing to route, and a
 * board built without networking is not a fault of this probe; the summary says so). */
#include <dirent.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <time.h>

#include "network-settings.h"
#include "network.h"
#include "probe.h"

extern const ProbeOps probe_network;

#define NETWORK_DEBOUNCE_USEC    (5 * USEC_PER_MSEC)
#define NETWORK_RERUN_DELAY_USEC (50 * USEC_PER_MSEC)
/* sd-event turns an accuracy of 0 into 250 ms and lets a timer fire anywhere in that window to
 * coalesce wakeups: the 5 ms debounce then took 5-255 ms. These two timers are latency. */
#define NETWORK_TIMER_ACCURACY_USEC (1 * USEC_PER_MSEC)

typedef struct NoIPv4Since {
        int ifindex;
        uint64_t since; /* CLOCK_MONOTONIC */
} NoIPv4Since;

typedef struct NetworkState {
        ProbeHandle *handle;
        NetWatch *watch;
        sd_event_source *io, *debounce, *rerun, *ipv4_timer;
        PlanSettings settings;
        uint64_t ipv4_timeout_usec;
        char *sysctl_base, *sys_class_net, *proc;
        SysctlSaved *sysctls;
        NetState net;
        Plan plan;
        int apply_failures, apply_error, sysctl_failures, sysctl_error;
        NoIPv4Since *pending;
        size_t n_pending;
        char *fingerprint;
        uint64_t rebuilds;
} NetworkState;

static void network_rebuild(NetworkState *s);

static void network_state_free(void *p)
{
        NetworkState *s = p;
        NetState now = {};
        Plan empty = {};
        PlanDiff d = {};

        if (!s)
                return;
        sd_event_source_disable_unref(s->io);
        sd_event_source_disable_unref(s->debounce);
        sd_event_source_disable_unref(s->rerun);
        sd_event_source_disable_unref(s->ipv4_timer);
        /* A fresh dump, not the cache: events may be unread. */
        if (s->watch && net_dump(&now) >= 0 && plan_diff(&empty, &now, &d) >= 0)
                (void)net_apply(s->watch, &d, NULL);
        plan_diff_clear(&d);
        net_state_clear(&now);
        s->sysctls = sysctl_restore_all(s->sysctls);
        net_watch_free(s->watch);
        strv_free(s->settings.uplinks);
        strv_free(s->settings.prefer);
        free(s->sysctl_base);
        free(s->sys_class_net);
        free(s->proc);
        net_state_clear(&s->net);
        plan_clear(&s->plan);
        free(s->pending);
        free(s->fingerprint);
        free(s);
}

static void on_changed(void *userdata)
{
        NetworkState *s = userdata;
        int enabled = SD_EVENT_OFF;

        (void)sd_event_source_get_enabled(s->debounce, &enabled);
        if (enabled != SD_EVENT_OFF)
                return; /* a rebuild is already due: the burst ends in one */
        (void)sd_event_source_set_time_relative(s->debounce, NETWORK_DEBOUNCE_USEC);
        (void)sd_event_source_set_enabled(s->debounce, SD_EVENT_ONESHOT);
}

static int on_io(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
        NetworkState *s = userdata;

        (void)net_watch_process(s->watch);
        return 0;
}

static int on_debounce(sd_event_source *src, uint64_t usec, void *userdata)
{
        network_rebuild(userdata);
        return 0;
}

static int on_rerun(sd_event_source *src, uint64_t usec, void *userdata)
{
        NetworkState *s = userdata;

        (void)probe_handle_request_run(s->handle);
        return 0;
}

static void arm_rerun(NetworkState *s)
{
        int enabled = SD_EVENT_OFF;

        (void)sd_event_source_get_enabled(s->rerun, &enabled);
        if (enabled != SD_EVENT_OFF)
                return;
        (void)sd_event_source_set_time_relative(s->rerun, NETWORK_RERUN_DELAY_USEC);
        (void)sd_event_source_set_enabled(s->rerun, SD_EVENT_ONESHOT);
}

/* What the kernel says of the link (sys_class_net: <sysroot>/sys/class/net), not its name. */
static bool link_is_wireless(const char *sys_class_net, const char *name)
{
        static const char *const marks[] = {"phy80211", "wireless"};

        for (size_t i = 0; i < ELEMENTSOF(marks); i++) {
                _cleanup_free_ char *p = strdup_printf("%s/%s/%s", sys_class_net, name, marks[i]);
                if (p && access(p, F_OK) == 0)
                        return true;
        }
        return false;
}

/* Keeps, per link without IPv4, when it was first seen so; arms the timer for the next
 * deadline, so the status turns degraded when the timeout passes even if nothing else moves. */
static void track_no_ipv4(NetworkState *s)
{
        uint64_t now = now_usec(CLOCK_MONOTONIC), next = UINT64_MAX;
        NoIPv4Since *n = calloc(s->plan.n_no_ipv4 ? s->plan.n_no_ipv4 : 1, sizeof(NoIPv4Since));

        if (!n)
                return;
        for (size_t i = 0; i < s->plan.n_no_ipv4; i++) {
                n[i] = (NoIPv4Since){.ifindex = s->plan.no_ipv4[i].ifindex, .since = now};
                for (size_t k = 0; k < s->n_pending; k++)
                        if (s->pending[k].ifindex == n[i].ifindex)
                                n[i].since = s->pending[k].since;
                uint64_t deadline = n[i].since + s->ipv4_timeout_usec;
                if (deadline > now && deadline < next)
                        next = deadline;
        }
        free(s->pending);
        s->pending = n;
        s->n_pending = s->plan.n_no_ipv4;
        if (next != UINT64_MAX) {
                (void)sd_event_source_set_time(s->ipv4_timer, next);
                (void)sd_event_source_set_enabled(s->ipv4_timer, SD_EVENT_ONESHOT);
        }
}

static char *summarize(NetworkState *s, Verdict *ret_verdict, char **ret_remedy);

/* What a run would publish: the summary and the plan (addresses, routes, rules). The summary
 * names one address per uplink, so an address change behind it must still ask for a run, or the
 * status would keep a state from the middle of a burst. */
static char *fingerprint_of(NetworkState *s, const char *summary)
{
        json_object *plan = plan_to_json(&s->plan, &s->net);
        char *fp =
                plan ? strdup_printf("%s\n%s", summary,
                                     json_object_to_json_string_ext(plan, JSON_C_TO_STRING_PLAIN))
                     : NULL;

        json_object_put(plan);
        return fp;
}

static void network_rebuild(NetworkState *s)
{
        NetState net = {};
        Plan plan = {};
        PlanDiff diff = {};
        _cleanup_free_ char *summary = NULL, *fp = NULL;
        Verdict v;

        s->rebuilds++;
        if (net_watch_snapshot(s->watch, &net) < 0)
                return;
        for (size_t i = 0; i < net.n_links; i++)
                net.links[i].wireless = link_is_wireless(s->sys_class_net, net.links[i].name);
        if (plan_build(&net, &s->settings, &plan) < 0 || plan_diff(&plan, &net, &diff) < 0) {
                net_state_clear(&net);
                plan_clear(&plan);
                return;
        }
        s->apply_failures = net_apply(s->watch, &diff, &s->apply_error);
        s->sysctl_failures = sysctl_sync(&s->sysctls, s->sysctl_base, &plan, &s->sysctl_error);
        plan_diff_clear(&diff);
        net_state_clear(&s->net);
        plan_clear(&s->plan);
        s->net = net;
        s->plan = plan;
        track_no_ipv4(s);

        summary = summarize(s, &v, NULL);
        fp = summary ? fingerprint_of(s, summary) : NULL;
        if (fp && !streq_ptr(fp, s->fingerprint)) {
                free(s->fingerprint);
                s->fingerprint = TAKE_PTR(fp);
                arm_rerun(s);
        }
}

static int on_ipv4_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
        NetworkState *s = userdata;

        track_no_ipv4(s);
        (void)probe_handle_request_run(s->handle);
        return 0;
}

/* The defaults stand in for a config made without [Network] (a test's own table). */
static const NetworkSettings *network_settings_of(const Config *c)
{
        static char *const prefer[] = {(char *)"wired", (char *)"wireless", NULL};
        static const NetworkSettings defaults = {
                .prefer = (char **)prefer,
                .ipv4_timeout_usec = 30 * USEC_PER_SEC,
        };
        const NetworkSettings *s = probe_settings(&probe_network, c);
        return s ? s : &defaults;
}

static int settings_copy(const Config *c, NetworkState *s)
{
        const NetworkSettings *cfg = network_settings_of(c);
        char **u = strv_copy(cfg->uplinks), **p = strv_copy(cfg->prefer);

        if ((cfg->uplinks && !u) || (cfg->prefer && !p)) {
                strv_free(u);
                strv_free(p);
                return -ENOMEM;
        }
        strv_free(s->settings.uplinks);
        strv_free(s->settings.prefer);
        s->settings.uplinks = u;
        s->settings.prefer = p;
        s->ipv4_timeout_usec = cfg->ipv4_timeout_usec;
        return 0;
}

static int network_state_new(ProbeContext *ctx, NetworkState **ret)
{
        ProbeHandle *h = probe_context_handle(ctx);
        sd_event *e = probe_context_event(ctx);
        NetworkState *s = calloc(1, sizeof(NetworkState));
        int r;

        if (!s)
                return -ENOMEM;
        s->handle = h;
        s->sysctl_base = probe_context_path(ctx, PROBE_PATH_PROC, "sys/net/ipv4/conf");
        s->sys_class_net = probe_context_path(ctx, PROBE_PATH_SYS, "class/net");
        s->proc = probe_context_path(ctx, PROBE_PATH_PROC, NULL);
        _cleanup_free_ char *saved =
                probe_context_path(ctx, PROBE_PATH_RUN, "hwctl/network-sysctl.saved");
        r = !s->sysctl_base || !s->sys_class_net || !s->proc || !saved ? -ENOMEM : 0;
        if (r >= 0)
                r = sysctl_saved_new(probe_handle_sysroot(h), saved, s->sysctl_base, &s->sysctls);
        if (r >= 0)
                r = net_watch_new(on_changed, s, &s->watch);
        if (r >= 0)
                r = sd_event_add_io(e, &s->io, net_watch_fd(s->watch), EPOLLIN, on_io, s);
        if (r >= 0)
                r = sd_event_add_time_relative(e, &s->debounce, CLOCK_MONOTONIC,
                                               NETWORK_DEBOUNCE_USEC, NETWORK_TIMER_ACCURACY_USEC,
                                               on_debounce, s);
        if (r >= 0)
                r = sd_event_add_time_relative(e, &s->rerun, CLOCK_MONOTONIC,
                                               NETWORK_RERUN_DELAY_USEC,
                                               NETWORK_TIMER_ACCURACY_USEC, on_rerun, s);
        if (r >= 0)
                r = sd_event_add_time(e, &s->ipv4_timer, CLOCK_MONOTONIC, 0, 0, on_ipv4_timer, s);
        if (r >= 0) {
                (void)sd_event_source_set_enabled(s->debounce, SD_EVENT_OFF);
                (void)sd_event_source_set_enabled(s->rerun, SD_EVENT_OFF);
                (void)sd_event_source_set_enabled(s->ipv4_timer, SD_EVENT_OFF);
        }
        if (r < 0) {
                network_state_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

/* Which DHCP client runs, from <proc>/<pid>/comm, to name the likely cause. */
static const char *dhcp_client_running(NetworkState *s)
{
        static const char *const clients[] = {"dhcpcd",         "dhclient", "udhcpc",
                                              "NetworkManager", "connmand", "systemd-network",
                                              "dhcpcd-privsep", NULL};
        _cleanup_closedir_ DIR *d = opendir(s->proc);
        const char *found = NULL;
        struct dirent *de;

        while (d && !found && (de = readdir(d))) {
                _cleanup_free_ char *p = NULL, *comm = NULL;
                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                p = strdup_printf("%s/%s/comm", s->proc, de->d_name);
                if (!p || read_one_line_file(p, &comm) < 0)
                        continue;
                for (size_t i = 0; clients[i] && !found; i++)
                        if (strncmp(comm, clients[i], strlen(clients[i])) == 0)
                                found = clients[i];
        }
        return found;
}

static char *uplinks_line(NetworkState *s)
{
        _cleanup_free_ char *line = strdup("");
        char buf[INET6_ADDRSTRLEN];

        for (size_t i = 0; line && i < s->plan.n_uplinks; i++) {
                const PlanUplink *u = &s->plan.uplinks[i];
                const char *addr = "no IPv4";
                for (size_t k = 0; k < s->net.n_addrs; k++)
                        if (s->net.addrs[k].ifindex == u->ifindex &&
                            s->net.addrs[k].family == AF_INET && s->net.addrs[k].scope == 0) {
                                addr = net_addr_to_string(AF_INET, s->net.addrs[k].addr, buf);
                                break;
                        }
                char *n = strdup_printf("%s%s%s %s%s", line, i ? ", " : "", u->name, addr,
                                        i == 0 && s->plan.n_uplinks > 1 ? " (preferred)" : "");
                free(line);
                line = n;
        }
        return TAKE_PTR(line);
}

static char *summarize(NetworkState *s, Verdict *ret_verdict, char **ret_remedy)
{
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        _cleanup_free_ char *ups = uplinks_line(s), *late = NULL;
        bool late_has_ipv6 = false;
        size_t n_links = 0;

        if (!ups)
                return NULL;
        for (size_t i = 0; i < s->net.n_links; i++)
                n_links += !s->net.links[i].loopback;
        if (n_links == 0) {
                *ret_verdict = VERDICT_SKIPPED;
                return strdup("no network interface besides loopback");
        }
        for (size_t i = 0; i < s->n_pending; i++)
                if (now >= s->pending[i].since + s->ipv4_timeout_usec)
                        for (size_t k = 0; k < s->plan.n_no_ipv4; k++)
                                if (s->plan.no_ipv4[k].ifindex == s->pending[i].ifindex && !late) {
                                        late = strdup(s->plan.no_ipv4[k].name);
                                        late_has_ipv6 = s->plan.no_ipv4[k].has_ipv6;
                                }
        if (late) {
                _cleanup_free_ char *t = config_format_timespan(s->ipv4_timeout_usec);
                if (ret_remedy) {
                        const char *client = dhcp_client_running(s);
                        if (client)
                                *ret_remedy = strdup_printf(
                                        "%s runs but %s got no DHCPv4 answer: check the DHCP "
                                        "server on that network (router, Wi-Fi access point)%s",
                                        client, late,
                                        late_has_ipv6 ? "; IPv6 works, so the link itself is up"
                                                      : "");
                        else
                                *ret_remedy = strdup_printf(
                                        "no DHCP client runs for %s: enable DHCP for it in the "
                                        "image's network manager (systemd-networkd DHCP=yes, "
                                        "dhcpcd, NetworkManager), or give it a static address",
                                        late);
                }
                *ret_verdict = VERDICT_DEGRADED;
                return strdup_printf("%s has carrier but no IPv4 address after %s%s%s", late,
                                     strna(t), *ups ? "; uplinks: " : "", ups);
        }
        if (s->apply_failures > 0 || s->sysctl_failures > 0) {
                *ret_verdict = VERDICT_DEGRADED;
                return strdup_printf(
                        "%s; %d routing change(s) and %d sysctl(s) failed: %s", ups,
                        s->apply_failures, s->sysctl_failures,
                        strerror(-(s->apply_error ? s->apply_error : s->sysctl_error)));
        }
        if (s->plan.n_uplinks == 0) {
                *ret_verdict = VERDICT_OK;
                return strdup("no uplink (no link with carrier, a global address and a default "
                              "route): nothing to route");
        }
        if (s->plan.n_uplinks == 1 && s->plan.n_routes > 0) {
                *ret_verdict = VERDICT_CHANGED;
                return strdup_printf("%s, the only uplink with carrier; preferred over default "
                                     "routes on links without carrier",
                                     ups);
        }
        if (s->plan.n_uplinks == 1) {
                *ret_verdict = VERDICT_OK;
                return strdup_printf("%s, the only uplink: nothing to do", ups);
        }
        *ret_verdict = VERDICT_CHANGED;
        return strdup_printf("%s; policy routing on%s", ups,
                             s->plan.n_shared_subnet ? ", one subnet: ARP per interface" : "");
}

static int network_run(ProbeContext *ctx)
{
        ProbeHandle *h = probe_context_handle(ctx);
        NetworkState *s = probe_handle_get_state(h);
        json_object *details = probe_context_details(ctx);
        _cleanup_free_ char *summary = NULL, *remedy = NULL;
        Verdict v = VERDICT_OK;
        int r;

        /* A sysroot is a fixture, but netlink is this machine's own network: never route a
         * developer's machine from a test. Network tests run hwctld in a network namespace. */
        if (!streq(probe_handle_sysroot(h), "/"))
                return probe_done(ctx, VERDICT_SKIPPED,
                                  "not with --sysroot %s: routing acts on this machine's own "
                                  "network namespace; run hwctld inside one to test it",
                                  probe_handle_sysroot(h));

        if (!s) {
                r = network_state_new(ctx, &s);
                if (r < 0)
                        return probe_fail(ctx, r, "rtnetlink unusable: %m");
                probe_handle_set_state(h, s, network_state_free);
        }
        r = settings_copy(probe_context_config(ctx), s);
        if (r < 0)
                return probe_fail(ctx, r, "%m");
        network_rebuild(s);

        summary = summarize(s, &v, &remedy);
        if (!summary)
                return probe_fail(ctx, -ENOMEM, "%m");
        free(s->fingerprint);
        s->fingerprint = fingerprint_of(s, summary);
        json_object_object_add(details, "plan", plan_to_json(&s->plan, &s->net));
        json_object_object_add(details, "sysctls_saved", sysctl_to_json(s->sysctls));
        json_object *none = json_object_new_array();
        for (size_t i = 0; i < s->plan.n_no_ipv4; i++)
                json_object_array_add(none, json_object_new_string(s->plan.no_ipv4[i].name));
        json_object_object_add(details, "carrier_without_ipv4", none);
        json_object_object_add(details, "rebuilds", json_object_new_int64((int64_t)s->rebuilds));
        if (remedy)
                probe_set_remedy(ctx, "%s", remedy);
        return probe_done(ctx, v, "%s", summary);
}

static int network_plan(const Board *b, const Config *c, const char *sysroot, char **ret_summary,
                        json_object *details)
{
        PlanSettings settings = {.uplinks = network_settings_of(c)->uplinks,
                                 .prefer = network_settings_of(c)->prefer};
        NetState net = {};
        Plan plan = {};
        PlanDiff diff = {};
        _cleanup_free_ char *sys_class_net = NULL;
        char *summary;
        int r;

        if (!streq(sysroot, "/")) {
                /* As in run(): netlink shows this machine, not the fixture. */
                *ret_summary = strdup_printf("nothing: not with --sysroot %s", sysroot);
                return *ret_summary ? 0 : -ENOMEM;
        }
        sys_class_net = path_join_root(sysroot, "sys/class/net");
        if (!sys_class_net)
                return -ENOMEM;
        r = net_dump(&net);
        if (r < 0)
                return r;
        for (size_t i = 0; i < net.n_links; i++)
                net.links[i].wireless = link_is_wireless(sys_class_net, net.links[i].name);
        r = plan_build(&net, &settings, &plan);
        if (r >= 0)
                r = plan_diff(&plan, &net, &diff);
        if (r >= 0) {
                json_object_object_add(details, "plan", plan_to_json(&plan, &net));
                json_object_object_add(
                        details, "would_add",
                        json_object_new_int64((int64_t)(diff.n_add_routes + diff.n_add_rules)));
                json_object_object_add(
                        details, "would_remove",
                        json_object_new_int64((int64_t)(diff.n_del_routes + diff.n_del_rules)));
                if (plan.n_uplinks >= 2)
                        summary = strdup_printf("policy routing for %zu uplinks: %zu routes, %zu "
                                                "rules (protocol %d), preferred %s",
                                                plan.n_uplinks, plan.n_routes, plan.n_rules,
                                                NETWORK_RTPROT, plan.uplinks[0].name);
                else
                        summary = strdup_printf("nothing: %zu uplink(s)%s", plan.n_uplinks,
                                                diff.n_del_routes + diff.n_del_rules
                                                        ? ", would remove leftovers"
                                                        : "");
                if (!summary)
                        r = -ENOMEM;
                else
                        *ret_summary = summary;
        }
        plan_diff_clear(&diff);
        plan_clear(&plan);
        net_state_clear(&net);
        return r < 0 ? r : 0;
}

const ProbeOps probe_network = {
        .name = "network",
        .config = &network_config_section,
        .run = network_run,
        .plan = network_plan,
        .timeout_usec = 5 * USEC_PER_SEC,
};
