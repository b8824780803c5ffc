/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The audio probe: waits for the sound cards to settle (sd-device monitor on "sound"), chooses
 * the output, makes it the system-wide ALSA default by card id in a conf.d file of its own,
 * unmutes it at a sane level unless a person chose one, verifies it by playing silence, and
 * says what is missing and how to fix it when it cannot. Holds nothing; watches for cards. */
#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include <systemd/sd-device.h>

#include "audio-alsa.h"
#include "audio.h"
#include "details.h"
#include "kconfig.h"
#include "probe.h"

#define CMDLINE_SIZE_MAX    ((size_t)64 * 1024)
#define VERIFY_TIMEOUT_USEC (1500 * USEC_PER_MSEC)
#define RERUN_DELAY_USEC    (500 * USEC_PER_MSEC) /* a card's devices arrive in a burst */
#define WORK_TIMEOUT_USEC   (15 * USEC_PER_SEC)
#define ALSA_STATE_FILE     "/var/lib/alsa/asound.state"
#define CARDS_MAX           32

extern const ProbeOps probe_audio;

typedef struct AudioState {
        ProbeHandle *handle;
        sd_device_monitor *monitor;
        sd_event_source *settle; /* while a run waits for cards */
        ProbeContext *waiting;   /* the run waiting for cards to settle, NULL when none */
        bool settled;
        uint64_t last_card_usec; /* CLOCK_MONOTONIC of the last card event (or the first run) */
        AudioCard *expected;
        size_t n_expected;
} AudioState;

/* One run's work, done on the worker thread, reported on the loop. */
typedef struct AudioJob {
        AudioState *state;
        const char *sysroot; /* the runner's, alive as long as the daemon */
        const Board *board;
        const AudioSettings *settings;
        AudioSettings defaults;
        AudioCmdline cmd;
        char *etc;         /* <sysroot>/etc */
        char *conf_path;   /* <etc>/alsa/conf.d/AUDIO_CONF_NAME */
        bool first_boot;   /* no saved ALSA state */
        char *levels_path; /* <var/lib/hwctl>/audio-levels: the cards whose level hwctld set */
        char **levels;
        /* results */
        AudioCard *cards;
        size_t n_cards;
        char *list_error;
        AudioDecision decision;
        AudioConfigView view;
        bool view_read;
        const char *conf_action; /* "written", "unchanged", "left" (not ours), NULL: none */
        char *conf_error;
        AudioMixerReport mixer;
        bool mixer_run;
        AudioVerifyReport verify;
        bool verify_run;
        bool default_tried;
        char *default_error; /* opening "default" failed (a sound server's plugin) */
        uint64_t work_usec;
} AudioJob;

