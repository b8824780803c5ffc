# SPDX-License-Identifier: LGPL-2.1-or-later
# services.hwctl.settings rendered as the INI file hwctld reads (/etc/hwctl/hwctl.conf): one
# [Section] per attribute, Key=value lines, sorted, so the file is the same for the same
# settings. Booleans become yes/no, integers decimal, lists space-separated (hwctl.conf's lists:
# Probes=, FirmwareDirs=, Uplinks=, Prefer=, Line=); a value with a newline or a key with = is
# refused here rather than written into a file hwctld would read differently. Builtins only, so
# that `nix-instantiate --eval` can run it without nixpkgs (tests/nix).
settings:
let
  inherit (builtins) attrNames concatStringsSep isBool isInt isList isString map match throw;
  scalar = section: key: v:
    if isBool v then (if v then "yes" else "no")
    else if isInt v then toString v
    else if isString v then
      (if match "[^\n\r]*" v == null
       then throw "services.hwctl.settings.${section}.${key}: a value must be one line"
       else v)
    else throw "services.hwctl.settings.${section}.${key}: use a string, an integer, a boolean or a list of strings";
  value = section: key: v:
    if isList v then concatStringsSep " " (map (scalar section key) v) else scalar section key v;
  checkName = what: n:
    if match "[A-Za-z][A-Za-z0-9]*" n == null
    then throw "services.hwctl.settings: '${n}' is not a valid ${what} name"
    else n;
  section = name:
    let keys = settings.${name}; in
    "[${checkName "section" name}]\n"
    + concatStringsSep "" (map (k: "${checkName "key" k}=${value name k keys.${k}}\n") (attrNames keys));
in
"# Written by the NixOS module services.hwctl from services.hwctl.settings.\n"
+ concatStringsSep "\n" (map section (attrNames settings))
