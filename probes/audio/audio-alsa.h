/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the audio probe asks alsa-lib: the cards, the configuration as every client will read
 * it, the mixer, and a short playback. Blocking calls: the probe runs them on its worker. */
#pragma once

#include "audio.h"

/* The cards with their playback PCM devices, in card-number order. */
int audio_alsa_list_cards(AudioCard **ret, size_t *ret_n, char **ret_error);

typedef struct AudioConfigView {
        bool parses;        /* snd_config_update_r() over the whole configuration */
        char *parse_error;  /* alsa-lib's own words, with file and line when it gives them */
        char *bad_file;     /* the file that does not parse on its own, NULL when unknown */
        char *default_type; /* pcm.default's type when a file defines it ("pulse", "hw") */
        char *default_file; /* the last file defining pcm.default; NULL: ALSA's own */
        char *card;         /* defaults.pcm.card as it resolves ("Headphones", "0") */
        char *card_file;    /* the last file setting defaults.pcm.card; NULL: ALSA's own */
} AudioConfigView;

void audio_config_view_done(AudioConfigView *v);
/* Reads the configuration as a client would (ALSA_CONFIG_PATH or alsa-lib's default top file),
 * and which of the files under etc_dir (<etc>/alsa/conf.d/\*.conf, <etc>/asound.conf) define the
 * default PCM and card. */
int audio_alsa_config_view(const char *etc_dir, AudioConfigView *ret);
/* Whether text parses as an ALSA configuration file; *ret_error alsa-lib's words if not. */
int audio_alsa_config_text_check(const char *text, size_t size, char **ret_error);

typedef struct AudioMixerReport {
        char *element;   /* "Master", "PCM", ...; NULL when the card has no usable one */
        unsigned index;  /* of the simple element */
        bool has_switch; /* a playback switch: can be muted */
        bool muted_before, muted_after;
        bool has_db;                                  /* a dB range: levels in dB below */
        long min_cdb, max_cdb, before_cdb, after_cdb; /* hundredths of a dB */
        long min_raw, max_raw, before_raw, after_raw;
        const char *action; /* "kept", "unmuted", "set", "unmuted and set" */
        char *why;          /* why the action */
        char *error;        /* NULL unless setting failed */
} AudioMixerReport;

void audio_mixer_report_done(AudioMixerReport *m);
/* Finds the card's main playback element by capability and, when it is muted, at its minimum,
 * or first_boot, unmutes it and sets target. -ENOMEM; other failures are in ret->error. */
int audio_alsa_mixer_apply(const char *card_id, const AudioVolume *target, bool first_boot,
                           AudioMixerReport *ret);

typedef struct AudioVerifyReport {
        bool ok;
        bool busy; /* another program has the device: it is in use, so it works */
        int error; /* negative errno-style from alsa-lib; 0 when ok */
        char *message;
        unsigned rate, channels;
        const char *format;
        uint64_t usec;
} AudioVerifyReport;

void audio_verify_report_done(AudioVerifyReport *v);
/* Opens pcm_name as a client would, 48 kHz S16_LE stereo (or what the device takes), writes
 * 100 ms of silence and drains it, giving up after timeout_usec. */
int audio_alsa_verify(const char *pcm_name, uint64_t timeout_usec, AudioVerifyReport *ret);
