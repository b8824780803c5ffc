/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The audio probe's pure parts over real device trees: which cards each kernel makes for a
 * board (named as that kernel names them) and which one becomes the default; the kernel
 * command line; the conf.d file, parsed by the real alsa-lib; kernel configurations, real
 * (Debian's arm64 and amd64) and broken. */
#include <alsa/asoundlib.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <zlib.h>

#include "audio-alsa.h"
#include "audio.h"
#include "kconfig.h"
#include "test-dtb.h"
#include "test-util.h"
#include "util.h"

/* ---- Card lists as the kernels name them ---- */

typedef struct CardSpec {
        const char *id, *driver, *name;
        const char *pcm_name; /* of device 0; NULL: unnamed */
} CardSpec;

static AudioCard *cards_of(const CardSpec *spec, size_t *ret_n)
{
        size_t n = 0;
        AudioCard *c;

        while (spec[n].id || spec[n].driver)
                n++;
        c = calloc(n ? n : 1, sizeof(AudioCard));
        REQUIRE(c);
        for (size_t i = 0; i < n; i++) {
                c[i] = (AudioCard){.index = (int)i};
                c[i].id = spec[i].id ? strdup(spec[i].id) : NULL;
                c[i].driver = spec[i].driver ? strdup(spec[i].driver) : NULL;
                c[i].name = spec[i].name ? strdup(spec[i].name) : NULL;
                c[i].pcm = calloc(1, sizeof(AudioPcm));
                REQUIRE(c[i].pcm);
                c[i].n_pcm = 1;
                c[i].pcm[0].name = spec[i].pcm_name ? strdup(spec[i].pcm_name) : NULL;
                audio_card_classify(&c[i]);
        }
        *ret_n = n;
        return c;
}

/* What each kernel makes (ids as sound/core derives them; drivers as the drivers set them). */
#define HEADPHONES                                                                                 \
        {                                                                                          \
                "Headphones", "bcm2835_headpho", "bcm2835 Headphones", "bcm2835 Headphones"        \
        }
#define VC4HDMI                                                                                    \
        {                                                                                          \
                "vc4hdmi", "vc4-hdmi", "vc4-hdmi", "MAI PCM i2s-hifi-0"                            \
        }
#define VC4HDMI0                                                                                   \
        {                                                                                          \
                "vc4hdmi0", "vc4-hdmi", "vc4-hdmi-0", "MAI PCM i2s-hifi-0"                         \
        }
#define VC4HDMI1                                                                                   \
        {                                                                                          \
                "vc4hdmi1", "vc4-hdmi", "vc4-hdmi-1", "MAI PCM i2s-hifi-0"                         \
        }
#define USB                                                                                        \
        {                                                                                          \
                "Device", "USB-Audio", "USB Audio Device", "USB Audio"                             \
        }
#define LOOPBACK                                                                                   \
        {                                                                                          \
                "Loopback", "Loopback", "Loopback", "Loopback PCM"                                 \
        }

static const AudioSettings *settings(const char *output)
{
        static AudioSettings s;

        audio_config_section.done(&s);
        memset(&s, 0, sizeof(s));
        REQUIRE(audio_config_section.init(&s) >= 0);
        s.output = output ? strdup(output) : NULL;
        return &s;
}

/* decide DIR FILE CARDS OUTPUT -> the card chosen (NULL for none) and its PCM name. */
static void expect_choice(const char *dir, const char *file, const CardSpec *spec,
                          const char *output, const char *want, const char *want_pcm,
                          bool want_analog_missing)
{
        _cleanup_(board_freep) Board *b = test_load_dtb(dir, file);
        AudioDecision d = {};
        AudioCard *c;
        size_t n;

        if (!b)
                return;
        c = cards_of(spec, &n);
        ASSERT_INT_EQ(audio_decide(b, settings(output), c, n, &d), 0);
        if (!streq_ptr(d.card >= 0 ? c[d.card].id : NULL, want))
                TEST_FAIL("%s with Output=%s: chose %s (%s), expected %s", file, strna(output),
                          d.card >= 0 ? strna(c[d.card].id) : "none", strna(d.reason), strna(want));
        if (want_pcm && !streq_ptr(d.pcm_name, want_pcm))
                TEST_FAIL("%s: PCM %s, expected %s", file, strna(d.pcm_name), want_pcm);
        if (d.analog_missing != want_analog_missing)
                TEST_FAIL("%s: analog_missing %d, expected %d", file, d.analog_missing,
                          want_analog_missing);
        if (isempty(d.reason))
                TEST_FAIL("%s: no reason given", file);
        audio_decision_done(&d);
        audio_cards_free(c, n);
}

/* The plan's prediction must match what the kernel really makes. */
static void expect_expected(const char *dir, const char *file, const CardSpec *kernel,
                            const char *cmdline, size_t want_n)
{
        _cleanup_(board_freep) Board *b = test_load_dtb(dir, file);
        AudioCard *e = NULL, *c;
        size_t n_e = 0, n;
        AudioCmdline cmd;

        if (!b)
                return;
        audio_cmdline_parse(cmdline, &cmd);
        ASSERT_INT_EQ(audio_expected_cards(b, &cmd, &e, &n_e), 0);
        if (n_e != want_n)
                TEST_FAIL("%s: %zu expected cards, wanted %zu", file, n_e, want_n);
        c = cards_of(kernel, &n);
        if (want_n && !audio_expected_present(e, n_e, c, n))
                TEST_FAIL("%s: the kernel's cards do not cover the expected ones", file);
        /* One missing: not all there yet. */
        if (want_n && n > 0 && audio_expected_present(e, n_e, c + 1, n - 1) &&
            audio_expected_present(e, n_e, c, n - 1))
                TEST_FAIL("%s: expected cards still present with one card gone", file);
        audio_cards_free(e, n_e);
        audio_cards_free(c, n);
}

static void test_every_upstream_tree(void)
{
        static const CardSpec pi3[] = {HEADPHONES, VC4HDMI, {}};
        static const CardSpec pi3_hdmi_only[] = {VC4HDMI, {}};
        static const CardSpec pi4[] = {VC4HDMI0, VC4HDMI1, HEADPHONES, {}};
        static const CardSpec pi4_hdmi_only[] = {VC4HDMI0, VC4HDMI1, {}};
        static const CardSpec pi4_usb[] = {VC4HDMI0, HEADPHONES, USB, {}};
        static const CardSpec usb_only[] = {USB, {}};
        static const CardSpec loop_only[] = {LOOPBACK, {}};
        static const CardSpec none[] = {{}};
        const char *D = HWCTL_DTB_DIR;
        struct stat st;

        if (stat(HWCTL_DTB_DIR, &st) < 0)
                TEST_SKIP("no upstream DTBs in %s (run scripts/fetch-dtbs)", HWCTL_DTB_DIR);

        /* Boards with a jack: the jack. */
        expect_choice(D, "bcm2837-rpi-3-b.dtb", pi3, NULL, "Headphones",
                      "plughw:CARD=Headphones,DEV=0", false);
        expect_choice(D, "bcm2837-rpi-3-b-plus.dtb", pi3, NULL, "Headphones", NULL, false);
        expect_choice(D, "bcm2837-rpi-3-a-plus.dtb", pi3, NULL, "Headphones", NULL, false);
        expect_choice(D, "bcm2711-rpi-4-b.dtb", pi4, NULL, "Headphones", NULL, false);
        /* ... unless asked otherwise, by kind, port or id. */
        expect_choice(D, "bcm2711-rpi-4-b.dtb", pi4, "hdmi", "vc4hdmi0", "hdmi:CARD=vc4hdmi0,DEV=0",
                      false);
        expect_choice(D, "bcm2711-rpi-4-b.dtb", pi4, "hdmi1", "vc4hdmi1",
                      "hdmi:CARD=vc4hdmi1,DEV=0", false);
        expect_choice(D, "bcm2711-rpi-4-b.dtb", pi4, "vc4hdmi1", "vc4hdmi1", NULL, false);
        expect_choice(D, "bcm2711-rpi-4-b.dtb", pi4, "NoSuchCard", NULL, NULL, false);
        /* The jack turned off on the command line (snd_bcm2835.enable_headphones=0), so its card
         * never came: HDMI, and the jack is missing. */
        expect_choice(D, "bcm2711-rpi-4-b.dtb", pi4_hdmi_only, NULL, "vc4hdmi0", NULL, true);
        expect_choice(D, "bcm2837-rpi-3-b.dtb", pi3_hdmi_only, "analog", NULL, NULL, true);
        /* A USB card beside on-board ones is not chosen by auto; alone it is. */
        expect_choice(D, "bcm2711-rpi-4-b.dtb", pi4_usb, NULL, "Headphones", NULL, false);
        expect_choice(D, "bcm2711-rpi-4-b.dtb", usb_only, NULL, "Device",
                      "plughw:CARD=Device,DEV=0", true);
        /* Boards without a jack: the first HDMI, and nothing is missing. */
        expect_choice(D, "bcm2711-rpi-400.dtb", pi4_hdmi_only, NULL, "vc4hdmi0", NULL, false);
        expect_choice(D, "bcm2711-rpi-cm4-io.dtb", pi4_hdmi_only, NULL, "vc4hdmi0", NULL, false);
        expect_choice(D, "bcm2712-rpi-5-b.dtb", pi4_hdmi_only, NULL, "vc4hdmi0", NULL, false);
        expect_choice(D, "bcm2837-rpi-zero-2-w.dtb", pi3_hdmi_only, NULL, "vc4hdmi",
                      "hdmi:CARD=vc4hdmi,DEV=0", false);
        expect_choice(D, "bcm2711-rpi-400.dtb", pi4_hdmi_only, "analog", NULL, NULL, false);
        /* Virtual cards only, or none. */
        expect_choice(D, "bcm2711-rpi-4-b.dtb", loop_only, NULL, NULL, NULL, true);
        expect_choice(D, "bcm2711-rpi-4-b.dtb", loop_only, "Loopback", "Loopback", NULL, false);
        expect_choice(D, "bcm2711-rpi-400.dtb", none, NULL, NULL, NULL, false);
        /* Amlogic mainline: the SoC card; no jack known. */
        static const CardSpec vim3[] = {{"KHADASVIM3", "axg-sound-card", "KHADAS-VIM3", NULL}, {}};
        expect_choice(D, "meson-g12b-a311d-khadas-vim3.dtb", vim3, NULL, "KHADASVIM3", NULL, false);
        expect_choice(D, "meson-sm1-khadas-vim3l.dtb", vim3, NULL, "KHADASVIM3", NULL, false);

        /* What the plan predicts covers what the kernel makes, and tells a missing card. */
        expect_expected(D, "bcm2711-rpi-4-b.dtb", pi4, "", 3);
        expect_expected(D, "bcm2711-rpi-4-b.dtb", pi4_hdmi_only, "snd_bcm2835.enable_headphones=0",
                        2);
        expect_expected(D, "bcm2837-rpi-3-b.dtb", pi3, "", 2);
        expect_expected(D, "bcm2837-rpi-zero-2-w.dtb", pi3_hdmi_only, "", 1);
        expect_expected(D, "bcm2711-rpi-400.dtb", pi4_hdmi_only, "", 2);
}

static void test_vendor_trees(void)
{
        static const CardSpec pi4_downstream[] = {HEADPHONES, VC4HDMI0, VC4HDMI1, {}};
        static const CardSpec pi400_downstream[] = {VC4HDMI0, VC4HDMI1, {}};
        /* The Khadas vendor kernel: one card, a PCM per output. */
        static const CardSpec vim1s[] = {
                {"AMLAUGESOUND", "AML-AUGESOUND", "AML-AUGESOUND", "TDM-B"}, {}};
        const char *F = HWCTL_BOARD_FIXTURE_DTB_DIR;

        expect_choice(F, "rpi-4-b-downstream.dtb", pi4_downstream, NULL, "Headphones", NULL, false);
        expect_choice(F, "rpi-3-b-downstream.dtb", pi4_downstream, NULL, "Headphones", NULL, false);
        expect_choice(F, "rpi-400-downstream.dtb", pi400_downstream, NULL, "vc4hdmi0",
                      "hdmi:CARD=vc4hdmi0,DEV=0", false);
        expect_choice(F, "rpi-5-b-downstream.dtb", pi400_downstream, NULL, "vc4hdmi0", NULL, false);
        expect_choice(F, "khadas-vim1s-vendor.dtb", vim1s, NULL, "AMLAUGESOUND",
                      "plughw:CARD=AMLAUGESOUND,DEV=0", false);
        /* The downstream base trees turn the jack off in bootargs; the kernel command line as
         * the firmware passes it then has enable_headphones=0 last. */
        expect_expected(F, "rpi-4-b-downstream.dtb", pi4_downstream, "", 1);
        expect_expected(F, "rpi-4-b-downstream.dtb", pi400_downstream,
                        "snd_bcm2835.enable_headphones=1 snd_bcm2835.enable_headphones=0", 0);
        expect_expected(F, "khadas-vim1s-vendor.dtb", vim1s, "", 1);
        expect_expected(F, "rpi-3-b-downstream-5.4.dtb", pi4_downstream, "", 1);
}

static void test_a_soc_card_plays_hdmi_on_its_hdmi_device(void)
{
        _cleanup_(board_freep) Board *b =
                test_load_dtb(HWCTL_BOARD_FIXTURE_DTB_DIR, "khadas-vim1s-vendor.dtb");
        AudioCard *c;
        AudioDecision d = {};

        if (!b)
                return;
        c = calloc(1, sizeof(AudioCard));
        REQUIRE(c);
        c[0] = (AudioCard){.id = strdup("AMLAUGESOUND"), .driver = strdup("AML-AUGESOUND")};
        c[0].pcm = calloc(3, sizeof(AudioPcm));
        REQUIRE(c[0].pcm);
        c[0].n_pcm = 3;
        c[0].pcm[0] = (AudioPcm){.device = 0, .name = strdup("TDM-A")};
        c[0].pcm[1] = (AudioPcm){.device = 1, .name = strdup("TDM-B-dummy-alsaPORT-hdmi")};
        c[0].pcm[2] = (AudioPcm){.device = 2, .name = strdup("SPDIF")};
        audio_card_classify(&c[0]);
        ASSERT_STR_EQ(audio_card_kind_to_string(c[0].kind), "soc");
        ASSERT_INT_EQ(audio_decide(b, settings("hdmi"), c, 1, &d), 0);
        ASSERT_STR_EQ(d.pcm_name, "plughw:CARD=AMLAUGESOUND,DEV=1");
        audio_decision_done(&d);
        audio_cards_free(c, 1);
}

static void test_classification(void)
{
        static const struct {
                CardSpec c;
                const char *kind;
                int port;
        } t[] = {
                {HEADPHONES, "analog", -1},
                {VC4HDMI, "hdmi", 0},
                {VC4HDMI0, "hdmi", 0},
                {VC4HDMI1, "hdmi", 1},
                {{"HDMI", "bcm2835_hdmi", "bcm2835 HDMI 1", NULL}, "hdmi", 0},
                {USB, "usb", -1},
                {LOOPBACK, "virtual", -1},
                {{"Dummy", "Dummy", "Dummy", NULL}, "virtual", -1},
                /* snd-dummy given a Pi's names stands for that output: the id decides. */
                {{"Headphones", "Dummy", "Dummy", NULL}, "analog", -1},
                {{"vc4hdmi0", "Dummy", "Dummy", NULL}, "hdmi", 0},
                {{"PCH", "HDA-Intel", "HDA Intel PCH", NULL}, "other", -1},
                {{"NVidia", "HDA-Intel", "HDA NVidia HDMI", NULL}, "hdmi", 0},
                {{"vc4hdmi12", "vc4-hdmi", "x", NULL}, "hdmi", 0}, /* no such port: unknown */
                {{NULL, NULL, NULL, NULL}, "other", -1},
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                AudioCard c = {.id = (char *)t[i].c.id,
                               .driver = (char *)t[i].c.driver,
                               .name = (char *)t[i].c.name};
                audio_card_classify(&c);
                if (!streq(audio_card_kind_to_string(c.kind), t[i].kind) ||
                    c.hdmi_port != t[i].port)
                        TEST_FAIL("%s/%s: %s port %d, expected %s port %d", strna(t[i].c.id),
                                  strna(t[i].c.driver), audio_card_kind_to_string(c.kind),
                                  c.hdmi_port, t[i].kind, t[i].port);
        }
}

static void test_cmdline(void)
{
        static const struct {
                const char *cmdline;
                Tristate headphones, hdmi;
        } t[] = {
                {"", TRISTATE_UNKNOWN, TRISTATE_UNKNOWN},
                {NULL, TRISTATE_UNKNOWN, TRISTATE_UNKNOWN},
                {"console=ttyS0 snd_bcm2835.enable_headphones=0", TRISTATE_NO, TRISTATE_UNKNOWN},
                /* The downstream base tree's bootargs first, then the person's: last wins. */
                {"snd_bcm2835.enable_headphones=0 snd_bcm2835.enable_headphones=1\n", TRISTATE_YES,
                 TRISTATE_UNKNOWN},
                {"snd_bcm2835.enable_headphones=1 snd_bcm2835.enable_headphones=0", TRISTATE_NO,
                 TRISTATE_UNKNOWN},
                {"snd-bcm2835.enable_hdmi=N\tsnd_bcm2835.enable_headphones=y", TRISTATE_YES,
                 TRISTATE_NO},
                /* Garbage values leave it as it was; the kernel would refuse them too. */
                {"snd_bcm2835.enable_headphones=0 snd_bcm2835.enable_headphones=maybe", TRISTATE_NO,
                 TRISTATE_UNKNOWN},
                {"snd_bcm2835.enable_headphones=", TRISTATE_UNKNOWN, TRISTATE_UNKNOWN},
                {"xsnd_bcm2835.enable_headphones=0", TRISTATE_UNKNOWN, TRISTATE_UNKNOWN},
                /* After "--" the words are init's. */
                {"quiet -- snd_bcm2835.enable_headphones=0", TRISTATE_UNKNOWN, TRISTATE_UNKNOWN},
                {"   \n\n  ", TRISTATE_UNKNOWN, TRISTATE_UNKNOWN},
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                AudioCmdline c;
                audio_cmdline_parse(t[i].cmdline, &c);
                if (c.headphones != t[i].headphones || c.hdmi != t[i].hdmi)
                        TEST_FAIL("'%s': headphones %d hdmi %d, expected %d %d",
                                  strna(t[i].cmdline), c.headphones, c.hdmi, t[i].headphones,
                                  t[i].hdmi);
        }
}

/* ---- The conf.d file, with the real alsa-lib ---- */

/* alsa.conf as every client loads it, then text on top: the effective defaults.pcm.card. */
static int layered_card(const char *text, char **ret)
{
        _cleanup_free_ char *path = strdup_printf("%s/alsa.conf", snd_config_topdir());
        _cleanup_free_ char *base = NULL;
        snd_config_t *top = NULL, *n;
        snd_input_t *in;
        size_t size;
        const char *s;
        int r;

        REQUIRE(read_full_file(path, 1024 * 1024, &base, &size) >= 0);
        REQUIRE(snd_config_top(&top) >= 0);
        REQUIRE(snd_input_buffer_open(&in, base, (ssize_t)size) >= 0);
        r = snd_config_load(top, in);
        snd_input_close(in);
        REQUIRE(r >= 0);
        REQUIRE(snd_input_buffer_open(&in, text, (ssize_t)strlen(text)) >= 0);
        r = snd_config_load(top, in);
        snd_input_close(in);
        if (r >= 0) {
                r = snd_config_search(top, "defaults.pcm.card", &n);
                if (r >= 0)
                        r = snd_config_get_string(n, &s);
                if (r >= 0)
                        *ret = strdup(s);
        }
        snd_config_delete(top);
        return r;
}

static void test_conf_file_parses_with_alsa_lib(void)
{
        _cleanup_free_ char *text = audio_conf_render("Headphones", "the analog jack\nline 2");
        _cleanup_free_ char *card = NULL, *err = NULL;

        REQUIRE(text);
        ASSERT_TRUE(audio_conf_is_ours(text));
        ASSERT_INT_EQ(audio_alsa_config_text_check(text, strlen(text), &err), 0);
        ASSERT_INT_EQ(layered_card(text, &card), 0);
        ASSERT_STR_EQ(card, "Headphones");
        /* A reason cannot start a line of its own: it stays in the comment. */
        ASSERT_NULL(strstr(text, "\nline 2"));
        /* The form the issue warns about is what the layered check refuses. */
        free(card);
        card = NULL;
        ASSERT_TRUE(layered_card("defaults.pcm.card Headphones\n", &card) < 0);
        ASSERT_TRUE(audio_alsa_config_text_check("pcm.broken {\n type hw\n", 19, &err) < 0);
        ASSERT_NOT_NULL(err);
        /* Ids that are not ids are never written. */
        ASSERT_NULL(audio_conf_render("Head\"phones", "x"));
        ASSERT_NULL(audio_conf_render("a\nb", "x"));
        ASSERT_NULL(audio_conf_render("", "x"));
        ASSERT_NULL(audio_conf_render("sixteen-chars-id", "x"));
        ASSERT_NULL(audio_conf_render(NULL, "x"));
        ASSERT_FALSE(audio_conf_is_ours("defaults.pcm.!card \"x\"\n"));
        ASSERT_FALSE(audio_conf_is_ours(""));
}

/* ---- Kernel configurations ---- */

static char *write_tmp(const char *name, const void *data, size_t size, bool gzip)
{
        static char dir[] = "/tmp/hwctl-kconfig-XXXXXX";
        static bool made;
        char *path;

        if (!made)
                REQUIRE(mkdtemp(dir));
        made = true;
        path = strdup_printf("%s/%s", dir, name);
        REQUIRE(path);
        if (gzip) {
                gzFile f = gzopen(path, "wb");
                REQUIRE(f);
                REQUIRE(gzwrite(f, data, (unsigned)size) == (int)size);
                REQUIRE(gzclose(f) == Z_OK);
        } else {
                int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
                REQUIRE(fd >= 0);
                REQUIRE(write(fd, data, size) == (ssize_t)size);
                close(fd);
        }
        return path;
}

static void test_kconfig_files(void)
{
        static const char text[] =
                "#\n# Automatically generated file; DO NOT EDIT.\n"
                "CONFIG_SND=m\nCONFIG_SND_BCM2835=m\n# CONFIG_DRM_VC4 is not set\n"
                "CONFIG_GPIO_CDEV=y\nCONFIG_LOCALVERSION=\"-v8\"\nCONFIG_X=n\n"
                "CONFIG_SND_BCM2835=y\n"; /* a later one wins */
        _cleanup_free_ char *plain = write_tmp("config", text, strlen(text), false);
        _cleanup_free_ char *gz = write_tmp("config.gz", text, strlen(text), true);
        _cleanup_free_ char *err = NULL;

        for (int i = 0; i < 2; i++) {
                _cleanup_(kconfig_freep) Kconfig *k = NULL;
                ASSERT_INT_EQ(kconfig_load(i ? gz : plain, &k, &err), 0);
                ASSERT_INT_EQ(kconfig_get(k, "CONFIG_SND"), KCONFIG_MODULE);
                ASSERT_INT_EQ(kconfig_get(k, "SND_BCM2835"), KCONFIG_BUILTIN);
                ASSERT_INT_EQ(kconfig_get(k, "CONFIG_DRM_VC4"), KCONFIG_MISSING);
                ASSERT_INT_EQ(kconfig_get(k, "CONFIG_GPIO_CDEV"), KCONFIG_BUILTIN);
                ASSERT_INT_EQ(kconfig_get(k, "CONFIG_LOCALVERSION"), KCONFIG_OTHER);
                ASSERT_INT_EQ(kconfig_get(k, "CONFIG_X"), KCONFIG_MISSING);
                ASSERT_INT_EQ(kconfig_get(k, "CONFIG_NOPE"), KCONFIG_MISSING);
                ASSERT_INT_EQ(kconfig_get(k, ""), KCONFIG_MISSING);
        }
}

static void test_kconfig_broken_inputs(void)
{
        static const char not_config[] = "hello\nworld\n";
        _cleanup_free_ char *a = write_tmp("text", not_config, strlen(not_config), false);
        _cleanup_free_ char *empty = write_tmp("empty", "", 0, false);
        _cleanup_free_ char *gz = NULL, *trunc = NULL, *bomb = NULL, *garbage = NULL;
        _cleanup_free_ char *fifo = NULL, *dir = NULL;
        _cleanup_free_ char *big = malloc(KCONFIG_SIZE_MAX + 2);
        Kconfig *k = NULL;
        char *err = NULL;
        size_t size;

        ASSERT_INT_EQ(kconfig_load(a, &k, &err), -EBADMSG);
        ASSERT_STR_CONTAINS(err, "not a kernel configuration");
        free(err);
        err = NULL;
        ASSERT_INT_EQ(kconfig_load(empty, &k, &err), -EBADMSG);
        free(err);
        err = NULL;
        /* A gzip stream cut short, and one that inflates past the limit. */
        gz = write_tmp("whole.gz", "CONFIG_SND=y\n", 13, true);
        _cleanup_free_ char *data = NULL;
        REQUIRE(read_full_file(gz, 4096, &data, &size) >= 0);
        trunc = write_tmp("cut.gz", data, size - 6, false);
        ASSERT_INT_EQ(kconfig_load(trunc, &k, &err), -EBADMSG);
        ASSERT_STR_CONTAINS(err, "gzip");
        free(err);
        err = NULL;
        garbage = write_tmp("garbage.gz", "\x1f\x8bgarbage", 9, false);
        ASSERT_INT_EQ(kconfig_load(garbage, &k, &err), -EBADMSG);
        free(err);
        err = NULL;
        REQUIRE(big);
        memset(big, '#', KCONFIG_SIZE_MAX + 1);
        bomb = write_tmp("bomb.gz", big, KCONFIG_SIZE_MAX + 1, true);
        ASSERT_INT_EQ(kconfig_load(bomb, &k, &err), -EFBIG);
        free(err);
        err = NULL;
        /* Not a regular file: refused at once, never blocking. */
        fifo = strdup_printf("%s.fifo", a);
        REQUIRE(mkfifo(fifo, 0600) == 0);
        ASSERT_TRUE(kconfig_load(fifo, &k, &err) < 0);
        free(err);
        err = NULL;
        dir = strdup_printf("%s.d", a);
        REQUIRE(mkdir(dir, 0700) == 0);
        ASSERT_TRUE(kconfig_load(dir, &k, &err) < 0);
        free(err);
        err = NULL;
        ASSERT_TRUE(kconfig_load("/nonexistent/config", &k, &err) < 0);
        free(err);
        ASSERT_NULL(k);
}

/* Debian's own kernels, as the VM tiers fetched them. */
static void test_kconfig_debian_kernels(void)
{
        static const struct {
                const char *glob_dir;
                const char *option;
                KconfigValue want;
        } t[] = {
                {HWCTL_SOURCE_DIR "/.cache/pi3/kroot/boot", "CONFIG_SND_BCM2835", KCONFIG_MODULE},
                {HWCTL_SOURCE_DIR "/.cache/pi3/kroot/boot", "CONFIG_DRM_VC4", KCONFIG_MODULE},
                {HWCTL_SOURCE_DIR "/.cache/pi3/kroot/boot", "CONFIG_GPIO_CDEV", KCONFIG_BUILTIN},
                {HWCTL_SOURCE_DIR "/.cache/vm/kroot/boot", "CONFIG_SND_DUMMY", KCONFIG_MODULE},
                {HWCTL_SOURCE_DIR "/.cache/vm/kroot/boot", "CONFIG_SND_BCM2835", KCONFIG_MISSING},
        };
        size_t found = 0;

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_free_ char *cmd =
                        strdup_printf("ls %s/config-* 2>/dev/null", t[i].glob_dir);
                char line[4096] = "";
                FILE *p = popen(cmd, "r");
                _cleanup_(kconfig_freep) Kconfig *k = NULL;
                _cleanup_free_ char *err = NULL;

                if (!p || !fgets(line, sizeof(line), p)) {
                        if (p)
                                pclose(p);
                        continue;
                }
                pclose(p);
                line[strcspn(line, "\n")] = 0;
                found++;
                if (kconfig_load(line, &k, &err) < 0) {
                        TEST_FAIL("%s: %s", line, strna(err));
                        continue;
                }
                if (kconfig_get(k, t[i].option) != t[i].want)
                        TEST_FAIL("%s: %s is %s", line, t[i].option,
                                  kconfig_value_to_string(kconfig_get(k, t[i].option)));
        }
        if (found == 0)
                TEST_SKIP("no Debian kernel configuration under .cache/ (scripts/setup fetches "
                          "the kernels)");
}

int main(void)
{
        TEST_RUN(test_classification);
        TEST_RUN(test_cmdline);
        TEST_RUN(test_conf_file_parses_with_alsa_lib);
        TEST_RUN(test_kconfig_files);
        TEST_RUN(test_kconfig_broken_inputs);
        TEST_RUN(test_a_soc_card_plays_hdmi_on_its_hdmi_device);
        TEST_RUN(test_vendor_trees);
        TEST_RUN(test_kconfig_debian_kernels);
        TEST_RUN(test_every_upstream_tree);
        return test_exit();
}
