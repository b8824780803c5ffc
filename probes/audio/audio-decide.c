/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parts of the audio probe: what a card is, what the kernel command line says about
 * snd_bcm2835, which cards a board's kernel makes, which one becomes the default, and the conf.d
 * file saying so. No alsa-lib here, so all of it is tested over real device trees.
 *
 * Card ids are the kernel's: a driver may set one, else ALSA takes the last word of the card's
 * short name and keeps its letters and digits (sound/core/init.c). So snd_bcm2835's
 * "bcm2835 Headphones" is "Headphones", and vc4's "vc4-hdmi-0" is "vc4hdmi0" (Pi 4, 400, CM4,
 * 5; "vc4-hdmi", so "vc4hdmi", on the Pi 3 and Zero 2 W). Mainline snd_bcm2835 also makes an
 * "HDMI" card; the Khadas vendor kernel one AML-AUGESOUND card with a PCM per output. */
#include <ctype.h>
#include <stdio.h>
#include <strings.h>

#include "audio.h"
#include "details.h"
#include "util.h"

static const char *const kind_names[_AUDIO_CARD_KIND_MAX] = {
        [AUDIO_CARD_ANALOG] = "analog",   [AUDIO_CARD_HDMI] = "hdmi",
        [AUDIO_CARD_USB] = "usb",         [AUDIO_CARD_SOC] = "soc",
        [AUDIO_CARD_VIRTUAL] = "virtual", [AUDIO_CARD_OTHER] = "other",
};

const char *audio_card_kind_to_string(AudioCardKind k)
{
        return k >= 0 && k < _AUDIO_CARD_KIND_MAX ? kind_names[k] : NULL;
}

static bool contains_nocase(const char *s, const char *needle)
{
        return s && strcasestr(s, needle);
}

/* The digit after prefix in s ("vc4hdmi1" -> 1), 0 when there is none, -1 when s does not
 * start with prefix. */
static int port_after(const char *s, const char *prefix)
{
        size_t n = strlen(prefix);

        if (!s || strncasecmp(s, prefix, n) != 0)
                return -1;
        if (isdigit((unsigned char)s[n]) && s[n + 1] == 0)
                return s[n] - '0';
        return s[n] == 0 ? 0 : -1;
}

void audio_card_classify(AudioCard *c)
{
        int port;

        c->hdmi_port = -1;
        /* The id first: it is what the kernels name outputs by, and what snd-dummy can mimic. */
        if (c->id &&
            (strncasecmp(c->id, "Headphone", 9) == 0 || contains_nocase(c->driver, "headpho"))) {
                c->kind = AUDIO_CARD_ANALOG;
                return;
        }
        if ((port = port_after(c->id, "vc4hdmi")) >= 0 || (port = port_after(c->id, "HDMI")) >= 0) {
                c->kind = AUDIO_CARD_HDMI;
                c->hdmi_port = port;
                return;
        }
        if (streq_ptr(c->driver, "USB-Audio")) {
                c->kind = AUDIO_CARD_USB;
                return;
        }
        if (contains_nocase(c->id, "AUGESOUND") || contains_nocase(c->driver, "auge") ||
            contains_nocase(c->driver, "axg-sound") || contains_nocase(c->driver, "gx-sound")) {
                c->kind = AUDIO_CARD_SOC;
                return;
        }
        if (streq_ptr(c->driver, "Loopback") || streq_ptr(c->driver, "Dummy") ||
            streq_ptr(c->driver, "VirMIDI")) {
                c->kind = AUDIO_CARD_VIRTUAL;
                return;
        }
        if (contains_nocase(c->id, "hdmi") || contains_nocase(c->name, "hdmi") ||
            contains_nocase(c->driver, "hdmi")) {
                c->kind = AUDIO_CARD_HDMI;
                c->hdmi_port = 0;
                return;
        }
        c->kind = AUDIO_CARD_OTHER;
}

void audio_cards_free(AudioCard *c, size_t n)
{
        for (size_t i = 0; c && i < n; i++) {
                free(c[i].id);
                free(c[i].driver);
                free(c[i].name);
                free(c[i].longname);
                for (size_t j = 0; j < c[i].n_pcm; j++) {
                        free(c[i].pcm[j].id);
                        free(c[i].pcm[j].name);
                }
                free(c[i].pcm);
        }
        free(c);
}

