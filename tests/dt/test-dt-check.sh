#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# hwctl dt check on real upstream trees (.cache/dtb, from Debian's arm64 kernel package) with the
# overlays of tests/dt compiled here as an image build compiles them (dtc -@): one that applies
# (merged tree byte for byte what fdtoverlay makes, and readable by hwctl board/plan --dtb),
# &audio (the missing label and its known fix), a target-path the base lacks, labels against a
# base built without -@, misspelt labels (the closest offered), broken overlays, parameters.
set -u
. "$HWCTL_SOURCE_DIR/tests/lib/check.sh"
need dtc fdtoverlay python3
hwctl=$HWCTL_BUILD_DIR/cli/hwctl
pi4=$HWCTL_DTB_DIR/bcm2711-rpi-4-b.dtb
vim=$HWCTL_DTB_DIR/meson-gxl-s905x-khadas-vim.dtb
for f in "$pi4" "$vim"; do
	[ -f "$f" ] || skip "$f is missing (scripts/fetch-dtbs)"
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for dts in "$HWCTL_SOURCE_DIR"/tests/dt/*.dts; do
	name=$(basename "$dts" .dts)
	flags=-@
	[ "$name" = bad-fixup ] && flags=
	dtc $flags -q -I dts -O dtb -o "$tmp/$name.dtbo" "$dts" || die "dtc failed on $dts"
done

# run NAME ARGS...: hwctl dt check ARGS; output in $tmp/NAME.out, exit code in rc.
run() {
	local name=$1
	shift
	"$hwctl" dt check "$@" >"$tmp/$name.out" 2>&1
	rc=$?
	sed "s/^/   | /" "$tmp/$name.out" >&2
}
has() { grep -qF -- "$2" "$tmp/$1.out"; }

# An overlay that applies: a label target, a path target through a label-less reference, and a
# target-path fragment.
run good "$pi4" "$tmp/i2s-on.dtbo" -o "$tmp/merged.dtb"
check "i2s-on applies to the Pi 4 tree: exit 0" [ "$rc" -eq 0 ]
check "it says the overlay resolves and was merged" has good "merged: 1 overlay(s) applied"
fdtoverlay -i "$pi4" -o "$tmp/fdtoverlay.dtb" "$tmp/i2s-on.dtbo" 2>"$tmp/fdtoverlay.err"
check "fdtoverlay applies it too" [ $? -eq 0 ]
check "the merged tree is byte for byte fdtoverlay's" cmp -s "$tmp/merged.dtb" "$tmp/fdtoverlay.dtb"
dtc -q -I dtb -O dts "$tmp/merged.dtb" >"$tmp/merged.dts" 2>/dev/null
check "the merged tree has i2s enabled and the /chosen property" \
	python3 - "$tmp/merged.dts" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
i2s = re.search(r"i2s@7e203000 \{(.*?)\n\t\t\};", t, re.S)
sys.exit(0 if i2s and 'status = "okay"' in i2s.group(1) and "merged by hwctl dt check" in t else 1)
PY
"$hwctl" board --dtb "$tmp/merged.dtb" >"$tmp/board.out" 2>&1
check "hwctl board --dtb reads the merged tree" grep -q "Raspberry Pi 4 Model B" "$tmp/board.out"
"$hwctl" plan --dtb "$tmp/merged.dtb" >"$tmp/plan.out" 2>&1
check "hwctl plan --dtb reads the merged tree" grep -q "bluetooth" "$tmp/plan.out"

# &audio: the label the Pi trees lost.
run audio "$pi4" "$tmp/audio-on.dtbo" -o "$tmp/never.dtb"
check "audio-on: exit 1" [ "$rc" -eq 1 ]
check "it names the fragment and the missing label" \
	has audio "fragment@0 refers to the label 'audio' (as its target), which bcm2711-rpi-4-b.dtb does not have"
check "it gives the known fix, the kernel parameter" has audio "snd_bcm2835.enable_headphones=1"
check "and says why &sound is not it" has audio "&sound is not it"
check "nothing is written with -o when it does not apply" [ ! -e "$tmp/never.dtb" ]
fdtoverlay -i "$pi4" -o "$tmp/f2.dtb" "$tmp/audio-on.dtbo" 2>"$tmp/fdtoverlay2.err"
check "(fdtoverlay fails on it with only FDT_ERR_NOTFOUND)" grep -q FDT_ERR_NOTFOUND "$tmp/fdtoverlay2.err"

# A target-path the base lacks, and misspelt labels.
run path "$pi4" "$tmp/missing-path.dtbo" "$tmp/typo.dtbo"
check "missing path and typos: exit 1" [ "$rc" -eq 1 ]
check "it names the fragment and the path" \
	has path "fragment@0 targets the path /soc/no-such-node@7e000000, which bcm2711-rpi-4-b.dtb does not have"
check "for i2s0 it offers i2s" grep -A1 "label 'i2s0'" "$tmp/path.out" -q
check "... as the closest label" has path "closest labels in the base: i2s,"
check "for hdmi_0 it offers hdmi0" has path "closest labels in the base: hdmi0, hdmi1"

# Labels against a base built without -@.
run vim "$vim" "$tmp/uart-label.dtbo"
check "labels on the Khadas VIM tree: exit 1" [ "$rc" -eq 1 ]
check "it says the base was built without -@, and which labels the overlay needs" \
	has vim "has no __symbols__ node: it was built without -@, so no overlay can refer to its labels, and this one refers to uart_A, i2c_A"

# Broken overlays: a fixup pointing past its cell, a truncated blob, a tree that is no overlay,
# a file that is not there.
head -c 100 "$tmp/i2s-on.dtbo" >"$tmp/truncated.dtbo"
run broken "$pi4" "$tmp/bad-fixup.dtbo" "$tmp/truncated.dtbo" "$pi4" "$tmp/none.dtbo"
check "broken overlays: exit 1, no crash" [ "$rc" -eq 1 ]
check "the fixup past its cell is named" has broken "__fixups__ entry '/fragment@0:target:8' for the label 'i2s' does not name a 4-byte cell"
check "the truncated blob is named" has broken "truncated.dtbo is not a valid flattened device tree"
check "a plain tree is no overlay" has broken "has no fragment (a node with an __overlay__)"
check "a missing file is named" has broken "Cannot read device tree $tmp/none.dtbo"

# JSON for programs.
"$hwctl" --json dt check "$pi4" "$tmp/audio-on.dtbo" "$tmp/i2s-on.dtbo" >"$tmp/json.out" 2>&1
check "--json: one document with the findings by kind and overlay" python3 - "$tmp/json.out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f = d["findings"]
ok = (d["errors"] == 1 and len(f) == 1 and f[0]["kind"] == "missing-label"
      and f[0]["label"] == "audio" and f[0]["fragment"] == "fragment@0"
      and "snd_bcm2835.enable_headphones=1" in f[0]["fix"] and "merged" not in d
      and [o["overlay"].rsplit("/", 1)[-1] for o in d["overlays"]] == ["audio-on.dtbo", "i2s-on.dtbo"])
sys.exit(0 if ok else 1)
PY

# Parameters: a known one is refused as unsupported (usage), an unknown one is a problem.
run param "$pi4" "$tmp/with-param.dtbo,status=disabled"
check "a parameter the overlay has: exit 2, said to be unsupported" [ "$rc" -eq 2 ]
check "... in a sentence" has param "does not apply parameters (it does not evaluate __overrides__)"
run badparam "$pi4" "$tmp/with-param.dtbo,speed=3"
check "a parameter the overlay lacks: exit 1, with the ones it has" [ "$rc" -eq 1 ]
check "... named" has badparam "has no parameter 'speed' (its parameters: status)"
run usage
check "no base: exit 2" [ "$rc" -eq 2 ]
run unwritable "$pi4" "$tmp/i2s-on.dtbo" -o /proc/no/such/dir/merged.dtb
check "an -o that cannot be written: exit 1 with the reason" [ "$rc" -eq 1 ]
check "... named" has unwritable "cannot write /proc/no/such/dir/merged.dtb"
finish
