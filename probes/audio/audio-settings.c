/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* [Audio]: its keys, defaults and JSON form. */
#include "audio.h"
#include "util.h"

static int audio_settings_init(void *p)
{
        AudioSettings *s = p;

        s->volume_percent = 80;
        return 0;
}

static void audio_settings_done(void *p)
{
        AudioSettings *s = p;

        free(s->card);
}

static int parse_volume(const char *value, void *field, char **ret_detail)
{
        char digits[8];
        size_t n = strlen(value);
        uint64_t v;

        if (value[n - 1] == '%')
                n--;
        if (n == 0 || n >= sizeof(digits))
                return -EINVAL;
        memcpy(digits, value, n);
        digits[n] = 0;
        if (config_parse_decimal_max(digits, 100, &v) < 0)
                return -EINVAL;
        *(unsigned *)field = (unsigned)v;
        return 0;
}

static const ConfigSetting audio_settings[] = {
        {"Card", config_parse_string_field, CONFIG_FIELD_STRING, CONFIG_FIELD(AudioSettings, card),
         "an ALSA card name"},
        {"Volume", parse_volume, CONFIG_FIELD_SCALAR, CONFIG_FIELD(AudioSettings, volume_percent),
         "a volume 0..100, optionally followed by %"},
        {},
};

static bool audio_settings_to_json(const void *p, json_object *o)
{
        const AudioSettings *s = p;

        /* null: the probe chooses */
        return config_json_add_string_or_null(o, "Card", s->card) &&
               config_json_add(o, "Volume", json_object_new_int((int)s->volume_percent));
}

const ConfigSection audio_config_section = {
        .name = "Audio",
        .size = sizeof(AudioSettings),
        .init = audio_settings_init,
        .done = audio_settings_done,
        .settings = audio_settings,
        .to_json = audio_settings_to_json,
};