static void job_free(AudioJob *j)
{
        if (!j)
                return;
        free(j->etc);
        free(j->conf_path);
        free(j->levels_path);
        strv_free(j->levels);
        audio_cards_free(j->cards, j->n_cards);
        free(j->list_error);
        audio_decision_done(&j->decision);
        audio_config_view_done(&j->view);
        free(j->conf_error);
        audio_mixer_report_done(&j->mixer);
        audio_verify_report_done(&j->verify);
        free(j->default_error);
        audio_config_section.done(&j->defaults);
        free(j);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(AudioJob *, job_free)

static void audio_state_free(void *p)
{
        AudioState *s = p;

        if (!s)
                return;
        sd_event_source_disable_unref(s->settle);
        sd_device_monitor_unref(s->monitor);
        audio_cards_free(s->expected, s->n_expected);
        free(s);
}

static bool is_server_plugin(const char *type)
{
        return type && (streq(type, "pulse") || streq(type, "pipewire") || streq(type, "jack"));
}

/* ---- The worker ---- */

static int write_default(AudioJob *j, const AudioCard *c)
{
        _cleanup_free_ char *text = audio_conf_render(c->id, j->decision.reason);
        _cleanup_free_ char *old = NULL, *err = NULL;
        size_t old_size = 0;
        int r;

        if (!text)
                return -ENOMEM;
        r = read_full_file(j->conf_path, 64 * 1024, &old, &old_size);
        if (r >= 0 && !audio_conf_is_ours(old)) {
                j->conf_action = "left";
                return error_printf(&j->conf_error, 0,
                                    "%s exists and was not written by hwctld: left as it is",
                                    j->conf_path);
        }
        if (r >= 0 && streq(old, text)) {
                j->conf_action = "unchanged";
                return 0;
        }
        /* Never write what alsa-lib cannot read: a bad file drops every client's configuration. */
        r = audio_alsa_config_text_check(text, strlen(text), &err);
        if (r < 0)
                return error_printf(&j->conf_error, 0,
                                    "refusing to write %s: alsa-lib cannot "
                                    "parse it (%s)",
                                    j->conf_path, strna(err));
        r = write_file_atomic_in(j->sysroot, j->conf_path, text, strlen(text), 0644);
        if (r < 0)
                return error_printf(&j->conf_error, 0, "cannot write %s: %s", j->conf_path,
                                    strerror(-r));
        j->conf_action = "written";
        return 0;
}

static int audio_work(void *userdata)
{
        AudioJob *j = userdata;
        uint64_t start = now_usec(CLOCK_MONOTONIC);
        const AudioCard *c = NULL;
        int r;

        r = audio_alsa_list_cards(&j->cards, &j->n_cards, &j->list_error);
        if (r == -ENOMEM)
                return r;
        r = audio_decide(j->board, j->settings, j->cards, j->n_cards, &j->decision);
        if (r < 0)
                return r;
        if (j->decision.card >= 0)
                c = &j->cards[j->decision.card];
        if (c && c->id) {
                r = write_default(j, c);
                if (r == -ENOMEM)
                        return r;
        }
        if (j->n_cards > 0) {
                r = audio_alsa_config_view(j->etc, &j->view);
                if (r < 0)
                        return r;
                j->view_read = true;
        }
        if (c && c->id) {
                /* A first boot sets the level once per card: after that a level without saved
                 * ALSA state is still a person's choice. */
                bool first = j->first_boot && !strv_contains(j->levels, c->id);
                r = audio_alsa_mixer_apply(c->id, &j->settings->volume, first, &j->mixer);
                if (r < 0)
                        return r;
                j->mixer_run = true;
                if (first && !j->mixer.error && j->mixer.action && strstr(j->mixer.action, "set")) {
                        _cleanup_free_ char *text = NULL;
                        r = strv_extend(&j->levels, c->id);
                        if (r < 0)
                                return r;
                        text = strv_join(j->levels, "\n");
                        if (!text || strbuf_append(&text, "\n") < 0)
                                return -ENOMEM;
                        r = write_file_atomic_in(j->sysroot, j->levels_path, text, strlen(text),
                                                 0644);
                        if (r < 0 && !j->mixer.error)
                                j->mixer.error = strdup_printf("cannot record the level in %s: %s",
                                                               j->levels_path, strerror(-r));
                }
        }
        if (c && j->decision.pcm_name) {
                r = audio_alsa_verify(j->decision.pcm_name, VERIFY_TIMEOUT_USEC, &j->verify);
                if (r < 0)
                        return r;
                j->verify_run = true;
        }
        /* A sound server's plugin as the default answers only for the user it runs for. */
        if (c && j->view_read && is_server_plugin(j->view.default_type)) {
                AudioVerifyReport d = {};
                j->default_tried = true;
                r = audio_alsa_verify("default", VERIFY_TIMEOUT_USEC, &d);
                if (r < 0)
                        return r;
                if (!d.ok && !d.busy)
                        j->default_error = TAKE_PTR(d.message);
                audio_verify_report_done(&d);
        }
        j->work_usec = now_usec(CLOCK_MONOTONIC) - start;
        return 0;
}

/* ---- Reporting ---- */

static json_object *mixer_to_json(const AudioMixerReport *m)
{
        json_object *o = json_object_new_object();

        details_add_str(o, "element", m->element);
        if (m->element)
                details_add_int(o, "element_index", m->index);
        details_add_str(o, "action", m->action);
        details_add_str(o, "why", m->why);
        details_add_str(o, "error", m->error);
        if (m->element) {
                details_add_bool(o, "has_switch", m->has_switch);
                details_add_bool(o, "muted_before", m->muted_before);
                details_add_bool(o, "muted_after", m->muted_after);
                details_add_int(o, "raw_before", m->before_raw);
                details_add_int(o, "raw_after", m->after_raw);
                details_add_int(o, "raw_min", m->min_raw);
                details_add_int(o, "raw_max", m->max_raw);
        }
        if (m->element && m->has_db) {
                json_object_object_add(o, "db_before",
                                       json_object_new_double(m->before_cdb / 100.0));
                json_object_object_add(o, "db_after", json_object_new_double(m->after_cdb / 100.0));
                json_object_object_add(o, "db_min", json_object_new_double(m->min_cdb / 100.0));
                json_object_object_add(o, "db_max", json_object_new_double(m->max_cdb / 100.0));
        }
        return o;
}

static char *level_text(const AudioMixerReport *m)
{
        if (!m->element)
                return strdup(m->error ? m->error : "no volume control");
        if (m->has_db)
                return strdup_printf("%s %.1f dB%s", m->element, m->after_cdb / 100.0,
                                     m->muted_after ? " (muted)" : "");
        return strdup_printf("%s at %ld of %ld..%ld%s", m->element, m->after_raw, m->min_raw,
                             m->max_raw, m->muted_after ? " (muted)" : "");
}

/* Whether any HDMI connector exists and none has a display: then HDMI audio cannot stream. */
static bool hdmi_without_display(ProbeContext *ctx)
{
        _cleanup_free_ char *drm = probe_context_path(ctx, PROBE_PATH_SYS, "class/drm");
        bool any = false, connected = false;
        struct dirent *de;
        DIR *d = drm ? opendir(drm) : NULL;

        if (!d)
                return false;
        while ((de = readdir(d))) {
                _cleanup_free_ char *path = NULL, *status = NULL;
                if (!strstr(de->d_name, "-HDMI-"))
                        continue;
                any = true;
                path = strdup_printf("%s/%s/status", drm, de->d_name);
                if (path && read_one_line_file(path, &status) >= 0 && streq(status, "connected"))
                        connected = true;
        }
        closedir(d);
        return any && !connected;
}

static bool module_loaded(ProbeContext *ctx, const char *name)
{
        _cleanup_free_ char *rel = strdup_printf("module/%s", name);
        _cleanup_free_ char *p = rel ? probe_context_path(ctx, PROBE_PATH_SYS, rel) : NULL;

        return p && access(p, F_OK) == 0;
}

/* Whether a driver directory under <sys>/bus/.../drivers/NAME has a device bound. */
static bool driver_bound(ProbeContext *ctx, const char *driver_dir)
{
        _cleanup_free_ char *p = probe_context_path(ctx, PROBE_PATH_SYS, driver_dir);
        struct dirent *de;
        bool bound = false;
        DIR *d = p ? opendir(p) : NULL;

        if (!d)
                return false;
        while (!bound && (de = readdir(d)))
                bound = de->d_type == DT_LNK && !streq(de->d_name, "module");
        closedir(d);
        return bound;
}

typedef struct SoundOption {
        const char *config; /* CONFIG_ name */
        const char *module; /* as /sys/module names it */
        const char *what;
} SoundOption;

/* Which drivers make this board's cards. */
static const SoundOption rpi_options[] = {
        {"CONFIG_SND_BCM2835", "snd_bcm2835", "the headphone jack (and HDMI without KMS)"},
        {"CONFIG_DRM_VC4", "vc4", "HDMI audio with the KMS display driver"},
};
static const SoundOption amlogic_options[] = {
        {"CONFIG_SND_MESON_AXG_SOUND_CARD", "snd_soc_meson_axg_sound_card",
         "the AXG/G12 sound card"},
        {"CONFIG_SND_MESON_GX_SOUND_CARD", "snd_soc_meson_gx_sound_card", "the GX sound card"},
};

static char *cmdline_fix(void);

/* No card at all: is it the kernel, a module not loaded, or VCHIQ? Returns why; *ret_fix the
 * remedy (both allocated; NULL on -ENOMEM). */
static char *diagnose_no_card(ProbeContext *ctx, const Board *b, const AudioCmdline *cmd,
                              json_object *details, char **ret_fix)
{
        _cleanup_(kconfig_freep) Kconfig *k = NULL;
        _cleanup_free_ char *kpath = NULL, *kerr = NULL, *missing = NULL;
        const SoundOption *opts = NULL;
        size_t n_opts = 0, n_missing = 0;
        json_object *diag = json_object_new_object(), *o = json_object_new_object();

        json_object_object_add(details, "diagnosis", diag);
        if (b->family == BOARD_FAMILY_RPI) {
                opts = rpi_options;
                n_opts = ELEMENTSOF(rpi_options);
        } else if (b->family == BOARD_FAMILY_AMLOGIC) {
                opts = amlogic_options;
                n_opts = ELEMENTSOF(amlogic_options);
        }
        if (kconfig_load_running(probe_handle_sysroot(probe_context_handle(ctx)), &k, &kpath,
                                 &kerr) >= 0)
                details_add_str(diag, "kernel_config", kpath);
        else
                details_add_str(diag, "kernel_config_error", kerr);
        if (k && kconfig_get(k, "CONFIG_SND") == KCONFIG_MISSING) {
                *ret_fix = strdup("Boot a kernel built with CONFIG_SND=m and the board's sound "
                                  "drivers (on a Raspberry Pi CONFIG_SND_BCM2835 and "
                                  "CONFIG_DRM_VC4).");
                return strdup_printf("this kernel has no sound support (CONFIG_SND is not set in "
                                     "%s)",
                                     kpath);
        }
        json_object_object_add(diag, "options", o);
        for (size_t i = 0; i < n_opts; i++) {
                json_object *e = json_object_new_object();
                json_object_object_add(o, opts[i].config, e);
                if (k)
                        details_add_str(e, "config",
                                        kconfig_value_to_string(kconfig_get(k, opts[i].config)));
                details_add_bool(e, "loaded", module_loaded(ctx, opts[i].module));
                if (k && kconfig_get(k, opts[i].config) == KCONFIG_MISSING) {
                        n_missing++;
                        if (strbuf_append(&missing, "%s%s (%s)", missing ? ", " : "",
                                          opts[i].config, opts[i].what) < 0)
                                return NULL;
                }
        }
        if (n_opts && n_missing == n_opts) {
                *ret_fix = strdup_printf("Boot a kernel built with %s=m.", missing);
                return strdup_printf("the board's sound drivers are missing from this kernel: %s "
                                     "%s not set in %s",
                                     missing, n_missing == 1 ? "is" : "are", kpath);
        }
        if (b->family == BOARD_FAMILY_RPI) {
                bool snd = module_loaded(ctx, "snd_bcm2835"), vc4 = module_loaded(ctx, "vc4");
                bool vchiq = module_loaded(ctx, "vchiq") || module_loaded(ctx, "bcm2835_vchiq");
                bool vchiq_bound = driver_bound(ctx, "bus/platform/drivers/bcm2835_vchiq");

                details_add_bool(diag, "vchiq_loaded", vchiq);
                details_add_bool(diag, "vchiq_bound", vchiq_bound);
                /* snd_bcm2835's device is made by VCHIQ once that binds: with VCHIQ's
                 * driver loaded and unbound, snd_bcm2835 has nothing to load for. */
                if ((snd || vchiq) && !vchiq_bound) {
                        *ret_fix = strdup(
                                "VCHIQ needs the Raspberry Pi firmware's VideoCore to answer its "
                                "mailbox: dmesg | grep vchiq says how it failed. On a board, "
                                "update the firmware files in the boot partition (start*.elf, "
                                "fixup*.dat); qemu's raspi3b has no VideoCore, so no card can "
                                "come there.");
                        return strdup_printf(
                                "%s, but VCHIQ, the VideoCore firmware interface it plays "
                                "through, is not bound (%s); %s",
                                snd ? "snd_bcm2835 is loaded"
                                    : "snd_bcm2835 (the jack) did not load",
                                vchiq ? "its driver is loaded and gave up on the device"
                                      : "its module is not loaded",
                                vc4 ? "vc4 is loaded, but no HDMI card came"
                                    : "vc4 (HDMI audio) is not loaded");
                }
                if (!snd && !vc4) {
                        *ret_fix = strdup("Run modprobe -a snd_bcm2835 vc4, and check that udev "
                                          "runs: it loads both when their devices appear.");
                        return strdup("neither snd_bcm2835 (the jack, through VCHIQ) nor vc4 "
                                      "(HDMI audio with KMS) is loaded");
                }
                if (cmd->headphones == TRISTATE_NO && cmd->hdmi == TRISTATE_NO) {
                        *ret_fix = cmdline_fix();
                        return strdup("the kernel command line turns both snd_bcm2835 outputs "
                                      "off (snd_bcm2835.enable_headphones=0 "
                                      "snd_bcm2835.enable_hdmi=0)");
                }
        }
        if (!n_opts) {
                *ret_fix = strdup("Load the driver of the sound hardware, or plug in a USB sound "
                                  "card (hwctld notices it).");
                return strdup("no sound card driver has bound on this machine");
        }
        *ret_fix = strdup("dmesg says why the drivers made no card.");
        return strdup("the board's sound drivers are loaded but made no card");
}

static char *cmdline_fix(void)
{
        return strdup("Add snd_bcm2835.enable_headphones=1 to the kernel command line: for NixOS "
                      "boot.kernelParams, with extlinux/U-Boot the APPEND line, with the Pi "
                      "firmware alone dtparam=audio=on in config.txt (which edits the tree's "
                      "/chosen/bootargs, so it does nothing when U-Boot or extlinux loads the "
                      "tree). Then reboot.");
}

static void audio_work_done(ProbeContext *ctx, int result, void *userdata)
{
        _cleanup_(job_freep) AudioJob *j = userdata;
        json_object *details = probe_context_details(ctx), *cards, *choice;
        _cleanup_free_ char *summary = NULL, *remedy = NULL, *level = NULL, *problems = NULL;
        const AudioCard *c = NULL;
        const AudioDecision *d = &j->decision;
        Verdict v = VERDICT_OK;
        bool changed = false;

        if (probe_context_cancelled(ctx))
                return;
        if (result < 0) {
                probe_fail(ctx, result, "%m");
                return;
        }
        details_add_u64(details, "work_usec", j->work_usec);
        details_add_bool(details, "first_boot", j->first_boot);
        cards = json_object_new_array();
        for (size_t i = 0; i < j->n_cards; i++)
                json_object_array_add(cards, audio_card_to_json(&j->cards[i]));
        json_object_object_add(details, "cards", cards);
        details_add_str(details, "cards_error", j->list_error);
        choice = json_object_new_object();
        json_object_object_add(details, "choice", choice);
        details_add_str(choice, "reason", d->reason);
        if (d->card >= 0) {
                c = &j->cards[d->card];
                details_add_str(choice, "card", c->id);
                details_add_str(choice, "kind", audio_card_kind_to_string(c->kind));
                details_add_str(choice, "pcm", d->pcm_name);
        }
        details_add_bool(choice, "analog_missing", d->analog_missing);

        if (j->n_cards == 0) {
                bool expects = j->state && j->state->n_expected > 0;
                _cleanup_free_ char *why = NULL;
                if (!expects && j->board->n_audio == 0) {
                        probe_done(ctx, VERDICT_SKIPPED,
                                   "no sound card%s, and the device tree "
                                   "names no audio output",
                                   j->list_error ? " (ALSA cannot list any)" : "");
                        return;
                }
                why = diagnose_no_card(ctx, j->board, &j->cmd, details, &remedy);
                /* Both outputs off: the diagnosis already gave this fix. */
                if (j->board->headphone_jack == TRISTATE_YES && j->cmd.headphones == TRISTATE_NO &&
                    j->cmd.hdmi != TRISTATE_NO) {
                        _cleanup_free_ char *fix = cmdline_fix();
                        (void)strbuf_append(&remedy, "%s%s", remedy ? " " : "", strempty(fix));
                }
                if (remedy)
                        probe_set_remedy(ctx, "%s", remedy);
                probe_done(ctx, VERDICT_FAILED, "no sound card: %s", why ? why : "see the details");
                return;
        }
        if (!c) {
                probe_set_remedy(ctx, "Set [Audio] Output= to one of the card ids in hwctl status "
                                      "--json (details.cards), or to auto.");
                probe_done(ctx, d->only_virtual ? VERDICT_SKIPPED : VERDICT_FAILED, "%s",
                           d->reason);
                return;
        }

        /* The default file and what the configuration says. */
        json_object *def = json_object_new_object();
        json_object_object_add(details, "default", def);
        details_add_str(def, "path", j->conf_path);
        details_add_str(def, "action", j->conf_action);
        details_add_str(def, "error", j->conf_error);
        if (j->view_read) {
                details_add_bool(def, "config_parses", j->view.parses);
                details_add_str(def, "config_error", j->view.parse_error);
                details_add_str(def, "bad_file", j->view.bad_file);
                details_add_str(def, "pcm_default_type", j->view.default_type);
                details_add_str(def, "pcm_default_file", j->view.default_file);
                details_add_str(def, "effective_card", j->view.card);
                details_add_str(def, "card_set_by", j->view.card_file);
        }
        if (j->default_tried)
                details_add_str(def, "default_open_error", j->default_error);
        changed |= streq_ptr(j->conf_action, "written");

        if (j->mixer_run) {
                json_object_object_add(details, "mixer", mixer_to_json(&j->mixer));
                changed |= j->mixer.action && !streq(j->mixer.action, "kept") && !j->mixer.error;
                level = level_text(&j->mixer);
        }
        if (j->verify_run) {
                json_object *ver = json_object_new_object();
                json_object_object_add(details, "verification", ver);
                details_add_str(ver, "device", d->pcm_name);
                details_add_bool(ver, "ok", j->verify.ok);
                details_add_bool(ver, "busy", j->verify.busy);
                details_add_str(ver, "result", j->verify.message);
                details_add_u64(ver, "duration_usec", j->verify.usec);
                if (j->verify.ok) {
                        details_add_str(ver, "format", j->verify.format);
                        details_add_int(ver, "rate", j->verify.rate);
                        details_add_int(ver, "channels", j->verify.channels);
                }
        }

#define PROBLEM(verdict, ...)                                                                      \
        do {                                                                                       \
                if ((verdict) > v)                                                                 \
                        v = (verdict);                                                             \
                (void)strbuf_append(&problems, "%s", problems ? "; " : "");                        \
                (void)strbuf_append(&problems, __VA_ARGS__);                                       \
        } while (0)
#define REMEDY(...)                                                                                \
        do {                                                                                       \
                (void)strbuf_append(&remedy, "%s", remedy ? " " : "");                             \
                (void)strbuf_append(&remedy, __VA_ARGS__);                                         \
        } while (0)

        if (j->view_read && !j->view.parses) {
                PROBLEM(VERDICT_FAILED,
                        "the ALSA configuration does not parse, so every client "
                        "runs without it: %s",
                        strna(j->view.parse_error));
                REMEDY("Fix or remove %s (alsa-lib's words above; hwctld's own %s is not it: it "
                       "is checked before it is written).",
                       j->view.bad_file ? j->view.bad_file : "the file alsa-lib names",
                       AUDIO_CONF_NAME);
        }
        if (j->conf_error)
                PROBLEM(VERDICT_DEGRADED, "%s", j->conf_error);
        if (j->view_read && j->view.parses && j->view.card && !streq(j->view.card, c->id) &&
            !streq_ptr(j->conf_action, "left")) {
                PROBLEM(VERDICT_DEGRADED,
                        "defaults.pcm.card is %s, set by %s, which is read "
                        "after %s",
                        j->view.card, strna(j->view.card_file), j->conf_path);
                REMEDY("Remove the defaults.pcm.card line from %s, or set [Audio] Output=%s.",
                       strna(j->view.card_file), j->view.card);
        }
        if (j->view_read && is_server_plugin(j->view.default_type)) {
                if (j->default_error) {
                        PROBLEM(VERDICT_DEGRADED,
                                "the default PCM is the %s plugin (%s), which "
                                "does not answer for this user: %s",
                                j->view.default_type, strna(j->view.default_file),
                                j->default_error);
                        REMEDY("The %s server runs per user: as root or from a service, reach the "
                               "card directly (alsamixer -c %s, aplay -D plughw:CARD=%s); as the "
                               "desktop user, start the server (systemctl --user start %s).",
                               j->view.default_type, c->id, c->id,
                               streq(j->view.default_type, "pulse") ? "pulseaudio" : "pipewire");
                } else
                        (void)strbuf_append(&problems, "%sthe default PCM goes through %s (%s)",
                                            problems ? "; " : "", j->view.default_type,
                                            strna(j->view.default_file));
        } else if (j->view_read && j->view.default_file && j->view.default_type &&
                   !streq(j->view.default_type, "compound"))
                (void)strbuf_append(&problems,
                                    "%spcm.!default is set by %s (type %s), so "
                                    "defaults.pcm.card matters only through it",
                                    problems ? "; " : "", j->view.default_file,
                                    j->view.default_type);
        if (j->mixer_run && j->mixer.error)
                PROBLEM(VERDICT_DEGRADED, "%s", j->mixer.error);
        if (j->verify_run && !j->verify.ok && !j->verify.busy) {
                if (c->kind == AUDIO_CARD_HDMI && hdmi_without_display(ctx)) {
                        PROBLEM(VERDICT_DEGRADED, "HDMI audio cannot play without a display: %s",
                                j->verify.message);
                        REMEDY("Connect an HDMI display (vc4 streams audio only to a connected "
                               "sink), or choose the jack or a USB card with [Audio] Output=.");
                } else {
                        PROBLEM(VERDICT_FAILED, "%s", j->verify.message);
                        REMEDY("See the kernel log (dmesg) for %s.", c->id);
                }
        }
        if (d->analog_missing) {
                PROBLEM(VERDICT_DEGRADED,
                        "the board has an analog jack, but no analog card "
                        "came%s",
                        j->cmd.headphones == TRISTATE_NO
                                ? " (snd_bcm2835.enable_headphones=0 on the kernel "
                                  "command line)"
                                : "");
                _cleanup_free_ char *fix = cmdline_fix();
                REMEDY("%s", strempty(fix));
        }
#undef PROBLEM
#undef REMEDY
        if (v == VERDICT_OK && changed)
                v = VERDICT_CHANGED;
        bool acted = j->mixer_run && j->mixer.action && !streq(j->mixer.action, "kept");
        summary = strdup_printf("%s (%s) is the default: %s; %s%s%s%s; %s%s%s", c->id,
                                audio_card_kind_to_string(c->kind), d->reason,
                                level ? level : "no mixer", acted ? " (" : "",
                                acted ? j->mixer.action : "", acted ? ")" : "",
                                !j->verify_run   ? "not verified: no playback device"
                                : j->verify.ok   ? j->verify.message
                                : j->verify.busy ? "in use by another program"
                                                 : "playback failed",
                                problems ? "; " : "", strempty(problems));
        if (remedy)
                probe_set_remedy(ctx, "%s", remedy);
        if (!summary) {
                probe_fail(ctx, -ENOMEM, "%m");
                return;
        }
        probe_done(ctx, v, "%s", summary);
}

/* ---- Waiting for the cards, and watching them ---- */

/* The cards as sysfs names them (<sys>/class/sound/cardN/id): enough to tell whether the
 * expected ones are there, without opening anything. */
static int sysfs_cards(ProbeContext *ctx, AudioCard **ret, size_t *ret_n)
{
        _cleanup_free_ char *dir = probe_context_path(ctx, PROBE_PATH_SYS, "class/sound");
        AudioCard *l = NULL;
        size_t n = 0;
        struct dirent *de;
        DIR *d;

        if (!dir)
                return -ENOMEM;
        d = opendir(dir);
        while (d && (de = readdir(d)) && n < CARDS_MAX) {
                _cleanup_free_ char *p = NULL, *id = NULL;
                AudioCard *m;
                int index;
                char tail;

                if (sscanf(de->d_name, "card%d%c", &index, &tail) != 1)
                        continue;
                p = strdup_printf("%s/%s/id", dir, de->d_name);
                if (!p || read_one_line_file(p, &id) < 0)
                        continue;
                m = realloc(l, sizeof(AudioCard) * (n + 1));
                if (!m)
                        break;
                l = m;
                l[n] = (AudioCard){.index = index, .id = TAKE_PTR(id)};
                audio_card_classify(&l[n]);
                n++;
        }
        if (d)
                closedir(d);
        *ret = l;
        *ret_n = n;
        return 0;
}

static void read_cmdline(const char *proc_cmdline, AudioCmdline *ret)
{
        _cleanup_free_ char *text = NULL;
        size_t size;

        if (read_full_file(proc_cmdline, CMDLINE_SIZE_MAX, &text, &size) < 0) {
                audio_cmdline_parse(NULL, ret);
                return;
        }
        audio_cmdline_parse(text, ret);
}

static int start_work(ProbeContext *ctx, AudioState *s)
{
        _cleanup_(job_freep) AudioJob *j = calloc(1, sizeof(*j));
        const AudioSettings *set = probe_settings(&probe_audio, probe_context_config(ctx));
        _cleanup_free_ char *proc_cmdline = probe_context_path(ctx, PROBE_PATH_PROC, "cmdline");
        _cleanup_free_ char *state_file = NULL;
        int r;

        s->waiting = NULL;
        s->settle = sd_event_source_disable_unref(s->settle);
        if (!j || !proc_cmdline)
                return -ENOMEM;
        r = audio_config_section.init(&j->defaults);
        if (r < 0)
                return r;
        j->state = s;
        j->sysroot = probe_handle_sysroot(probe_context_handle(ctx));
        j->board = probe_context_board(ctx);
        j->settings = set ? set : &j->defaults;
        read_cmdline(proc_cmdline, &j->cmd);
        j->etc = probe_context_path(ctx, PROBE_PATH_ETC, NULL);
        j->conf_path = probe_context_path(ctx, PROBE_PATH_ETC, "alsa/conf.d/" AUDIO_CONF_NAME);
        state_file =
                path_join_root(probe_handle_sysroot(probe_context_handle(ctx)), ALSA_STATE_FILE);
        if (!j->etc || !j->conf_path || !state_file)
                return -ENOMEM;
        j->first_boot = access(state_file, F_OK) < 0;
        j->levels_path = probe_context_path(ctx, PROBE_PATH_VAR_LIB, "audio-levels");
        if (!j->levels_path)
                return -ENOMEM;
        if (j->first_boot) {
                _cleanup_free_ char *text = NULL;
                size_t size;
                if (read_full_file(j->levels_path, 64 * 1024, &text, &size) >= 0) {
                        r = strv_split_whitespace(text, &j->levels);
                        if (r < 0)
                                return r;
                }
        }
        r = probe_extend_timeout(ctx, WORK_TIMEOUT_USEC);
        if (r < 0)
                return r;
        r = probe_run_blocking(ctx, audio_work, audio_work_done, j);
        if (r < 0)
                return probe_fail(ctx, r, "cannot start the work: %m");
        TAKE_PTR(j);
        return 0;
}

static bool cards_settled(ProbeContext *ctx, AudioState *s, char **ret_have)
{
        AudioCard *l = NULL;
        size_t n = 0;
        bool ok;

        if (sysfs_cards(ctx, &l, &n) < 0)
                return false;
        ok = audio_expected_present(s->expected, s->n_expected, l, n);
        if (ret_have) {
                *ret_have = NULL;
                for (size_t i = 0; i < n; i++)
                        (void)strbuf_append(ret_have, "%s%s", *ret_have ? ", " : "", l[i].id);
        }
        audio_cards_free(l, n);
        return ok;
}

static int on_settled(sd_event_source *src, uint64_t usec, void *userdata)
{
        AudioState *s = userdata;
        ProbeContext *ctx = s->waiting;
        int r;

        (void)src;
        (void)usec;
        if (!ctx)
                return 0;
        s->settled = true;
        r = start_work(ctx, s);
        if (r < 0)
                probe_fail(ctx, r, "%m");
        return 0;
}

static int arm_settle(ProbeContext *ctx, AudioState *s, uint64_t settle_usec)
{
        _cleanup_free_ char *have = NULL, *want = NULL;
        uint64_t deadline = s->last_card_usec + settle_usec, now = now_usec(CLOCK_MONOTONIC);
        int r;

        if (cards_settled(ctx, s, &have) || deadline <= now) {
                s->settled = true;
                return start_work(ctx, s);
        }
        for (size_t i = 0; i < s->n_expected; i++)
                (void)strbuf_append(&want, "%s%s", want ? ", " : "", strna(s->expected[i].id));
        if (s->settle)
                r = sd_event_source_set_time(s->settle, deadline);
        else
                r = sd_event_add_time(probe_context_event(ctx), &s->settle, CLOCK_MONOTONIC,
                                      deadline, 10 * USEC_PER_MSEC, on_settled, s);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->settle, SD_EVENT_ONESHOT);
        if (r < 0)
                return probe_fail(ctx, r, "cannot arm the settle timer: %m");
        r = probe_extend_timeout(ctx, deadline - now + WORK_TIMEOUT_USEC);
        if (r < 0)
                return r;
        s->waiting = ctx;
        probe_progress(ctx,
                       "waiting up to %.1f s for sound cards to settle (here: %s; expected: %s)",
                       (double)(deadline - now) / USEC_PER_SEC, have ? have : "none",
                       want ? want : "not known for this board");
        return 0;
}

