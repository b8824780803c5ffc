/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* add-switch CARD-ID NAME on|off: adds a user-space boolean control of two channels to a card
 * (snd_ctl_add_boolean_elem_set) and sets it. The kernel keeps it after this program exits, so
 * snd-dummy, which has volumes but no playback switch, gets a real "Master Playback Switch" that
 * amixer and the simple mixer API see: the audio tier's way to show unmuting. */
#include <alsa/asoundlib.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
        char name[64];
        snd_ctl_t *ctl;
        snd_ctl_elem_id_t *id;
        snd_ctl_elem_info_t *info;
        snd_ctl_elem_value_t *v;
        int r, on;

        if (argc != 4 || (strcmp(argv[3], "on") && strcmp(argv[3], "off"))) {
                fprintf(stderr, "usage: add-switch CARD-ID NAME on|off\n");
                return 2;
        }
        on = strcmp(argv[3], "on") == 0;
        snprintf(name, sizeof(name), "hw:CARD=%s", argv[1]);
        r = snd_ctl_open(&ctl, name, 0);
        if (r < 0) {
                fprintf(stderr, "add-switch: %s: %s\n", name, snd_strerror(r));
                return 1;
        }
        snd_ctl_elem_id_alloca(&id);
        snd_ctl_elem_id_set_interface(id, SND_CTL_ELEM_IFACE_MIXER);
        snd_ctl_elem_id_set_name(id, argv[2]);
        snd_ctl_elem_info_alloca(&info);
        snd_ctl_elem_info_set_id(info, id);
        r = snd_ctl_add_boolean_elem_set(ctl, info, 1, 2);
        if (r < 0 && r != -EBUSY) {
                fprintf(stderr, "add-switch: cannot add %s: %s\n", argv[2], snd_strerror(r));
                return 1;
        }
        snd_ctl_elem_value_alloca(&v);
        snd_ctl_elem_value_set_id(v, id);
        snd_ctl_elem_value_set_boolean(v, 0, on);
        snd_ctl_elem_value_set_boolean(v, 1, on);
        r = snd_ctl_elem_write(ctl, v);
        if (r < 0) {
                fprintf(stderr, "add-switch: cannot set %s: %s\n", argv[2], snd_strerror(r));
                return 1;
        }
        snd_ctl_close(ctl);
        return 0;
}
