/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* [Audio]: Output=, Volume=, SettleSec=; their syntax, defaults and JSON form. */
#include <math.h>
#include <stdio.h>

#include "audio.h"
#include "util.h"

static const char *const output_names[_AUDIO_OUTPUT_MAX] = {
        [AUDIO_OUTPUT_AUTO] = "auto",   [AUDIO_OUTPUT_ANALOG] = "analog",
        [AUDIO_OUTPUT_HDMI] = "hdmi",   [AUDIO_OUTPUT_HDMI0] = "hdmi0",
        [AUDIO_OUTPUT_HDMI1] = "hdmi1", [AUDIO_OUTPUT_CARD] = "card",
};

const char *audio_output_to_string(AudioOutput o)
{
        return o >= 0 && o < _AUDIO_OUTPUT_MAX ? output_names[o] : NULL;
}

bool audio_card_id_is_valid(const char *id)
{
        size_t n = id ? strlen(id) : 0;

        if (n == 0 || n > AUDIO_CARD_ID_MAX)
                return false;
        for (; *id; id++)
                if (!((*id >= 'a' && *id <= 'z') || (*id >= 'A' && *id <= 'Z') ||
                      (*id >= '0' && *id <= '9') || *id == '_' || *id == '-'))
                        return false;
        return true;
}

int audio_output_parse(const char *s, AudioOutput *ret, char **ret_card)
{
        for (AudioOutput o = 0; o < AUDIO_OUTPUT_CARD; o++)
                if (strcasecmp(s, output_names[o]) == 0) {
                        *ret = o;
                        *ret_card = NULL;
                        return 0;
                }
        if (!audio_card_id_is_valid(s))
                return -EINVAL;
        *ret_card = strdup(s);
        if (!*ret_card)
                return -ENOMEM;
        *ret = AUDIO_OUTPUT_CARD;
        return 0;
}

int audio_volume_parse(const char *s, AudioVolume *ret)
{
        char *end;
        double v;

        while (*s == ' ' || *s == '\t')
                s++;
        /* strtod would take "nan", "inf" and hex: only plain decimals here. */
        for (const char *p = s; *p && *p != '%' && *p != ' ' && *p != 'd' && *p != 'D'; p++)
                if (!((*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '+'))
                        return -EINVAL;
        errno = 0;
        v = strtod(s, &end);
        if (end == s || errno != 0 || !isfinite(v))
                return -EINVAL;
        /* A bare number is a percentage, as amixer reads one. */
        if (streq(end, "%") || *end == 0) {
                if (v < 0 || v > 100 || v != floor(v))
                        return -ERANGE;
                *ret = (AudioVolume){.percent = true, .percent_value = (unsigned)v};
                return 0;
        }
        while (*end == ' ' || *end == '\t')
                end++;
        if (strcasecmp(end, "dB") == 0) {
                long c = lround(v * 100);
                if (c < AUDIO_VOLUME_DB_MIN || c > AUDIO_VOLUME_DB_MAX)
                        return -ERANGE;
                *ret = (AudioVolume){.centi_db = c};
                return 0;
        }
        return -EINVAL;
}

char *audio_volume_to_string(const AudioVolume *v)
{
        if (v->percent)
                return strdup_printf("%u%%", v->percent_value);
        return strdup_printf("%s%ld.%02lddB", v->centi_db < 0 ? "-" : "", labs(v->centi_db) / 100,
                             labs(v->centi_db) % 100);
}

static int audio_settings_init(void *p)
{
        AudioSettings *s = p;

        s->volume = (AudioVolume){.centi_db = -600};
        s->settle_usec = AUDIO_SETTLE_DEFAULT;
        return 0;
}

static void audio_settings_done(void *p)
{
        AudioSettings *s = p;

        free(s->output);
        s->output = NULL;
}

static int parse_output(const char *value, void *field, char **ret_detail)
{
        _cleanup_free_ char *card = NULL;
        AudioOutput o;
        char *copy;
        int r;

        r = audio_output_parse(value, &o, &card);
        if (r == -EINVAL && ret_detail)
                *ret_detail = strdup("not auto, analog, hdmi, hdmi0, hdmi1 or a card id of 1..15 "
                                     "letters, digits, '_' or '-'");
        if (r < 0)
                return r;
        copy = strdup(o == AUDIO_OUTPUT_CARD ? card : audio_output_to_string(o));
        if (!copy)
                return -ENOMEM;
        free(*(char **)field);
        *(char **)field = copy;
        return 0;
}

AudioOutput audio_settings_output(const AudioSettings *s, const char **ret_card)
{
        AudioOutput o = AUDIO_OUTPUT_AUTO;
        _cleanup_free_ char *card = NULL;

        *ret_card = NULL;
        if (!s || !s->output || audio_output_parse(s->output, &o, &card) < 0)
                return AUDIO_OUTPUT_AUTO;
        if (o == AUDIO_OUTPUT_CARD)
                *ret_card = s->output;
        return o;
}

static int parse_volume(const char *value, void *field, char **ret_detail)
{
        int r = audio_volume_parse(value, field);

        if (r == -ERANGE && ret_detail)
                *ret_detail = strdup("out of range");
        return r < 0 ? -EINVAL : 0;
}

static const ConfigSetting audio_settings[] = {
        {"Output", parse_output, CONFIG_FIELD_STRING, CONFIG_FIELD(AudioSettings, output),
         "auto, analog, hdmi, hdmi0, hdmi1 or an ALSA card id"},
        {"Volume", parse_volume, CONFIG_FIELD_SCALAR, CONFIG_FIELD(AudioSettings, volume),
         "a level of 0..100% or -99.99..+24 dB, such as 75% or -6dB"},
        {"SettleSec", config_parse_timespan_field, CONFIG_FIELD_SCALAR,
         CONFIG_FIELD(AudioSettings, settle_usec), CONFIG_EXPECT_TIME},
        {},
};

static bool audio_settings_to_json(const void *p, json_object *o)
{
        const AudioSettings *s = p;
        _cleanup_free_ char *vol = audio_volume_to_string(&s->volume);

        return vol &&
               config_json_add(o, "Output",
                               json_object_new_string(s->output ? s->output : "auto")) &&
               config_json_add(o, "Volume", json_object_new_string(vol)) &&
               config_json_add_timespan(o, "Settle", s->settle_usec);
}

const ConfigSection audio_config_section = {
        .name = "Audio",
        .size = sizeof(AudioSettings),
        .init = audio_settings_init,
        .done = audio_settings_done,
        .settings = audio_settings,
        .to_json = audio_settings_to_json,
};
