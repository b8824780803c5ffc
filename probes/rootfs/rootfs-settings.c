/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* [RootFS]: its keys, defaults and JSON form. */
#include <stddef.h>

#include "rootfs-settings.h"
#include "util.h"

static int rootfs_settings_init(void *p)
{
        RootfsSettings *s = p;

        s->mount = strdup("/");
        return s->mount ? 0 : -ENOMEM;
}

static void rootfs_settings_done(void *p)
{
        RootfsSettings *s = p;

        free(s->mount);
}

/* Reserve= sets both members: a size clears the percentage and the other way round. */
static int parse_reserve(const char *value, void *field, char **ret_detail)
{
        RootfsSettings *s =
                (RootfsSettings *)((char *)field - offsetof(RootfsSettings, reserve_bytes));
        size_t n = strlen(value);
        uint64_t bytes;
        int r;

        if (value[n - 1] == '%') {
                unsigned percent = 0;
                if (n < 2 || n > 3)
                        return -EINVAL;
                for (size_t i = 0; i < n - 1; i++) {
                        if (value[i] < '0' || value[i] > '9')
                                return -EINVAL;
                        percent = percent * 10 + (unsigned)(value[i] - '0');
                }
                s->reserve_bytes = 0;
                s->reserve_percent = percent;
                return 0;
        }
        r = config_parse_size(value, &bytes);
        if (r == -ERANGE)
                *ret_detail = strdup("too large");
        if (r < 0)
                return r == -ERANGE ? -EINVAL : r;
        s->reserve_bytes = bytes;
        s->reserve_percent = 0;
        return 0;
}

static const ConfigSetting rootfs_settings[] = {
        {"Mount", config_parse_path_field, CONFIG_FIELD_STRING, CONFIG_FIELD(RootfsSettings, mount),
         "an absolute path without . or .. components"},
        {"Reserve", parse_reserve, CONFIG_FIELD_SCALAR,
         CONFIG_FIELD_RANGE(RootfsSettings, reserve_bytes, reserve_percent),
         "a size such as 4096, 512M or 1.5G (base 1024, suffixes B K M G T, optionally KiB...), "
         "or a percentage 0%..99%"},
        {},
};

static bool rootfs_settings_to_json(const void *p, json_object *o)
{
        const RootfsSettings *s = p;
        _cleanup_free_ char *reserve = NULL;

        if (s->reserve_percent > 0)
                reserve = strdup_printf("%u%%", s->reserve_percent);
        else if (s->reserve_bytes > 0)
                reserve = config_format_size(s->reserve_bytes);
        else
                reserve = strdup("0");
        return reserve && config_json_add(o, "Mount", json_object_new_string(strempty(s->mount))) &&
               config_json_add(o, "Reserve", json_object_new_string(reserve)) &&
               config_json_add(o, "ReserveBytes", json_object_new_uint64(s->reserve_bytes)) &&
               config_json_add(o, "ReservePercent", json_object_new_int((int)s->reserve_percent));
}

const ConfigSection rootfs_config_section = {
        .name = "RootFS",
        .size = sizeof(RootfsSettings),
        .init = rootfs_settings_init,
        .done = rootfs_settings_done,
        .settings = rootfs_settings,
        .to_json = rootfs_settings_to_json,
};