static bool device_in_subsystem(sd_device *dev, const char *subsystem)
{
        const char *sub = NULL;

        return sd_device_get_subsystem(dev, &sub) >= 0 && streq_ptr(sub, subsystem);
}

static bool diagnosis_module(const char *name)
{
        static char *const vchiq[] = {"vchiq", "bcm2835_vchiq", NULL};

        for (size_t i = 0; i < ELEMENTSOF(rpi_options); i++)
                if (streq(name, rpi_options[i].module))
                        return true;
        for (size_t i = 0; i < ELEMENTSOF(amlogic_options); i++)
                if (streq(name, amlogic_options[i].module))
                        return true;
        return strv_contains(vchiq, name);
}

static int on_sound_event(sd_device_monitor *m, sd_device *dev, void *userdata)
{
        AudioState *s = userdata;
        const char *sysname = NULL;
        int r;

        (void)m;
        if (sd_device_get_sysname(dev, &sysname) < 0 || !sysname)
                return 0;
        /* A card's devices, or a module the no-card diagnosis looks at: on a first boot udev
         * loads vc4 and the VCHIQ drivers late, and a diagnosis made before would stay wrong. */
        if (!(startswith(sysname, "card") || startswith(sysname, "controlC")) &&
            !(device_in_subsystem(dev, "module") && diagnosis_module(sysname)))
                return 0;
        s->last_card_usec = now_usec(CLOCK_MONOTONIC);
        if (s->waiting) {
                const AudioSettings *set =
                        probe_settings(&probe_audio, probe_context_config(s->waiting));
                ProbeContext *ctx = s->waiting;
                r = arm_settle(ctx, s, set ? set->settle_usec : AUDIO_SETTLE_DEFAULT);
                if (r < 0 && !probe_context_cancelled(ctx))
                        probe_fail(ctx, r, "%m");
                return 0;
        }
        /* After the round: a card came or went (USB, vc4 binding late): run again once the
         * burst of its devices is over. */
        if (!probe_handle_once(s->handle))
                (void)probe_handle_request_run_after(s->handle, RERUN_DELAY_USEC);
        return 0;
}

