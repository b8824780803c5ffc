/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The audio probe: [Audio] settings, the sound cards as ALSA names them, the choice of output
 * (a pure function of board facts, cards and settings), the conf.d file that makes it the
 * default, and the kernel command line's word on snd_bcm2835. */
#pragma once

#include <json-c/json.h>

#include "board.h"
#include "config.h"

/* ---- [Audio] ---- */

typedef enum AudioOutput {
        AUDIO_OUTPUT_AUTO, /* the analog jack where the board has one, else the first HDMI */
        AUDIO_OUTPUT_ANALOG,
        AUDIO_OUTPUT_HDMI, /* the first HDMI output */
        AUDIO_OUTPUT_HDMI0,
        AUDIO_OUTPUT_HDMI1,
        AUDIO_OUTPUT_CARD, /* a card id, AudioSettings.card */
        _AUDIO_OUTPUT_MAX,
        _AUDIO_OUTPUT_INVALID = -EINVAL,
} AudioOutput;

/* Volume=: "-6dB", "-10.5 dB", "75%". */
typedef struct AudioVolume {
        bool percent;
        long centi_db; /* when !percent: hundredths of a dB, as alsa-lib counts */
        unsigned percent_value;
} AudioVolume;

#define AUDIO_VOLUME_DB_MIN  (-9999L) /* -99.99 dB */
#define AUDIO_VOLUME_DB_MAX  2400L    /* +24 dB: a few codecs amplify */
#define AUDIO_SETTLE_DEFAULT (10 * USEC_PER_SEC)
#define AUDIO_CARD_ID_MAX    15 /* struct snd_card's id[16] */

typedef struct AudioSettings {
        char *output; /* Output=, validated: a keyword in lower case or a card id; NULL: auto */
        AudioVolume volume;
        uint64_t settle_usec; /* SettleSec= */
} AudioSettings;

extern const ConfigSection audio_config_section;

const char *audio_output_to_string(AudioOutput o);
/* What Output= asks for; *ret_card the card id for AUDIO_OUTPUT_CARD (points into s). */
AudioOutput audio_settings_output(const AudioSettings *s, const char **ret_card);
/* "auto", "analog", "hdmi", "hdmi0", "hdmi1", or a card id (ASCII letters, digits, '_', '-',
 * at most 15). -EINVAL for anything else. */
int audio_output_parse(const char *s, AudioOutput *ret, char **ret_card);
int audio_volume_parse(const char *s, AudioVolume *ret);
/* "-6.00 dB", "75 %". */
char *audio_volume_to_string(const AudioVolume *v);

/* ---- Cards ---- */

typedef enum AudioCardKind {
        AUDIO_CARD_ANALOG,  /* a headphone/line jack */
        AUDIO_CARD_HDMI,    /* one HDMI output */
        AUDIO_CARD_USB,     /* snd-usb-audio */
        AUDIO_CARD_SOC,     /* an SoC card with several outputs (Amlogic) */
        AUDIO_CARD_VIRTUAL, /* loopback and the like: never chosen unless named */
        AUDIO_CARD_OTHER,
        _AUDIO_CARD_KIND_MAX,
        _AUDIO_CARD_KIND_INVALID = -EINVAL,
} AudioCardKind;

typedef struct AudioPcm {
        int device;
        char *id;   /* NULL when unknown */
        char *name; /* NULL when unknown */
} AudioPcm;

typedef struct AudioCard {
        int index; /* the kernel's card number: for this moment only, never persisted */
        char *id;  /* "Headphones", "vc4hdmi0", ...: what the default names */
        char *driver;
        char *name;
        char *longname;
        AudioCardKind kind;
        int hdmi_port; /* 0, 1 for vc4hdmi0/1 and the like; -1 when not known or not HDMI */
        AudioPcm *pcm; /* playback devices */
        size_t n_pcm;
} AudioCard;

const char *audio_card_kind_to_string(AudioCardKind k);
/* Sets kind and hdmi_port from id, driver, name and the PCM names. */
void audio_card_classify(AudioCard *c);
void audio_cards_free(AudioCard *c, size_t n);
json_object *audio_card_to_json(const AudioCard *c);
/* Card ids are what the kernel derives from names: letters, digits, '_' and '-', 1..15. */
bool audio_card_id_is_valid(const char *id);

/* ---- The kernel command line ---- */

typedef struct AudioCmdline {
        Tristate headphones; /* snd_bcm2835.enable_headphones, last assignment wins */
        Tristate hdmi;       /* snd_bcm2835.enable_hdmi */
} AudioCmdline;

void audio_cmdline_parse(const char *cmdline, AudioCmdline *ret);

/* ---- The choice ---- */

typedef struct AudioDecision {
        ssize_t card;        /* index into the card list; -1 for none */
        int pcm_device;      /* the playback device to verify; -1 for none */
        char *reason;        /* why this card, or why none */
        bool analog_missing; /* the board has a jack but no analog card came */
        bool only_virtual;   /* auto found only virtual cards (Loopback, ...) */
        char *pcm_name;      /* how a client reaches it: "plughw:CARD=ID,DEV=N", "hdmi:CARD=ID" */
} AudioDecision;

void audio_decision_done(AudioDecision *d);
/* Pure: the output for this board, cards and settings (the kernel command line shows in which
 * cards came, not here). -ENOMEM only. */
int audio_decide(const Board *b, const AudioSettings *s, const AudioCard *cards, size_t n,
                 AudioDecision *ret);

/* The cards this board's kernel would create, named as the flavour of its tree names them
 * (the Raspberry Pi kernel's, mainline's, the Khadas vendor kernel's). For `hwctl plan` and to
 * know when the cards have all come. A board without audio outputs gives none. */
int audio_expected_cards(const Board *b, const AudioCmdline *cmd, AudioCard **ret, size_t *ret_n);
/* Whether every expected card (matched by kind and HDMI port) is among cards; false when
 * nothing is expected (then only the settle time says the cards are all there). */
bool audio_expected_present(const AudioCard *expected, size_t n_expected, const AudioCard *cards,
                            size_t n);

/* ---- The default ---- */

#define AUDIO_CONF_NAME   "60-hwctl-default.conf"
#define AUDIO_CONF_HEADER "# Written by hwctld's audio probe"

/* The conf.d file making card id the default for PCM and control. */
char *audio_conf_render(const char *card_id, const char *why);
/* Whether text is a file this probe wrote (and so may replace). */
bool audio_conf_is_ours(const char *text);
