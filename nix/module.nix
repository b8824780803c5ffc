# SPDX-License-Identifier: LGPL-2.1-or-later
# The NixOS module: services.hwctl.enable runs hwctld from the package's own unit, with
# services.hwctl.settings as /etc/hwctl/hwctl.conf, the udev rule and the D-Bus policy, and the
# gpio group the rule gives /dev/gpiochip* to. services.hwctl.checkDeviceTree adds a build-time
# check of hardware.deviceTree's base and overlays (nix/dt-check.nix) to system.checks.
{ config, lib, pkgs, ... }:

let
  cfg = config.services.hwctl;
  render = import ./ini.nix;
  dtCheck = import ./dt-check.nix { inherit (pkgs) runCommand; hwctl = cfg.package; };
  dtCfg = config.hardware.deviceTree;
in
{
  options.services.hwctl = {
    enable = lib.mkEnableOption "hwctld, first-boot and hardware bring-up for single-board computers";

    package = lib.mkOption {
      type = lib.types.package;
      default = pkgs.callPackage ./package.nix { };
      defaultText = lib.literalExpression "pkgs.callPackage ./nix/package.nix { }";
      description = "The hwctl package.";
    };

    settings = lib.mkOption {
      type = with lib.types; attrsOf (attrsOf (oneOf [ bool int str (listOf str) ]));
      default = { };
      example = lib.literalExpression ''
        {
          Daemon.Probes = [ "rootfs" "gpio" "bluetooth" "network" ];
          Bluetooth = { Baud = 3000000; FlowControl = true; };
          Network.Uplinks = [ "end0" "wlan0" ];
        }
      '';
      description = ''
        hwctl.conf as sections of keys (see hwctl.conf.example in the package's doc directory);
        booleans are written yes/no, lists space-separated. Check the result with
        `hwctl check-config`.
      '';
    };

    checkDeviceTree = lib.mkOption {
      type = lib.types.bool;
      default = false;
      description = ''
        Run `hwctl dt check` at build time on hardware.deviceTree's base tree
        (hardware.deviceTree.name in its package) and the overlays given as dtboFile: the build
        fails when an overlay refers to a label or path the tree lacks.
      '';
    };
  };

  config = lib.mkIf cfg.enable {
    environment.systemPackages = [ cfg.package ];
    environment.etc."hwctl/hwctl.conf" = lib.mkIf (cfg.settings != { }) {
      text = render cfg.settings;
    };

    systemd.packages = [ cfg.package ];
    systemd.services.hwctld = {
      wantedBy = [ "multi-user.target" ];
      # ExecReload sends SIGHUP: hwctld re-reads the file and re-runs what changed.
      reloadTriggers = [ (config.environment.etc."hwctl/hwctl.conf".text or "") ];
    };
    systemd.tmpfiles.packages = [ cfg.package ];
    services.udev.packages = [ cfg.package ];
    services.dbus.packages = [ cfg.package ];
    users.groups.gpio = { };

    system.checks = lib.optional (cfg.checkDeviceTree && dtCfg.enable && dtCfg.name != null)
      (dtCheck {
        base = "${dtCfg.package}/${dtCfg.name}";
        overlays = map (o: o.dtboFile) (builtins.filter (o: o.dtboFile or null != null) dtCfg.overlays);
      });
  };
}