json_object *audio_card_to_json(const AudioCard *c)
{
        json_object *o = json_object_new_object(), *pcm = json_object_new_array();

        if (c->index >= 0)
                details_add_int(o, "index", c->index);
        details_add_str(o, "id", c->id);
        details_add_str(o, "driver", c->driver);
        details_add_str(o, "name", c->name);
        details_add_str(o, "longname", c->longname);
        details_add_str(o, "kind", audio_card_kind_to_string(c->kind));
        if (c->hdmi_port >= 0)
                details_add_int(o, "hdmi_port", c->hdmi_port);
        for (size_t i = 0; i < c->n_pcm; i++) {
                json_object *p = json_object_new_object();
                details_add_int(p, "device", c->pcm[i].device);
                details_add_str(p, "id", c->pcm[i].id);
                details_add_str(p, "name", c->pcm[i].name);
                json_object_array_add(pcm, p);
        }
        json_object_object_add(o, "playback", pcm);
        return o;
}

/* ---- The kernel command line ---- */

static Tristate parse_bool_word(const char *v, size_t n)
{
        static const char *const yes[] = {"1", "y", "Y", "yes", "true", "on"};
        static const char *const no[] = {"0", "n", "N", "no", "false", "off"};

        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strlen(yes[i]) == n && strncmp(v, yes[i], n) == 0)
                        return TRISTATE_YES;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strlen(no[i]) == n && strncmp(v, no[i], n) == 0)
                        return TRISTATE_NO;
        return TRISTATE_UNKNOWN;
}

void audio_cmdline_parse(const char *cmdline, AudioCmdline *ret)
{
        static const struct {
                const char *key;
                size_t offset;
        } keys[] = {
                {"snd_bcm2835.enable_headphones=", offsetof(AudioCmdline, headphones)},
                {"snd_bcm2835.enable_hdmi=", offsetof(AudioCmdline, hdmi)},
                /* The kernel reads '-' and '_' alike in parameter names. */
                {"snd-bcm2835.enable_headphones=", offsetof(AudioCmdline, headphones)},
                {"snd-bcm2835.enable_hdmi=", offsetof(AudioCmdline, hdmi)},
        };
        const char *p = cmdline;

        *ret = (AudioCmdline){.headphones = TRISTATE_UNKNOWN, .hdmi = TRISTATE_UNKNOWN};
        while (p && *p) {
                size_t n;

                while (*p == ' ' || *p == '\t' || *p == '\n')
                        p++;
                n = strcspn(p, " \t\n");
                if (n == 0)
                        break;
                /* Everything after a lone "--" is for init, not for modules. */
                if (n == 2 && strncmp(p, "--", 2) == 0)
                        break;
                for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                        size_t k = strlen(keys[i].key);
                        if (n > k && strncmp(p, keys[i].key, k) == 0) {
                                Tristate t = parse_bool_word(p + k, n - k);
                                /* Last assignment wins, as the kernel's parser has it. */
                                if (t != TRISTATE_UNKNOWN)
                                        *(Tristate *)((char *)ret + keys[i].offset) = t;
                        }
                }
                p += n;
        }
}

/* ---- Expected cards ---- */

static int expect_push(AudioCard **l, size_t *n, const char *id, const char *driver,
                       AudioCardKind kind, int port)
{
        AudioCard *c = realloc(*l, sizeof(AudioCard) * (*n + 1));

        if (!c)
                return -ENOMEM;
        *l = c;
        c = &c[(*n)++];
        *c = (AudioCard){.index = -1, .kind = kind, .hdmi_port = port};
        c->id = id ? strdup(id) : NULL;
        c->driver = driver ? strdup(driver) : NULL;
        if ((id && !c->id) || (driver && !c->driver))
                return -ENOMEM;
        c->pcm = calloc(1, sizeof(AudioPcm));
        if (!c->pcm)
                return -ENOMEM;
        c->n_pcm = 1;
        return 0;
}

