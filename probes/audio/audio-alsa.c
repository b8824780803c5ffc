/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The alsa-lib side of the audio probe: cards, configuration, mixer, playback. */
#include <alsa/asoundlib.h>
#include <dirent.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>

#include "audio-alsa.h"
#include "util.h"

#define CONF_FILE_SIZE_MAX ((size_t)256 * 1024)
#define CONF_FILES_MAX     256
#define VERIFY_RATE        48000U
#define VERIFY_CHANNELS    2U
#define VERIFY_MSEC        100U

/* ---- alsa-lib's error messages, captured rather than printed on stderr ---- */

static _Thread_local char *captured;

static void capture_handler(const char *file, int line, const char *function, int err,
                            const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        (void)file;
        (void)line;
        (void)function;
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        if (!msg)
                return;
        (void)strbuf_append(&captured, "%s%s%s%s", captured ? "; " : "", msg, err ? ": " : "",
                            err ? snd_strerror(err) : "");
}

static void capture_begin(void)
{
        free(captured);
        captured = NULL;
        snd_lib_error_set_handler(capture_handler);
}

/* What alsa-lib said since capture_begin(), as an allocated string (NULL for nothing). */
static char *capture_end(void)
{
        snd_lib_error_set_handler(NULL);
        return TAKE_PTR(captured);
}

/* ---- Cards ---- */

/* The control devices are opened through a private configuration that knows only "hw": the
 * cards and their mixers stay reachable when the system's configuration does not parse, which
 * is when a person needs the report most. Only playback goes the way clients go. */
static int open_ctl(snd_ctl_t **ret, const char *name, int mode)
{
        static const char text[] = "ctl.hw {\n"
                                   "\t@args [ CARD ]\n"
                                   "\t@args.CARD { type string }\n"
                                   "\ttype hw\n"
                                   "\tcard $CARD\n"
                                   "}\n";
        snd_config_t *conf = NULL;
        snd_input_t *in = NULL;
        int r;

        r = snd_config_top(&conf);
        if (r >= 0)
                r = snd_input_buffer_open(&in, text, (ssize_t)strlen(text));
        if (r >= 0) {
                r = snd_config_load(conf, in);
                snd_input_close(in);
        }
        if (r >= 0)
                r = snd_ctl_open_lconf(ret, name, mode, conf);
        if (conf)
                snd_config_delete(conf);
        return r;
}

static char *dup_or_null(const char *s)
{
        return isempty(s) ? NULL : strdup(s);
}

static int card_read(int index, AudioCard *c, char **ret_error)
{
        snd_ctl_t *ctl = NULL;
        snd_ctl_card_info_t *info;
        snd_pcm_info_t *pcm_info;
        char name[32];
        int dev = -1, r;

        snd_ctl_card_info_alloca(&info);
        snd_pcm_info_alloca(&pcm_info);
        *c = (AudioCard){.index = index, .hdmi_port = -1};
        snprintf(name, sizeof(name), "hw:%d", index);
        r = open_ctl(&ctl, name, SND_CTL_NONBLOCK);
        if (r < 0)
                return error_printf(ret_error, r, "cannot open the control device of card %d: %s",
                                    index, snd_strerror(r));
        r = snd_ctl_card_info(ctl, info);
        if (r < 0) {
                snd_ctl_close(ctl);
                return error_printf(ret_error, r, "cannot read card %d's info: %s", index,
                                    snd_strerror(r));
        }
        c->id = dup_or_null(snd_ctl_card_info_get_id(info));
        c->driver = dup_or_null(snd_ctl_card_info_get_driver(info));
        c->name = dup_or_null(snd_ctl_card_info_get_name(info));
        c->longname = dup_or_null(snd_ctl_card_info_get_longname(info));
        while (snd_ctl_pcm_next_device(ctl, &dev) >= 0 && dev >= 0) {
                AudioPcm *p;

                snd_pcm_info_set_device(pcm_info, (unsigned)dev);
                snd_pcm_info_set_subdevice(pcm_info, 0);
                snd_pcm_info_set_stream(pcm_info, SND_PCM_STREAM_PLAYBACK);
                if (snd_ctl_pcm_info(ctl, pcm_info) < 0)
                        continue; /* capture only */
                p = realloc(c->pcm, sizeof(AudioPcm) * (c->n_pcm + 1));
                if (!p) {
                        snd_ctl_close(ctl);
                        return -ENOMEM;
                }
                c->pcm = p;
                c->pcm[c->n_pcm++] = (AudioPcm){
                        .device = dev,
                        .id = dup_or_null(snd_pcm_info_get_id(pcm_info)),
                        .name = dup_or_null(snd_pcm_info_get_name(pcm_info)),
                };
        }
        snd_ctl_close(ctl);
        audio_card_classify(c);
        return 0;
}

