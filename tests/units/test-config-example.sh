#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The installed hwctl.conf.example documents the real defaults: as shipped (all commented) and
# with every setting uncommented, `hwctl check-config` finds no problem, and both give the same
# effective configuration as no file at all.
. "$(dirname "$0")/lib.sh"

need python3

install_root all
example=$(installed hwctl.conf.example)
hwctl=$root$(install_dir BINDIR)/hwctl
[ -x "$hwctl" ] || die "hwctl is not installed"

# Uncomment "#Key=value" lines only; prose comments stay comments.
sed -E 's/^#([A-Za-z][A-Za-z0-9]*=)/\1/' "$example" >"$tmp/uncommented.conf"
n=$(grep -cE '^[A-Za-z][A-Za-z0-9]*=' "$tmp/uncommented.conf")
[ "$n" -ge 15 ] || die "only $n settings in the example; expected every setting of every section"

mkdir -p "$tmp/sysroot" # no /etc/hwctl, no drop-ins: only the file given
check_example() { # NAME FILE|-
	local args=(--sysroot="$tmp/sysroot" check-config --json)
	[ "$2" != - ] && args+=(--config="$2")
	"$hwctl" "${args[@]}" >"$tmp/$1.json" 2>"$tmp/$1.err" ||
		die "hwctl check-config found problems in the $1 example: $(cat "$tmp/$1.json" "$tmp/$1.err")"
}
check_example none -
check_example commented "$example"
check_example uncommented "$tmp/uncommented.conf"

python3 - "$tmp" <<'EOF'
import json, sys
tmp = sys.argv[1]
docs = {n: json.load(open(f"{tmp}/{n}.json")) for n in ("none", "commented", "uncommented")}
for n, d in docs.items():
    if d.get("problems"):
        sys.exit(f"test-config-example: FAIL: problems in the {n} example: {d['problems']}")
want = docs["none"]["effective"]
for n in ("commented", "uncommented"):
    if docs[n]["effective"] != want:
        print(f"test-config-example: FAIL: the {n} example does not give the defaults", file=sys.stderr)
        for section in sorted(set(want) | set(docs[n]["effective"])):
            a, b = want.get(section), docs[n]["effective"].get(section)
            if a != b:
                print(f"  [{section}] defaults {a}\n  [{section}] example  {b}", file=sys.stderr)
        sys.exit(1)
EOF
note "hwctl.conf.example: $n settings, all valid, all at their defaults"
