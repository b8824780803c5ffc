#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Nix side, as far as it can be tested without nixpkgs (none here, so NixOS cannot be
# evaluated): every .nix file parses (nix-instantiate --parse, Debian's nix-bin), and the module's
# settings-to-INI rendering (nix/ini.nix, builtins only, evaluated for real) gives files that
# hwctl check-config accepts with the values meant: a typical image's settings, every setting of
# the example hwctl.conf, and refusals for what the INI file cannot carry.
set -u
. "$HWCTL_SOURCE_DIR/tests/lib/check.sh"
need nix-instantiate python3
hwctl=$HWCTL_BUILD_DIR/cli/hwctl
src=$HWCTL_SOURCE_DIR
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root" # no drop-ins from this machine
export NIX_STATE_DIR=$tmp/nix-state NIX_LOG_DIR=$tmp/nix-log HOME=$tmp

files=$(cd "$src" && find . -name '*.nix' -not -path './.cache/*' -not -path './build*' | sort)
[ -n "$files" ] || die "no .nix file found"
for f in $files; do
	check "$f parses" nix-instantiate --parse "$src/$f" >/dev/null
done

# render NAME NIX-ATTRSET: nix/ini.nix over it into $tmp/NAME.conf; rc is nix's exit code.
render() {
	nix-instantiate --eval --strict --json \
		-E "(import $src/nix/ini.nix) ($2)" >"$tmp/$1.json" 2>"$tmp/$1.err"
	rc=$?
	[ $rc -eq 0 ] && python3 -c 'import json,sys; sys.stdout.write(json.load(open(sys.argv[1])))' \
		"$tmp/$1.json" >"$tmp/$1.conf"
	sed "s/^/   | /" "$tmp/$1.conf" "$tmp/$1.err" >&2 2>/dev/null
	return 0
}
# accepted NAME PYTHON: hwctl check-config takes $tmp/NAME.conf with no problem, and the
# expression over e (the effective configuration) holds.
accepted() {
	"$hwctl" --sysroot "$tmp/root" --json check-config --config "$tmp/$1.conf" >"$tmp/$1.check" 2>&1 &&
		python3 -c "import json,sys; d=json.load(open(sys.argv[1])); e=d['effective']; sys.exit(0 if not d['problems'] and ($2) else 1)" \
			"$tmp/$1.check"
}

render image '{
  Daemon.Probes = [ "rootfs" "gpio" "bluetooth" "network" ];
  Bluetooth = { Baud = 3000000; FlowControl = true; Attach = "userspace"; };
  RootFS.Reserve = "10%";
  Audio.Enable = false;
}'
check "a typical image's settings render" [ "$rc" -eq 0 ]
check "... and hwctl check-config takes them with the values meant" accepted image \
	"e['Daemon']['Probes'] == ['rootfs', 'gpio', 'bluetooth', 'network'] and e['Bluetooth']['Baud'] == 3000000 and e['Bluetooth']['FlowControl'] in (True, 'yes') and e['RootFS']['ReservePercent'] == 10 and e['Audio']['Enable'] is False"

# Every setting of the example file, at the value it shows, through the renderer.
python3 - "$src/units/hwctl.conf" >"$tmp/all.nix" <<'PY'
import re, sys
sections, cur = {}, None
for line in open(sys.argv[1]):
    m = re.match(r"^\[(\w+)\]", line)
    if m:
        cur = sections.setdefault(m.group(1), {})
        continue
    m = re.match(r"^#([A-Z][A-Za-z0-9]*)=(.*)$", line.rstrip("\n"))
    if m and cur is not None and m.group(2):
        cur[m.group(1)] = m.group(2)
def q(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("${", "\\${") + '"'
print("{")
for s, kv in sections.items():
    print(f"  {s} = {{")
    for k, v in kv.items():
        print(f"    {k} = {q(v)};")
    print("  };")
print("}")
PY
render all "$(cat "$tmp/all.nix")"
check "every setting of the example hwctl.conf renders" [ "$rc" -eq 0 ]
check "... and hwctl check-config takes every one" accepted all "True"
keys=$(grep -cE '^    [A-Za-z0-9]+ = ' "$tmp/all.nix")
check "... all $keys of them, each a line of the file" [ "$(grep -cE '^[A-Za-z0-9]+=' "$tmp/all.conf")" -eq "$keys" ]
check "... which is every setting the example shows a value for" \
	[ "$keys" -eq "$(grep -cE '^#[A-Z][A-Za-z0-9]*=.+' "$src/units/hwctl.conf")" ]

render typo '{ Bluetooth.Buad = 3000000; }'
check "a misspelt key renders (Nix knows no keys) but check-config names it" \
	bash -c "! '$hwctl' --sysroot '$tmp/root' check-config --config '$tmp/typo.conf' >'$tmp/typo.check' 2>&1 && grep -q Buad '$tmp/typo.check'"
render newline '{ Daemon.Probes = "rootfs\ngpio"; }'
check "a value with a newline is refused by the renderer" [ "$rc" -ne 0 ]
check "... with the setting's name" grep -q "services.hwctl.settings.Daemon.Probes: a value must be one line" "$tmp/newline.err"
render section '{ "Blue tooth".Baud = 1; }'
check "a section name with a space is refused" grep -q "is not a valid section name" "$tmp/section.err"
render float '{ Bluetooth.Baud = 1.5; }'
check "a float is refused, with what to use" grep -q "use a string, an integer, a boolean or a list of strings" "$tmp/float.err"
finish
