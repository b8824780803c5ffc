# SPDX-License-Identifier: LGPL-2.1-or-later
{
  description = "hwctl: first-boot and hardware bring-up for single-board computers";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";

  outputs = { self, nixpkgs }:
    let
      systems = [ "aarch64-linux" "x86_64-linux" ];
      forAll = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      packages = forAll (pkgs: rec {
        hwctl = pkgs.callPackage ./nix/package.nix { };
        default = hwctl;
      });

      nixosModules = rec {
        hwctl = { pkgs, lib, ... }: {
          imports = [ ./nix/module.nix ];
          services.hwctl.package = lib.mkDefault self.packages.${pkgs.stdenv.hostPlatform.system}.hwctl;
        };
        default = hwctl;
      };

      # dtCheck { base = ".../bcm2711-rpi-4-b.dtb"; overlays = [ ... ]; }: hwctl dt check as a
      # derivation, for an image build.
      lib = forAll (pkgs: {
        dtCheck = import ./nix/dt-check.nix {
          inherit (pkgs) runCommand;
          hwctl = self.packages.${pkgs.stdenv.hostPlatform.system}.hwctl;
        };
      });

      # The settings-to-INI rendering the module uses, for tests and other modules.
      renderSettings = import ./nix/ini.nix;
    };
}
