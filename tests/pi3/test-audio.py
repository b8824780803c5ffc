#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Tier 3: hwctld's audio probe on the emulated Raspberry Pi 3 Model B (Debian's arm64 kernel,
upstream device tree). qemu's raspi3b emulates no VideoCore, so no sound card can come: the probe
must fail with the diagnosis that fits what this kernel shows, judged against /proc/asound,
/proc/modules and the kernel log rather than against what hwctld says of itself.

One boot (tests/pi3/audio.sh inside, no modules loaded by the init): hwctld --once with no sound
module loaded (it must say so and how to load them), then with snd_bcm2835 and vc4 loaded as udev
would load them (VCHIQ, which snd_bcm2835 plays through, gives up on the mailbox: the probe must
say that, not "load the module"); and hwctld as a daemon, with udevd, started before the modules
load: its report must follow them without a restart, as on the board image's first boot, where
udev loads vc4 late. The run's files stay in $HWCTL_BUILD_DIR/tests/pi3-out/audio/.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import harness as h  # noqa: E402

read = h.read_out


def audio_probe(out, name):
    return h.out_probe(out, name, "audio")



def main():
    out, rc = h.run_pi3("audio", "audio.sh", "--udev", "--modules", "",
                         "--timeout", "240")
    if rc != 0:
        return rc

    # The rig, as the kernel has it: no sound module at first, then both loaded, and no card.
    before, after = read(out, "modules-before"), read(out, "modules-after")
    h.check("snd_bcm2835" not in before and "vc4 " not in before,
            "before: neither snd_bcm2835 nor vc4 is loaded", before, group="rig")
    h.check("snd_bcm2835 rc=0" in read(out, "modprobe") and "vc4 rc=0" in read(out, "modprobe"),
            "modprobe snd_bcm2835 and vc4 succeed", read(out, "modprobe"), group="rig")
    h.check(after.startswith("vc4 ") or "\nvc4 " in after, "after: vc4 is loaded", after,
            group="rig")
    h.check("snd_bcm2835 " in after and "vchiq " in after,
            "after: snd_bcm2835 and vchiq are loaded", after, group="rig")
    h.check("--- no soundcards ---" in read(out, "asound"),
            "/proc/asound/cards: no sound card, as expected without a VideoCore",
            read(out, "asound"), group="rig")
    dmesg = read(out, "dmesg-sound")
    h.check("Could not initialize vchiq platform" in dmesg or "failed to set channelbase" in dmesg,
            "the kernel log: VCHIQ gave up on the mailbox", dmesg, group="rig")
    vchiq_dir = read(out, "vchiq-driver")
    h.check("mailbox" not in vchiq_dir, "no device is bound to bcm2835_vchiq", vchiq_dir,
            group="rig")

    # 1. Nothing loaded.
    p = audio_probe(out, "bare.json")
    d = p.get("details") or {}
    h.check(read(out, "bare.rc").strip() == "1", "hwctld --once exits 1: audio failed",
            read(out, "bare.rc") + read(out, "bare.log"), group="hwctld")
    h.check(p.get("verdict") == "failed" and "no sound card" in (p.get("summary") or ""),
            "no modules: failed, no sound card", p.get("summary"), group="hwctld")
    h.check("neither snd_bcm2835" in (p.get("summary") or ""),
            "... because neither driver is loaded", p.get("summary"), group="hwctld")
    h.check("modprobe -a snd_bcm2835 vc4" in (p.get("remedy") or ""),
            "the remedy says how to load them", p.get("remedy"), group="hwctld")
    h.check(d.get("cards") == [] and d.get("diagnosis", {}).get("vchiq_loaded") is False,
            "details: no card, vchiq not loaded", json.dumps(d), group="hwctld")
    h.check("expected: vc4hdmi, Headphones" in read(out, "bare.log"),
            "the settle wait names the cards this board's kernel makes", read(out, "bare.log"),
            group="hwctld")

    # 2. Loaded, VCHIQ not bound: the failure is the firmware's, not a missing module.
    p = audio_probe(out, "loaded.json")
    d = p.get("details") or {}
    diag = d.get("diagnosis") or {}
    s = p.get("summary") or ""
    h.check(p.get("verdict") == "failed" and "VCHIQ" in s and "not bound" in s,
            "loaded: failed, VCHIQ not bound", s, group="hwctld")
    h.check("modprobe" not in (p.get("remedy") or "") and "dmesg | grep vchiq" in
            (p.get("remedy") or ""),
            "the remedy points at what the log shows, not at loading a loaded module",
            p.get("remedy"), group="hwctld")
    loaded_summary = s
    h.check(diag.get("vchiq_loaded") is True and diag.get("vchiq_bound") is False,
            "details: vchiq loaded, not bound", json.dumps(diag), group="hwctld")
    h.check(all(v.get("loaded") for v in (diag.get("options") or {}).values())
            and set(diag.get("options") or {}) == {"CONFIG_SND_BCM2835", "CONFIG_DRM_VC4"},
            "details: both drivers seen loaded", json.dumps(diag), group="hwctld")

    # 3. The daemon: its first report before the modules, its second after, by itself.
    h.check("rc=0" in read(out, "udevd"), "udevd runs in the guest", read(out, "udevd"),
            group="rig")
    first = audio_probe(out, "daemon-first.json")
    h.check(first.get("verdict") == "failed" and "neither snd_bcm2835" in
            (first.get("summary") or ""), "daemon, before the modules: neither is loaded",
            first.get("summary"), group="daemon")
    second = audio_probe(out, "daemon-second.json")
    s2 = second.get("summary") or ""
    h.check("vchiq rc=0" in read(out, "modprobe-vchiq") and "vc4 rc=0" in
            read(out, "modprobe-vchiq"), "modprobe vchiq and vc4 succeed",
            read(out, "modprobe-vchiq"), group="rig")
    h.check(second.get("verdict") == "failed" and "snd_bcm2835 (the jack) did not load" in s2
            and "VCHIQ" in s2 and "not bound" in s2 and "vc4 is loaded" in s2,
            "daemon, vchiq and vc4 loaded (as udev loads them): it ran again by itself; VCHIQ"
            " not bound, so snd_bcm2835 never loaded", s2 + "\n" + read(out, "daemon.log"),
            group="daemon")
    h.check("dmesg | grep vchiq" in (second.get("remedy") or ""),
            "... the remedy points at VCHIQ's log and the firmware", second.get("remedy"),
            group="daemon")
    third = audio_probe(out, "daemon-third.json")
    h.check(third.get("verdict") == "failed" and third.get("summary") == loaded_summary,
            "daemon, snd_bcm2835 loaded too: it says what --once says",
            f"{third.get('summary')!r} against {loaded_summary!r}", group="daemon")
    h.finish()


if __name__ == "__main__":
    sys.exit(main())