int audio_expected_cards(const Board *b, const AudioCmdline *cmd, AudioCard **ret, size_t *ret_n)
{
        AudioCard *l = NULL;
        size_t n = 0;
        bool firmware = false, hdmi_node = false;
        int r = 0;

        for (size_t i = 0; i < b->n_audio; i++) {
                const BoardAudio *a = &b->audio[i];
                int port = -1;

                if (!a->enabled)
                        continue;
                /* snd_bcm2835 rides on VCHIQ; older downstream trees enable an "audio" node
                 * (brcm,bcm2835-audio) for it instead. */
                if (streq(a->kind, "firmware") ||
                    (streq(a->kind, "analog") && streq_ptr(a->compatible, "brcm,bcm2835-audio")))
                        firmware = true;
                if (!streq(a->kind, "hdmi") || !a->compatible)
                        continue;
                hdmi_node = true;
                if (b->family != BOARD_FAMILY_RPI)
                        continue;
                if (endswith(a->compatible, "-hdmi0"))
                        port = 0;
                else if (endswith(a->compatible, "-hdmi1"))
                        port = 1;
                if (port < 0)
                        r = expect_push(&l, &n, "vc4hdmi", "vc4-hdmi", AUDIO_CARD_HDMI, 0);
                else {
                        char id[16];
                        snprintf(id, sizeof(id), "vc4hdmi%d", port);
                        r = expect_push(&l, &n, id, "vc4-hdmi", AUDIO_CARD_HDMI, port);
                }
                if (r < 0)
                        goto fail;
        }
        if (b->family == BOARD_FAMILY_RPI && firmware && b->headphone_jack == TRISTATE_YES &&
            cmd->headphones != TRISTATE_NO) {
                r = expect_push(&l, &n, "Headphones", "bcm2835_headpho", AUDIO_CARD_ANALOG, -1);
                if (r < 0)
                        goto fail;
        }
        /* Mainline snd_bcm2835 makes its own HDMI card when vc4 does not drive HDMI. */
        if (b->family == BOARD_FAMILY_RPI && firmware && !hdmi_node &&
            b->flavour == TREE_FLAVOUR_MAINLINE && cmd->hdmi != TRISTATE_NO) {
                r = expect_push(&l, &n, "HDMI", "bcm2835_hdmi", AUDIO_CARD_HDMI, 0);
                if (r < 0)
                        goto fail;
        }
        if (b->family == BOARD_FAMILY_AMLOGIC) {
                bool card = false;
                for (size_t i = 0; i < b->n_audio; i++)
                        card |= b->audio[i].enabled && streq(b->audio[i].kind, "sound-card");
                if (card) {
                        bool vendor = b->flavour == TREE_FLAVOUR_KHADAS_VENDOR;
                        r = expect_push(&l, &n, vendor ? "AMLAUGESOUND" : NULL,
                                        vendor ? "AML-AUGESOUND" : "axg-sound-card", AUDIO_CARD_SOC,
                                        -1);
                        if (r < 0)
                                goto fail;
                        if (vendor && hdmi_node) {
                                AudioCard *c = &l[n - 1];
                                c->pcm[0].name = strdup("HDMI out");
                                if (!c->pcm[0].name) {
                                        r = -ENOMEM;
                                        goto fail;
                                }
                        }
                }
        }
        *ret = l;
        *ret_n = n;
        return 0;
fail:
        audio_cards_free(l, n);
        return r;
}

bool audio_expected_present(const AudioCard *expected, size_t n_expected, const AudioCard *cards,
                            size_t n)
{
        if (n_expected == 0)
                return false;
        for (size_t i = 0; i < n_expected; i++) {
                bool found = false;
                for (size_t j = 0; j < n && !found; j++)
                        found = cards[j].kind == expected[i].kind &&
                                (expected[i].kind != AUDIO_CARD_HDMI ||
                                 cards[j].hdmi_port == expected[i].hdmi_port);
                if (!found)
                        return false;
        }
        return true;
}

/* ---- The choice ---- */

void audio_decision_done(AudioDecision *d)
{
        free(d->reason);
        free(d->pcm_name);
        *d = (AudioDecision){.card = -1, .pcm_device = -1};
}

