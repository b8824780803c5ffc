/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Audio and GPIO facts: the audio nodes a tree enables, and the 40-pin header's GPIO controller. */
#include <libfdt.h>

#include "board-private.h"
#include "dt.h"

#define AUDIO_NODES_MAX 64
#define GPIO_LINES_MAX  1024

static const char *const vc4_hdmi_compats[] = {
        "brcm,bcm2835-hdmi",  "brcm,bcm2711-hdmi0", "brcm,bcm2711-hdmi1",
        "brcm,bcm2712-hdmi0", "brcm,bcm2712-hdmi1",
};

static const char *const sound_card_compats[] = {
        "simple-audio-card",      "audio-graph-card",      "audio-graph-card2",
        "amlogic,axg-sound-card", "amlogic,gx-sound-card", "amlogic, auge-sound-card",
};

/* The kind of audio node, or NULL when the node is not one we report. */
static const char *audio_kind(const void *fdt, int node)
{
        const char *first = dt_node_first_compatible(fdt, node);

        if (!first)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(vc4_hdmi_compats); i++)
                if (dt_node_is_compatible(fdt, node, vc4_hdmi_compats[i]))
                        return "hdmi";
        /* Amlogic mainline: dw-hdmi and the tohdmitx glue are DAIs; vendor: amhdmitx. */
        if (strstr(first, "hdmi") && !strstr(first, "i2c") && !strstr(first, "connector") &&
            dt_prop_exists(fdt, node, "#sound-dai-cells"))
                return "hdmi";
        if (dt_node_compatible_prefix(fdt, node, "amlogic, amhdmitx"))
                return "hdmi";
        if (dt_node_is_compatible(fdt, node, "brcm,bcm2835-audio") ||
            dt_node_is_compatible(fdt, node, "raspberrypi,rp1-audio-out"))
                return "analog";
        /* snd_bcm2835 rides on VCHIQ: the firmware's headphone jack and HDMI outputs. */
        if (dt_node_is_compatible(fdt, node, "brcm,bcm2835-vchiq") ||
            dt_node_is_compatible(fdt, node, "brcm,bcm2711-vchiq"))
                return "firmware";
        for (size_t i = 0; i < ELEMENTSOF(sound_card_compats); i++)
                if (dt_node_is_compatible(fdt, node, sound_card_compats[i]))
                        return "sound-card";
        if (dt_node_is_compatible(fdt, node, "brcm,bcm2835-i2s"))
                return "i2s";
        return NULL;
}

static int cmp_audio(const void *a, const void *b)
{
        return strcmp(((const BoardAudio *)a)->path, ((const BoardAudio *)b)->path);
}

static int audio_findings(const void *fdt, Board *b, const BoardInfo *info)
{
        size_t enabled_outputs = 0, hdmi = 0, hdmi_enabled = 0;
        const char *bootargs = NULL;
        int chosen, r = 0;

        for (size_t i = 0; i < b->n_audio; i++) {
                const BoardAudio *a = &b->audio[i];
                if (streq(a->kind, "hdmi")) {
                        hdmi++;
                        hdmi_enabled += a->enabled;
                }
                if (a->enabled && !streq(a->kind, "i2s"))
                        enabled_outputs++;
        }
        if (enabled_outputs == 0 && b->family != BOARD_FAMILY_UNKNOWN)
                r = board_add_finding(b, "No audio output is enabled in this device tree, so no "
                                         "sound card will appear.");
        if (r >= 0 && hdmi > 0 && hdmi_enabled == 0)
                r = board_add_finding(b, "The HDMI audio nodes are disabled in this tree%s.",
                                      b->family == BOARD_FAMILY_RPI
                                              ? " (on Raspberry Pi the vc4-kms-v3d overlay enables "
                                                "them)"
                                              : "");
        chosen = fdt_path_offset(fdt, "/chosen");
        if (chosen >= 0)
                bootargs = dt_prop_string(fdt, chosen, "bootargs", NULL);
        if (r >= 0 && bootargs && strstr(bootargs, "snd_bcm2835.enable_headphones=0") && info &&
            info->headphone_jack)
                r = board_add_finding(b,
                                      "The kernel command line in /chosen/bootargs turns the "
                                      "headphone jack off (snd_bcm2835.enable_headphones=0): add "
                                      "snd_bcm2835.enable_headphones=1 to the kernel command "
                                      "line to use it.");
        return r;
}

int board_detect_audio(const void *fdt, Board *b, const BoardInfo *info)
{
        if (info)
                b->headphone_jack = info->headphone_jack ? TRISTATE_YES : TRISTATE_NO;
        for (int node = 0; node >= 0; node = dt_next_node(fdt, node)) {
                const char *kind = audio_kind(fdt, node), *compat;
                BoardAudio *a, *n;

                if (!kind)
                        continue;
                if (b->n_audio >= AUDIO_NODES_MAX)
                        break;
                n = realloc(b->audio, sizeof(BoardAudio) * (b->n_audio + 1));
                if (!n)
                        return -ENOMEM;
                b->audio = n;
                a = &b->audio[b->n_audio++];
                *a = (BoardAudio){.enabled = dt_node_enabled(fdt, node)};
                compat = dt_node_first_compatible(fdt, node);
                a->path = dt_node_path(fdt, node);
                a->compatible = compat ? strdup(compat) : NULL;
                a->kind = strdup(kind);
                if (!a->path || !a->compatible || !a->kind)
                        return -ENOMEM;
        }
        /* Tree order differs between a DTB and a live tree read in name order. */
        if (b->n_audio > 1)
                qsort(b->audio, b->n_audio, sizeof(BoardAudio), cmp_audio);
        return audio_findings(fdt, b, info);
}

