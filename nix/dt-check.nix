# SPDX-License-Identifier: LGPL-2.1-or-later
# For an image build: `hwctl dt check` on the final base tree and its overlays, as a derivation
# that fails the build on a problem (a missing label, a base without __symbols__, a target path
# the base lacks) and otherwise holds the merged tree and the report. Use it in system.checks,
# or on its own:
#   dtCheck { base = "${dtbs}/broadcom/bcm2711-rpi-4-b.dtb"; overlays = [ ./my-overlay.dtbo ]; }
{ runCommand, hwctl }:

{ base, overlays ? [ ], name ? "hwctl-dt-check" }:

runCommand name { nativeBuildInputs = [ hwctl ]; } ''
  mkdir -p $out
  hwctl --no-color dt check ${base} ${toString overlays} -o $out/merged.dtb | tee $out/report.txt
  hwctl --no-color board --dtb $out/merged.dtb > $out/board.txt
''