static int audio_run(ProbeContext *ctx)
{
        ProbeHandle *h = probe_context_handle(ctx);
        AudioState *s = probe_handle_get_state(h);
        const AudioSettings *set = probe_settings(&probe_audio, probe_context_config(ctx));
        _cleanup_free_ char *proc_cmdline = probe_context_path(ctx, PROBE_PATH_PROC, "cmdline");
        AudioCmdline cmd;
        uint64_t settle = set ? set->settle_usec : AUDIO_SETTLE_DEFAULT;
        int r;

        if (!proc_cmdline)
                return -ENOMEM;
        /* alsa-lib opens /dev/snd and reads /proc/asound of the running system, whatever the
         * sysroot: in another root there is nothing for it to look at. */
        if (!streq(probe_handle_sysroot(h), "/"))
                return probe_done(ctx, VERDICT_SKIPPED,
                                  "alsa-lib reaches only the running system's sound cards, not "
                                  "those of --sysroot %s",
                                  probe_handle_sysroot(h));
        if (!s) {
                s = calloc(1, sizeof(*s));
                if (!s)
                        return -ENOMEM;
                s->handle = h;
                s->last_card_usec = now_usec(CLOCK_MONOTONIC);
                probe_handle_set_state(h, s, audio_state_free);
        }
        read_cmdline(proc_cmdline, &cmd);
        audio_cards_free(s->expected, s->n_expected);
        s->expected = NULL;
        s->n_expected = 0;
        r = audio_expected_cards(probe_context_board(ctx), &cmd, &s->expected, &s->n_expected);
        if (r < 0)
                return r;
        if (!s->monitor) {
                static const char *const subsystems[] = {"sound", "module", NULL};
                r = probe_handle_watch_devices(h, subsystems, on_sound_event, s, &s->monitor);
                if (r < 0)
                        details_add_str(probe_context_details(ctx), "monitor_error", strerror(-r));
        }
        if (s->settled || settle == 0)
                return start_work(ctx, s);
        return arm_settle(ctx, s, settle);
}