int audio_alsa_list_cards(AudioCard **ret, size_t *ret_n, char **ret_error)
{
        AudioCard *l = NULL;
        size_t n = 0;
        int index = -1, r;

        for (;;) {
                AudioCard *m;

                r = snd_card_next(&index);
                if (r < 0) {
                        audio_cards_free(l, n);
                        return error_printf(ret_error, r, "cannot list the sound cards: %s",
                                            snd_strerror(r));
                }
                if (index < 0)
                        break;
                m = realloc(l, sizeof(AudioCard) * (n + 1));
                if (!m) {
                        audio_cards_free(l, n);
                        return -ENOMEM;
                }
                l = m;
                r = card_read(index, &l[n], ret_error);
                if (r == -ENOMEM) {
                        audio_cards_free(l, n + 1);
                        return r;
                }
                if (r < 0) /* gone between the two calls (card_read allocates nothing then) */
                        continue;
                n++;
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

/* ---- Configuration ---- */

void audio_config_view_done(AudioConfigView *v)
{
        free(v->parse_error);
        free(v->bad_file);
        free(v->default_type);
        free(v->default_file);
        free(v->card);
        free(v->card_file);
        *v = (AudioConfigView){};
}

static int config_load_text(const char *text, size_t size, snd_config_t **ret)
{
        snd_input_t *in = NULL;
        snd_config_t *top = NULL;
        int r;

        r = snd_config_top(&top);
        if (r < 0)
                return r;
        r = snd_input_buffer_open(&in, text, (ssize_t)size);
        if (r < 0) {
                snd_config_delete(top);
                return r;
        }
        r = snd_config_load(top, in);
        snd_input_close(in);
        if (r < 0) {
                snd_config_delete(top);
                return r;
        }
        *ret = top;
        return 0;
}

int audio_alsa_config_text_check(const char *text, size_t size, char **ret_error)
{
        snd_config_t *top = NULL;
        _cleanup_free_ char *msg = NULL;
        int r;

        capture_begin();
        r = config_load_text(text, size, &top);
        msg = capture_end();
        if (top)
                snd_config_delete(top);
        if (r < 0 && ret_error)
                *ret_error = msg ? TAKE_PTR(msg) : strdup(snd_strerror(r));
        return r;
}

/* The string a node holds, or for a compound its "type" child's: allocated, NULL if neither. */
static char *node_string(snd_config_t *n, bool type_of_compound)
{
        const char *s = NULL;
        char *ascii = NULL;

        if (snd_config_get_type(n) == SND_CONFIG_TYPE_COMPOUND) {
                snd_config_t *t;
                if (!type_of_compound || snd_config_search(n, "type", &t) < 0 ||
                    snd_config_get_string(t, &s) < 0)
                        return strdup("compound");
                return strdup(s);
        }
        if (snd_config_get_string(n, &s) >= 0)
                return strdup(s);
        if (snd_config_get_ascii(n, &ascii) >= 0)
                return ascii;
        return NULL;
}

static int conf_file_compare(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* <etc>/alsa/conf.d/\*.conf sorted, then <etc>/asound.conf: the order alsa.conf loads them. */
static int conf_files(const char *etc_dir, char ***ret)
{
        _cleanup_free_ char *dir = strdup_printf("%s/alsa/conf.d", etc_dir);
        _cleanup_strv_free_ char **l = NULL;
        DIR *d;
        int r;

        if (!dir)
                return -ENOMEM;
        d = opendir(dir);
        if (d) {
                struct dirent *de;
                size_t n = 0;
                while ((de = readdir(d)) && n < CONF_FILES_MAX) {
                        if (de->d_name[0] == '.' || !endswith(de->d_name, ".conf"))
                                continue;
                        r = strv_push(&l, strdup_printf("%s/%s", dir, de->d_name));
                        if (r < 0) {
                                closedir(d);
                                return r;
                        }
                        n++;
                }
                closedir(d);
                if (n > 1)
                        qsort(l, n, sizeof(char *), conf_file_compare);
        }
        r = strv_push(&l, strdup_printf("%s/asound.conf", etc_dir));
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

int audio_alsa_config_view(const char *etc_dir, AudioConfigView *ret)
{
        _cleanup_strv_free_ char **files = NULL;
        snd_config_t *top = NULL, *n;
        snd_config_update_t *update = NULL;
        AudioConfigView v = {};
        int r;

        capture_begin();
        r = snd_config_update_r(&top, &update, NULL);
        v.parse_error = capture_end();
        v.parses = r >= 0;
        if (r < 0 && !v.parse_error)
                v.parse_error = strdup(snd_strerror(r));
        if (top) {
                if (snd_config_search(top, "defaults.pcm.card", &n) >= 0)
                        v.card = node_string(n, false);
                snd_config_delete(top);
        }
        if (update)
                snd_config_update_free(update);

        r = conf_files(etc_dir, &files);
        if (r < 0) {
                audio_config_view_done(&v);
                return r;
        }
        /* Each file on top of alsa.conf alone: a syntax error, and a clash with what alsa.conf
         * defines (a string for the integer defaults.pcm.card), both show on the file at fault. */
        _cleanup_free_ char *base = NULL;
        size_t base_size = 0;
        {
                const char *env = getenv("ALSA_CONFIG_PATH");
                _cleanup_free_ char *top_path =
                        env && !strchr(env, ':')
                                ? strdup(env)
                                : strdup_printf("%s/alsa.conf", snd_config_topdir());
                if (!top_path ||
                    read_full_file(top_path, CONF_FILE_SIZE_MAX, &base, &base_size) < 0)
                        base = NULL;
        }
        STRV_FOREACH (f, files) {
                _cleanup_free_ char *text = NULL, *err = NULL;
                snd_config_t *one = NULL, *pcm;
                size_t size;

                if (read_full_file(*f, CONF_FILE_SIZE_MAX, &text, &size) < 0)
                        continue;
                capture_begin();
                r = config_load_text(text, size, &one);
                if (r >= 0 && base) {
                        snd_config_t *layered = NULL;
                        r = config_load_text(base, base_size, &layered);
                        if (r >= 0) {
                                snd_input_t *in = NULL;
                                r = snd_input_buffer_open(&in, text, (ssize_t)size);
                                if (r >= 0) {
                                        r = snd_config_load(layered, in);
                                        snd_input_close(in);
                                }
                                snd_config_delete(layered);
                        } else
                                r = 0; /* alsa.conf itself: not this file's fault */
                }
                err = capture_end();
                if (r < 0) {
                        if (one)
                                snd_config_delete(one);
                        if (!v.bad_file) {
                                v.bad_file = strdup(*f);
                                if (err) {
                                        free(v.parse_error);
                                        v.parse_error = strdup_printf("%s: %s", *f, err);
                                }
                        }
                        continue;
                }
                if (snd_config_search(one, "pcm", &pcm) >= 0 &&
                    snd_config_search(pcm, "default", &n) >= 0) {
                        free(v.default_type);
                        free(v.default_file);
                        v.default_type = node_string(n, true);
                        v.default_file = strdup(*f);
                }
                if (snd_config_search(one, "defaults.pcm.card", &n) >= 0) {
                        free(v.card_file);
                        v.card_file = strdup(*f);
                }
                snd_config_delete(one);
        }
        *ret = v;
        return 0;
}

/* ---- Mixer ---- */

void audio_mixer_report_done(AudioMixerReport *m)
{
        free(m->element);
        free(m->why);
        free(m->error);
        *m = (AudioMixerReport){};
}

/* The main playback element: ALSA sorts simple elements by its own weight list (Master before
 * Headphone before PCM ...), so the first with a playback volume that has a dB range, preferring
 * one that also has a switch, is the one a person's volume keys would move. */
static snd_mixer_elem_t *main_element(snd_mixer_t *mixer)
{
        snd_mixer_elem_t *with_db = NULL;

        for (snd_mixer_elem_t *e = snd_mixer_first_elem(mixer); e; e = snd_mixer_elem_next(e)) {
                long lo, hi;

                if (!snd_mixer_selem_is_active(e) || !snd_mixer_selem_has_playback_volume(e))
                        continue;
                if (snd_mixer_selem_get_playback_dB_range(e, &lo, &hi) < 0 || lo >= hi)
                        continue;
                if (snd_mixer_selem_has_playback_switch(e))
                        return e;
                if (!with_db)
                        with_db = e;
        }
        if (with_db)
                return with_db;
        /* No dB information: a volume is still better than nothing. */
        for (snd_mixer_elem_t *e = snd_mixer_first_elem(mixer); e; e = snd_mixer_elem_next(e))
                if (snd_mixer_selem_is_active(e) && snd_mixer_selem_has_playback_volume(e))
                        return e;
        return NULL;
}

static void element_read(snd_mixer_elem_t *e, AudioMixerReport *m, bool after)
{
        int sw = 1;
        long raw = 0, db = 0;

        if (m->has_switch)
                (void)snd_mixer_selem_get_playback_switch(e, SND_MIXER_SCHN_FRONT_LEFT, &sw);
        (void)snd_mixer_selem_get_playback_volume(e, SND_MIXER_SCHN_FRONT_LEFT, &raw);
        if (m->has_db)
                (void)snd_mixer_selem_get_playback_dB(e, SND_MIXER_SCHN_FRONT_LEFT, &db);
        if (after) {
                m->muted_after = m->has_switch && !sw;
                m->after_raw = raw;
                m->after_cdb = db;
        } else {
                m->muted_before = m->has_switch && !sw;
                m->before_raw = raw;
                m->before_cdb = db;
        }
}

/* The raw step whose dB value is nearest to cdb. */
static long nearest_step(snd_mixer_elem_t *e, const AudioMixerReport *m, long cdb)
{
        long down = m->min_raw, up = m->max_raw, db_down = m->min_cdb, db_up = m->max_cdb;

        if (cdb <= m->min_cdb)
                return m->min_raw;
        if (cdb >= m->max_cdb)
                return m->max_raw;
        (void)snd_mixer_selem_ask_playback_dB_vol(e, cdb, -1, &down);
        (void)snd_mixer_selem_ask_playback_dB_vol(e, cdb, 1, &up);
        (void)snd_mixer_selem_ask_playback_vol_dB(e, down, &db_down);
        (void)snd_mixer_selem_ask_playback_vol_dB(e, up, &db_up);
        return labs(cdb - db_down) <= labs(db_up - cdb) ? down : up;
}

int audio_alsa_mixer_apply(const char *card_id, const AudioVolume *target, bool first_boot,
                           AudioMixerReport *ret)
{
        _cleanup_free_ char *ctl_name = strdup_printf("hw:CARD=%s", card_id);
        AudioMixerReport m = {};
        snd_mixer_t *mixer = NULL;
        snd_mixer_elem_t *e;
        bool unmute, set;
        int r;

        if (!ctl_name)
                return -ENOMEM;
        capture_begin();
        r = snd_mixer_open(&mixer, 0);
        if (r >= 0) {
                snd_ctl_t *ctl = NULL;
                snd_hctl_t *hctl = NULL;
                r = open_ctl(&ctl, ctl_name, 0);
                if (r >= 0) {
                        r = snd_hctl_open_ctl(&hctl, ctl);
                        if (r < 0)
                                snd_ctl_close(ctl);
                }
                if (r >= 0) {
                        r = snd_mixer_attach_hctl(mixer, hctl); /* the mixer owns it now */
                        if (r < 0)
                                snd_hctl_close(hctl);
                }
        }
        if (r >= 0)
                r = snd_mixer_selem_register(mixer, NULL, NULL);
        if (r >= 0)
                r = snd_mixer_load(mixer);
        free(capture_end());
        if (r < 0) {
                m.error = strdup_printf("cannot open %s's mixer: %s", ctl_name, snd_strerror(r));
                goto out;
        }
        e = main_element(mixer);
        if (!e) {
                m.action = "kept";
                m.why = strdup("the card has no playback volume control");
                goto out;
        }
        m.element = strdup(snd_mixer_selem_get_name(e));
        m.index = snd_mixer_selem_get_index(e);
        m.has_switch = snd_mixer_selem_has_playback_switch(e);
        m.has_db = snd_mixer_selem_get_playback_dB_range(e, &m.min_cdb, &m.max_cdb) >= 0 &&
                   m.min_cdb < m.max_cdb;
        (void)snd_mixer_selem_get_playback_volume_range(e, &m.min_raw, &m.max_raw);
        element_read(e, &m, false);

        /* A level a person chose is kept: only a muted or silent element, or a first boot
         * without saved ALSA state (alsa-restore has nothing to put back), is touched. */
        unmute = m.muted_before;
        set = first_boot || m.before_raw <= m.min_raw;
        if (!unmute && !set) {
                m.action = "kept";
                m.why = strdup("a level is set and it is not muted: a person's choice, or "
                               "alsa-restore's");
                element_read(e, &m, true);
                goto out;
        }
        if (unmute || (set && m.has_switch)) {
                r = snd_mixer_selem_set_playback_switch_all(e, 1);
                if (r < 0 && !m.error)
                        m.error = strdup_printf("cannot unmute %s: %s", m.element, snd_strerror(r));
                unmute = unmute || m.muted_before;
        }
        if (set) {
                long raw;
                if (target->percent)
                        raw = m.min_raw +
                              ((m.max_raw - m.min_raw) * (long)target->percent_value + 50) / 100;
                else if (m.has_db)
                        raw = nearest_step(e, &m, target->centi_db);
                else /* no dB scale: -6 dB and the like cannot be meant; take 75 % */
                        raw = m.min_raw + (m.max_raw - m.min_raw) * 3 / 4;
                r = snd_mixer_selem_set_playback_volume_all(e, raw);
                if (r < 0 && !m.error)
                        m.error = strdup_printf("cannot set %s's level: %s", m.element,
                                                snd_strerror(r));
        }
        m.action = unmute && set ? "unmuted and set" : unmute ? "unmuted" : "set";
        m.why = strdup(first_boot && set ? "first boot: no saved ALSA state yet"
                       : m.muted_before && m.before_raw <= m.min_raw ? "it was muted and at its "
                                                                       "minimum"
                       : m.muted_before                              ? "it was muted"
                                                                     : "it was at its minimum");
        snd_mixer_handle_events(mixer);
        element_read(e, &m, true);
out:
        if (mixer)
                snd_mixer_close(mixer);
        *ret = m;
        return 0;
}

/* ---- Playback ---- */

void audio_verify_report_done(AudioVerifyReport *v)
{
        free(v->message);
        *v = (AudioVerifyReport){};
}

static int wait_ready(snd_pcm_t *pcm, uint64_t deadline)
{
        struct pollfd fds[8];
        int n = snd_pcm_poll_descriptors(pcm, fds, ELEMENTSOF(fds));
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        unsigned short revents;
        int r;

        if (n <= 0)
                return n < 0 ? n : -EIO;
        if (now >= deadline)
                return -ETIMEDOUT;
        r = poll(fds, (nfds_t)n, (int)((deadline - now + 999) / 1000));
        if (r < 0)
                return -errno;
        if (r == 0)
                return -ETIMEDOUT;
        r = snd_pcm_poll_descriptors_revents(pcm, fds, (unsigned)n, &revents);
        if (r < 0)
                return r;
        return revents & (POLLERR | POLLNVAL) ? -EIO : 0;
}

static int configure(snd_pcm_t *pcm, AudioVerifyReport *v)
{
        snd_pcm_hw_params_t *hw;
        snd_pcm_format_t fmt = SND_PCM_FORMAT_S16_LE;
        unsigned rate = VERIFY_RATE, channels = VERIFY_CHANNELS, buffer_us = 200000;
        int r;

        snd_pcm_hw_params_alloca(&hw);
        r = snd_pcm_hw_params_any(pcm, hw);
        if (r < 0)
                return r;
        r = snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED);
        if (r < 0)
                return r;
        if (snd_pcm_hw_params_set_format(pcm, hw, fmt) < 0) {
                r = snd_pcm_hw_params_set_format_first(pcm, hw, &fmt);
                if (r < 0)
                        return r;
        }
        r = snd_pcm_hw_params_set_channels_near(pcm, hw, &channels);
        if (r < 0)
                return r;
        r = snd_pcm_hw_params_set_rate_near(pcm, hw, &rate, NULL);
        if (r < 0)
                return r;
        (void)snd_pcm_hw_params_set_buffer_time_near(pcm, hw, &buffer_us, NULL);
        r = snd_pcm_hw_params(pcm, hw);
        if (r < 0)
                return r;
        v->rate = rate;
        v->channels = channels;
        v->format = snd_pcm_format_name(fmt);
        return 0;
}

static int play_silence(snd_pcm_t *pcm, AudioVerifyReport *v, uint64_t deadline)
{
        snd_pcm_format_t fmt = snd_pcm_format_value(v->format);
        ssize_t frame_bytes = snd_pcm_format_size(fmt, v->channels);
        snd_pcm_uframes_t total = v->rate * VERIFY_MSEC / 1000, done = 0;
        _cleanup_free_ char *buf = NULL;
        int r;

        if (frame_bytes <= 0)
                return -EINVAL;
        buf = malloc((size_t)frame_bytes * total);
        if (!buf)
                return -ENOMEM;
        r = snd_pcm_format_set_silence(fmt, buf, (unsigned)(total * v->channels));
        if (r < 0)
                return r;
        while (done < total) {
                snd_pcm_sframes_t w =
                        snd_pcm_writei(pcm, buf + done * (size_t)frame_bytes, total - done);
                if (w == -EAGAIN) {
                        r = wait_ready(pcm, deadline);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (w < 0)
                        return (int)w;
                done += (snd_pcm_uframes_t)w;
        }
        /* Drain without blocking forever: a device whose clock does not run never finishes. */
        r = snd_pcm_drain(pcm);
        while (r == -EAGAIN || snd_pcm_state(pcm) == SND_PCM_STATE_DRAINING) {
                uint64_t now = now_usec(CLOCK_MONOTONIC);
                if (now >= deadline)
                        return -ETIMEDOUT;
                (void)wait_ready(pcm, deadline);
                r = snd_pcm_state(pcm) == SND_PCM_STATE_DRAINING ? -EAGAIN : 0;
                if (r == -EAGAIN)
                        usleep(2000);
        }
        return r;
}

int audio_alsa_verify(const char *pcm_name, uint64_t timeout_usec, AudioVerifyReport *ret)
{
        uint64_t start = now_usec(CLOCK_MONOTONIC), deadline = start + timeout_usec;
        AudioVerifyReport v = {};
        _cleanup_free_ char *said = NULL;
        snd_pcm_t *pcm = NULL;
        const char *stage = "open";
        int r;

        capture_begin();
        r = snd_pcm_open(&pcm, pcm_name, SND_PCM_STREAM_PLAYBACK, SND_PCM_NONBLOCK);
        if (r >= 0) {
                stage = "configure";
                r = configure(pcm, &v);
        }
        if (r >= 0) {
                stage = "play";
                r = play_silence(pcm, &v, deadline);
        }
        said = capture_end();
        if (pcm) {
                if (r < 0)
                        (void)snd_pcm_drop(pcm);
                snd_pcm_close(pcm);
        }
        v.usec = now_usec(CLOCK_MONOTONIC) - start;
        v.error = r < 0 ? r : 0;
        v.ok = r >= 0;
        v.busy = r == -EBUSY;
        if (r >= 0)
                v.message = strdup_printf("played %u ms of silence (%s, %u Hz, %u ch)", VERIFY_MSEC,
                                          v.format, v.rate, v.channels);
        else if (r == -ETIMEDOUT)
                v.message = strdup_printf("the device took the frames but did not play them "
                                          "within %llu ms",
                                          (unsigned long long)(timeout_usec / USEC_PER_MSEC));
        else
                v.message =
                        strdup_printf("cannot %s %s: %s%s%s%s", stage, pcm_name, snd_strerror(r),
                                      said ? " (alsa-lib: " : "", strempty(said), said ? ")" : "");
        *ret = v;
        return v.message ? 0 : -ENOMEM;
}
