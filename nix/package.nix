# SPDX-License-Identifier: LGPL-2.1-or-later
# hwctl built from this tree with nixpkgs' libraries. The install directories point into $out:
# systemd's and udev's pkg-config variables name their own store paths, which are read-only.
{ lib, stdenv, cmake, pkg-config, systemd, alsa-lib, bluez, libnl, libinih, json_c, util-linux
, dtc, libgpiod, zlib }:

stdenv.mkDerivation {
  pname = "hwctl";
  version = "0.1.0";
  src = lib.cleanSource ./..;

  nativeBuildInputs = [ cmake pkg-config dtc ];
  buildInputs = [ systemd alsa-lib bluez libnl libinih json_c util-linux dtc libgpiod zlib ];

  cmakeFlags = [
    "-DBUILD_TESTING=OFF"
    "-DHWCTL_UNITDIR=${placeholder "out"}/lib/systemd/system"
    "-DHWCTL_TMPFILESDIR=${placeholder "out"}/lib/tmpfiles.d"
    "-DHWCTL_SYSUSERSDIR=${placeholder "out"}/lib/sysusers.d"
    "-DHWCTL_CATALOGDIR=${placeholder "out"}/lib/systemd/catalog"
    "-DHWCTL_UDEVRULESDIR=${placeholder "out"}/lib/udev/rules.d"
    "-DHWCTL_DBUSPOLICYDIR=${placeholder "out"}/share/dbus-1/system.d"
  ];

  meta = {
    description = "First-boot and hardware bring-up daemon for single-board computers";
    license = lib.licenses.lgpl21Plus;
    platforms = lib.platforms.linux;
    mainProgram = "hwctl";
  };
}