static void audio_cancel(ProbeContext *ctx)
{
        AudioState *s = probe_handle_get_state(probe_context_handle(ctx));

        if (s && s->waiting == ctx) {
                s->waiting = NULL;
                s->settle = sd_event_source_disable_unref(s->settle);
        }
}

/* ---- Offline: what a run would do ---- */

static int audio_plan(const Board *b, const Config *c, const char *sysroot, char **ret_summary,
                      json_object *details)
{
        const AudioSettings *set = probe_settings(&probe_audio, c);
        _cleanup_free_ char *proc_cmdline = path_join_root(sysroot, "/proc/cmdline");
        _cleanup_free_ char *conf = path_join_root(sysroot, "/etc/alsa/conf.d/" AUDIO_CONF_NAME);
        _cleanup_free_ char *vol = NULL, *text = NULL;
        AudioSettings defaults = {};
        AudioDecision d = {.card = -1, .pcm_device = -1};
        AudioCmdline cmd;
        AudioCard *cards = NULL;
        size_t n = 0;
        json_object *l;
        int r;

        if (!proc_cmdline || !conf)
                return -ENOMEM;
        r = audio_config_section.init(&defaults);
        if (r < 0)
                return r;
        if (!set)
                set = &defaults;
        read_cmdline(proc_cmdline, &cmd);
        r = audio_expected_cards(b, &cmd, &cards, &n);
        if (r >= 0)
                r = audio_decide(b, set, cards, n, &d);
        if (r < 0)
                goto out;
        vol = audio_volume_to_string(&set->volume);
        l = json_object_new_array();
        for (size_t i = 0; i < n; i++)
                json_object_array_add(l, audio_card_to_json(&cards[i]));
        json_object_object_add(details, "expected_cards", l);
        details_add_str(details, "headphone_jack", tristate_to_string(b->headphone_jack));
        details_add_str(details, "reason", d.reason);
        details_add_str(details, "volume", vol);
        if (d.card >= 0 && !cards[d.card].id)
                *ret_summary = strdup_printf(
                        "would make the SoC's sound card (%s) the default by its id, which the "
                        "kernel takes from the sound node's model: %s; set its level and play "
                        "100 ms of silence",
                        strna(cards[d.card].driver), d.reason);
        else if (d.card >= 0) {
                text = audio_conf_render(cards[d.card].id, d.reason);
                details_add_str(details, "card", cards[d.card].id);
                details_add_str(details, "pcm", d.pcm_name);
                details_add_str(details, "file", conf);
                details_add_str(details, "content", text);
                *ret_summary = strdup_printf(
                        "would make %s (%s) the default: %s; write %s (defaults.pcm.!card \"%s\"); "
                        "unmute and set %s only if it is muted, at its minimum, or on the first "
                        "boot; play 100 ms of silence on %s%s",
                        cards[d.card].id, audio_card_kind_to_string(cards[d.card].kind), d.reason,
                        conf, cards[d.card].id, strna(vol), strna(d.pcm_name),
                        d.analog_missing ? "; the board's jack would have no card" : "");
        } else
                *ret_summary = strdup_printf("no card expected for this board (%s); would report "
                                             "the cards that come, or why none does",
                                             d.reason);
        r = *ret_summary ? 0 : -ENOMEM;
out:
        audio_decision_done(&d);
        audio_cards_free(cards, n);
        audio_config_section.done(&defaults);
        return r;
}

const ProbeOps probe_audio = {
        .name = "audio",
        .config = &audio_config_section,
        .run = audio_run,
        .cancel = audio_cancel,
        .plan = audio_plan,
        .timeout_usec = 5 * USEC_PER_SEC,
};
