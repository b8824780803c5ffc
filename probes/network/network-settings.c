/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* [Network]: its keys, defaults and JSON form. */
#include <stddef.h>

#include "network-settings.h"
#include "util.h"

static int network_settings_init(void *p)
{
        NetworkSettings *s = p;

        static char *const prefer[] = {(char *)"wired", (char *)"wireless", NULL};

        s->prefer = strv_copy(prefer);
        if (!s->prefer)
                return -ENOMEM;
        s->ipv4_timeout_usec = 30 * USEC_PER_SEC;
        return 0;
}

static void network_settings_done(void *p)
{
        NetworkSettings *s = p;

        strv_free(s->uplinks);
        strv_free(s->prefer);
}

static const ConfigSetting network_settings[] = {
        {"Uplinks", config_parse_ifnames_field, CONFIG_FIELD_STRV,
         CONFIG_FIELD(NetworkSettings, uplinks), CONFIG_EXPECT_IFNAMES},
        {"Prefer", config_parse_ifnames_field, CONFIG_FIELD_STRV,
         CONFIG_FIELD(NetworkSettings, prefer), "wired, wireless or " CONFIG_EXPECT_IFNAMES},
        {"IPv4TimeoutSec", config_parse_timespan_field, CONFIG_FIELD_SCALAR,
         CONFIG_FIELD(NetworkSettings, ipv4_timeout_usec), CONFIG_EXPECT_TIME},
        {},
};

static bool network_settings_to_json(const void *p, json_object *o)
{
        const NetworkSettings *s = p;

        return config_json_add_strv(o, "Uplinks", s->uplinks) &&
               config_json_add_strv(o, "Prefer", s->prefer) &&
               config_json_add_timespan(o, "IPv4Timeout", s->ipv4_timeout_usec);
}

const ConfigSection network_config_section = {
        .name = "Network",
        .size = sizeof(NetworkSettings),
        .init = network_settings_init,
        .done = network_settings_done,
        .settings = network_settings,
        .to_json = network_settings_to_json,
};