static ssize_t first_of(const AudioCard *c, size_t n, AudioCardKind kind, int port)
{
        ssize_t best = -1;

        for (size_t i = 0; i < n; i++) {
                if (c[i].kind != kind || (port >= 0 && c[i].hdmi_port != port))
                        continue;
                /* The lowest HDMI port first, then the kernel's order. */
                if (best < 0 || (kind == AUDIO_CARD_HDMI && c[i].hdmi_port < c[best].hdmi_port))
                        best = (ssize_t)i;
        }
        return best;
}

/* A SoC card's PCM for HDMI: one whose id or name says HDMI. */
static int soc_hdmi_pcm(const AudioCard *c)
{
        for (size_t i = 0; i < c->n_pcm; i++)
                if (contains_nocase(c->pcm[i].id, "hdmi") ||
                    contains_nocase(c->pcm[i].name, "hdmi"))
                        return (int)i;
        return -1;
}

static char *card_list(const AudioCard *c, size_t n)
{
        _cleanup_free_ char *s = NULL;

        for (size_t i = 0; i < n; i++)
                if (strbuf_append(&s, "%s%s (%s)", s ? ", " : "", strna(c[i].id),
                                  audio_card_kind_to_string(c[i].kind)) < 0)
                        return NULL;
        return s ? TAKE_PTR(s) : strdup("none");
}