/* The gpiochip label the kernel gives a header controller, or NULL when the node is not one. */
static const char *header_chip_label(const void *fdt, int node)
{
        int parent;

        if (!dt_prop_exists(fdt, node, "gpio-controller"))
                return NULL;
        /* drivers/pinctrl/bcm/pinctrl-bcm2835.c: bcm2835_gpio_chip and bcm2711_gpio_chip. */
        if (dt_node_is_compatible(fdt, node, "brcm,bcm2835-gpio"))
                return "pinctrl-bcm2835";
        if (dt_node_is_compatible(fdt, node, "brcm,bcm2711-gpio"))
                return "pinctrl-bcm2711";
        /* drivers/pinctrl/pinctrl-rp1.c: MODULE_NAME. */
        if (dt_node_is_compatible(fdt, node, "raspberrypi,rp1-gpio"))
                return "pinctrl-rp1";
        /* drivers/pinctrl/meson: the bank node under *-periphs-pinctrl, label "periphs-banks". */
        parent = dt_node_parent(fdt, node);
        if (parent >= 0) {
                const char *c = dt_node_first_compatible(fdt, parent);
                size_t k = c ? strlen(c) : 0;
                if (c && strncmp(c, "amlogic,meson", 13) == 0 && k > 15 &&
                    streq(c + k - 15, "periphs-pinctrl"))
                        return "periphs-banks";
        }
        return NULL;
}

static int header_lines(const void *fdt, Board *b, int node)
{
        BoardGpioHeader *g = &b->gpio;
        const uint8_t *cells;
        uint32_t ngpios;
        size_t n;
        int r;

        r = dt_prop_strv(fdt, node, "gpio-line-names", true, &g->line_names);
        if (r == -EBADMSG)
                r = board_add_finding(b,
                                      "gpio-line-names of %s is malformed; line names are "
                                      "ignored.",
                                      g->controller_path);
        if (r < 0 && r != -ENOENT)
                return r;

        r = dt_prop_u32(fdt, node, "ngpios", &ngpios);
        if (r >= 0 && ngpios > 0 && ngpios <= GPIO_LINES_MAX)
                g->n_lines = ngpios;
        else if (r >= 0 || r == -EBADMSG) {
                r = board_add_finding(b,
                                      "ngpios of %s is not a plausible line count; ignoring "
                                      "it.",
                                      g->controller_path);
                if (r < 0)
                        return r;
        }
        if (g->n_lines == 0 && g->line_names && strv_length(g->line_names) <= GPIO_LINES_MAX)
                g->n_lines = (unsigned)strv_length(g->line_names);
        /* gpio-ranges = <&pinctrl offset pin count>, ... */
        if (g->n_lines == 0 && dt_prop_cells(fdt, node, "gpio-ranges", &cells, &n) >= 0 &&
            n % 4 == 0) {
                uint64_t sum = 0;
                for (size_t i = 0; i < n; i += 4)
                        sum += dt_cell(cells, i + 3);
                if (sum > 0 && sum <= GPIO_LINES_MAX)
                        g->n_lines = (unsigned)sum;
        }
        /* Last resort, the drivers' own counts: BCM2835_NUM_GPIOS, BCM2711_NUM_GPIOS,
         * RP1_NUM_GPIOS. */
        if (g->n_lines == 0 && g->chip_label) {
                if (streq(g->chip_label, "pinctrl-bcm2835") || streq(g->chip_label, "pinctrl-rp1"))
                        g->n_lines = 54;
                else if (streq(g->chip_label, "pinctrl-bcm2711"))
                        g->n_lines = 58;
        }
        if (g->line_names && g->n_lines > 0 && strv_length(g->line_names) != g->n_lines)
                return board_add_finding(b,
                                         "gpio-line-names of %s names %zu lines, but the "
                                         "controller has %u.",
                                         g->controller_path, strv_length(g->line_names),
                                         g->n_lines);
        return 0;
}

int board_detect_gpio(const void *fdt, Board *b, const BoardInfo *info)
{
        const char *best_label = NULL;
        BoardGpioHeader *g = &b->gpio;
        DtBest pick = DT_BEST_INIT;
        const char *s;
        int best, r;

        for (int node = 0; node >= 0; node = dt_next_node(fdt, node)) {
                const char *label = header_chip_label(fdt, node);

                /* Prefer enabled controllers, then the one the board table names. */
                if (label &&
                    dt_best_offer(&pick, fdt, node,
                                  (dt_node_enabled(fdt, node) ? 2 : 0) +
                                          (info && streq(label, info->gpio_label) ? 1 : 0)))
                        best_label = label;
        }
        best = pick.node;
        if (best < 0) {
                if (!info)
                        return 0;
                return board_add_finding(b,
                                         "This device tree has no GPIO controller for the "
                                         "40-pin header (expected the one the kernel labels "
                                         "%s), so header GPIOs are not available.",
                                         info->gpio_label);
        }

        g->present = true;
        if (!(g->controller_path = strdup(pick.path)))
                return -ENOMEM;
        if (!(g->chip_label = strdup(best_label)))
                return -ENOMEM;
        s = dt_node_first_compatible(fdt, best);
        if (!s)
                s = dt_node_first_compatible(fdt, dt_node_parent(fdt, best));
        if (s && !(g->compatible = strdup(s)))
                return -ENOMEM;
        r = header_lines(fdt, b, best);
        if (r < 0)
                return r;
        if (!dt_node_enabled(fdt, best))
                r = board_add_finding(b, "The header's GPIO controller %s is disabled.",
                                      g->controller_path);
        if (r >= 0 && info && !streq(best_label, info->gpio_label))
                r = board_add_finding(b,
                                      "The header's GPIO controller is %s (%s), not the %s this "
                                      "board uses.",
                                      g->controller_path, best_label, info->gpio_label);
        return r;
}