int audio_decide(const Board *b, const AudioSettings *s, const AudioCard *cards, size_t n,
                 AudioDecision *ret)
{
        const char *card_id = NULL;
        AudioOutput want = audio_settings_output(s, &card_id);
        Tristate jack = b->headphone_jack;
        size_t real = 0, usb = 0;
        ssize_t pick = -1;
        int pcm = -1;
        _cleanup_free_ char *list = card_list(cards, n), *reason = NULL;
        AudioDecision d = {.card = -1, .pcm_device = -1};

        if (!list)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                real += cards[i].kind != AUDIO_CARD_VIRTUAL;
                usb += cards[i].kind == AUDIO_CARD_USB;
        }
        d.analog_missing = jack == TRISTATE_YES && first_of(cards, n, AUDIO_CARD_ANALOG, -1) < 0 &&
                           (want == AUDIO_OUTPUT_AUTO || want == AUDIO_OUTPUT_ANALOG);

        switch (want) {
        case AUDIO_OUTPUT_CARD:
                for (size_t i = 0; i < n && pick < 0; i++)
                        if (streq_ptr(cards[i].id, card_id))
                                pick = (ssize_t)i;
                reason = pick >= 0 ? strdup_printf("Output=%s names it", card_id)
                                   : strdup_printf("Output=%s names no card here (cards: %s)",
                                                   card_id, list);
                break;
        case AUDIO_OUTPUT_ANALOG:
                pick = first_of(cards, n, AUDIO_CARD_ANALOG, -1);
                reason = pick >= 0 ? strdup("Output=analog: the analog jack's card")
                                   : strdup_printf("Output=analog, but no analog card is here "
                                                   "(cards: %s)",
                                                   list);
                break;
        case AUDIO_OUTPUT_HDMI:
        case AUDIO_OUTPUT_HDMI0:
        case AUDIO_OUTPUT_HDMI1: {
                int port = want == AUDIO_OUTPUT_HDMI ? -1 : want == AUDIO_OUTPUT_HDMI0 ? 0 : 1;
                pick = first_of(cards, n, AUDIO_CARD_HDMI, port);
                if (pick < 0 && port <= 0)
                        for (size_t i = 0; i < n && pick < 0; i++)
                                if (cards[i].kind == AUDIO_CARD_SOC && soc_hdmi_pcm(&cards[i]) >= 0)
                                        pick = (ssize_t)i;
                reason = pick >= 0 ? strdup_printf("Output=%s: %s", audio_output_to_string(want),
                                                   cards[pick].kind == AUDIO_CARD_SOC
                                                           ? "the SoC card's HDMI device"
                                                           : "that HDMI output's card")
                                   : strdup_printf("Output=%s, but no such HDMI card is here "
                                                   "(cards: %s)",
                                                   audio_output_to_string(want), list);
                break;
        }
        default:
                if (real == 1 && usb == 1) {
                        pick = first_of(cards, n, AUDIO_CARD_USB, -1);
                        reason = strdup("the only sound card is a USB one");
                } else if (jack != TRISTATE_NO &&
                           (pick = first_of(cards, n, AUDIO_CARD_ANALOG, -1)) >= 0)
                        reason = strdup(jack == TRISTATE_YES ? "the analog jack: the board has one"
                                                             : "an analog output");
                else if ((pick = first_of(cards, n, AUDIO_CARD_HDMI, -1)) >= 0)
                        reason = strdup_printf("the first HDMI output: %s",
                                               jack == TRISTATE_NO ? "the board has no analog jack"
                                               : d.analog_missing
                                                       ? "the board's analog jack has no card"
                                                       : "no analog card is here");
                else if ((pick = first_of(cards, n, AUDIO_CARD_SOC, -1)) >= 0)
                        reason = strdup("the SoC's sound card");
                else if ((pick = first_of(cards, n, AUDIO_CARD_USB, -1)) >= 0)
                        reason = strdup("a USB sound card: no on-board output is here");
                else if ((pick = first_of(cards, n, AUDIO_CARD_OTHER, -1)) >= 0)
                        reason = strdup("the only kind of card here");
                else if ((d.only_virtual = n > 0))
                        reason = strdup_printf("only virtual cards are here (%s); name one "
                                               "with Output= to use it",
                                               list);
                else
                        reason = strdup("no sound card is here");
                break;
        }
        if (!reason)
                return -ENOMEM;
        if (pick >= 0) {
                const AudioCard *c = &cards[pick];
                if (c->kind == AUDIO_CARD_SOC && want != AUDIO_OUTPUT_ANALOG)
                        pcm = soc_hdmi_pcm(c);
                if (pcm < 0 && c->n_pcm > 0)
                        pcm = 0;
                d.pcm_device = pcm >= 0 ? c->pcm[pcm].device : -1;
                /* vc4's raw device takes IEC958 subframes only; alsa-lib's configuration for
                 * its driver (cards/vc4-hdmi.conf) defines hdmi:CARD=ID, which converts. */
                if (pcm >= 0 && streq_ptr(c->driver, "vc4-hdmi"))
                        d.pcm_name = strdup_printf("hdmi:CARD=%s,DEV=%d", c->id, d.pcm_device);
                else if (pcm >= 0 && c->id)
                        d.pcm_name = strdup_printf("plughw:CARD=%s,DEV=%d", c->id, d.pcm_device);
                else if (pcm >= 0) /* a card whose id only the running kernel knows */
                        d.pcm_name = strdup_printf("plughw:CARD=<id>,DEV=%d", d.pcm_device);
                if (pcm >= 0 && !d.pcm_name)
                        return -ENOMEM;
        }
        d.card = pick;
        d.reason = TAKE_PTR(reason);
        *ret = d;
        return 0;
}

/* ---- The conf.d file ---- */

char *audio_conf_render(const char *card_id, const char *why)
{
        _cleanup_free_ char *reason = strdup(strempty(why));

        if (!reason || !audio_card_id_is_valid(card_id))
                return NULL;
        for (char *p = reason; *p; p++)
                if (*p == '\n' || *p == '\r' || (unsigned char)*p < ' ')
                        *p = ' ';
        return strdup_printf("%s: the system-wide default ALSA card, named by its id because\n"
                             "# card numbers change between boots. Chosen because: %s.\n"
                             "# hwctld rewrites this file; to choose another output, set [Audio] "
                             "Output= in\n"
                             "# /etc/hwctl/hwctl.conf (or [Audio] Enable=no and delete this "
                             "file).\n"
                             "defaults.pcm.!card \"%s\"\n"
                             "defaults.ctl.!card \"%s\"\n",
                             AUDIO_CONF_HEADER, reason, card_id, card_id);
}

bool audio_conf_is_ours(const char *text)
{
        return startswith(text, AUDIO_CONF_HEADER) != NULL;
}
