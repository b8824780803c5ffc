# SPDX-License-Identifier: LGPL-2.1-or-later
"""Tier 4, the board as it really boots: a Debian bookworm arm64 image on qemu's raspi3b with
systemd as PID 1, hwctl installed from its own Debian package, reached over SSH on the board's
USB Ethernet, with tests/bt's emulated Broadcom chip on uart0.

What is made, and cached under .cache/board/ (each keyed on what it is made from):

- rootfs-KEY.tar: mmdebstrap --variant=minbase for arm64 (qemu-user through binfmt_misc) with
  PACKAGES, from the machine's own apt sources (never a host written here). The slow part:
  5-10 minutes the first time.
- modules-RELEASE/: every module of the kernel package tests/pi3 uses (Debian's arm64 6.12),
  with its depmod, for the image's /lib/modules.
- initrd-RELEASE.gz: busybox and the SD host and ext4 modules; its init mounts root= and
  switches to systemd (INIT).
- card-KEY.img: a 4 GiB MBR card (qemu wants a power of two): p1 FAT32 boot (kernel, tree,
  initramfs), p2 ext4 of ROOT_MIB only, so the first boot has a partition to grow. The tarball
  is unpacked, hwctl_*_arm64.deb installed with dpkg (under qemu-user), the image configured
  (configure_root), and the file system written with mke2fs -d at the partition's offset: no
  loop device is needed.

Each boot runs on a qcow2 overlay of the card, so each is a first boot; a second boot reuses the
overlay it is given.
"""
import glob
import hashlib
import importlib.machinery
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("HWCTL_SOURCE_DIR") or os.path.abspath(os.path.join(HERE, "..", ".."))
CACHE = os.path.join(SOURCE_DIR, ".cache", "board")
DEB_DIR = os.path.join(SOURCE_DIR, ".cache", "deb")

# The image's packages. libgpiod 2 (libgpiod3, gpiod) is only in bookworm-backports. The runtime
# libraries hwctld links come in through the .deb's Depends; they are listed so that dpkg -i,
# which resolves nothing, finds them. cloud-init and cloud-guest-utils are there for
# scripts/bench-board only: disabled on the kernel command line unless a boot asks for them.
PACKAGES = [
    "systemd", "systemd-sysv", "dbus", "udev", "libpam-systemd", "openssh-server", "iproute2",
    "kmod", "procps", "passwd", "bluez", "bluez-firmware", "alsa-utils",
    "gpiod/bookworm-backports", "libgpiod3/bookworm-backports",
    "libasound2", "libbluetooth3", "libnl-3-200", "libnl-route-3-200", "libinih1",
    "libjson-c5", "libfdisk1", "libblkid1", "libfdt1", "zlib1g", "libsystemd0",
    "e2fsprogs", "cloud-init", "cloud-guest-utils",
]
SUITES = ["bookworm", "bookworm-updates", "bookworm-security", "bookworm-backports"]
COMPONENTS = "main non-free-firmware"

CARD_BYTES = 4 << 30
BOOT_START = 8192            # sectors: p1 at 4 MiB
BOOT_MIB = 64
ROOT_MIB = 1536              # p2: deliberately smaller than the card
HOSTNAME = "board"
USER = "tester"              # the non-root SSH user of the acceptance checks


def progress(msg):
    print(f"board: {msg}", flush=True)


def die(msg, code=125):
    print(f"board: {msg}", file=sys.stderr, flush=True)
    sys.exit(code)


def run(argv, **kw):
    kw.setdefault("check", True)
    return subprocess.run(argv, **kw)


def load_pi3():
    """tests/pi3/run-pi3 as a module: the kernel package, the edited device tree, busybox, the
    emulated chip and cpio are the tier-3 rig's, shared rather than copied."""
    path = os.path.join(SOURCE_DIR, "tests", "pi3", "run-pi3")
    loader = importlib.machinery.SourceFileLoader("run_pi3", path)
    spec = importlib.util.spec_from_loader("run_pi3", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


pi3 = load_pi3()


def apt_sources():
    """The machine's Debian archive addresses (deb822 or one-line), as mmdebstrap source lines
    for SUITES: [(uri, suite)]."""
    found = []
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        for stanza in open(path).read().split("\n\n"):
            fields = dict(re.findall(r"^(\w[\w-]*):\s*(.*)$", stanza, re.M))
            if "deb" not in fields.get("Types", "").split():
                continue
            for uri in fields.get("URIs", "").split():
                for suite in fields.get("Suites", "").split():
                    found.append((uri, suite))
    for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
        if os.path.exists(path):
            for line in open(path):
                m = re.match(r"\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)", line)
                if m:
                    found.append((m.group(1), m.group(2)))
    lines = []
    for suite in SUITES:
        uri = next((u for u, s in found if s == suite), None)
        if uri is None and suite != "bookworm-security":
            # A suite the machine does not list lives beside bookworm on the same archive.
            uri = next((u for u, s in found if s == "bookworm"), None)
        if uri is None:
            die(f"the machine's apt sources name no archive for {suite}", 1)
        lines.append(f"deb {uri} {suite} {COMPONENTS}")
    return lines


def binfmt_ready():
    """qemu-user for arm64 through binfmt_misc (mounting and registering it when needed); the
    reason it is not, or None."""
    mnt = "/proc/sys/fs/binfmt_misc"
    if not os.path.exists(os.path.join(mnt, "register")):
        subprocess.run(["mount", "-t", "binfmt_misc", "binfmt_misc", mnt], capture_output=True)
    entry = os.path.join(mnt, "qemu-aarch64")
    if not os.path.exists(entry):
        conf = "/usr/lib/binfmt.d/qemu-aarch64.conf"
        if not os.path.exists(conf):
            return f"{conf} is missing (apt-get install qemu-user-static)"
        try:
            with open(os.path.join(mnt, "register"), "w") as f:
                f.write(open(conf).read().strip())
        except OSError as e:
            return f"cannot register qemu-aarch64 with binfmt_misc: {e}"
    if "enabled" not in open(entry).read():
        with open(entry, "w") as f:
            f.write("1")
    r = subprocess.run(["arch-test", "arm64"], capture_output=True, text=True)
    if r.returncode != 0:
        return f"arch-test arm64 says: {(r.stdout + r.stderr).strip()}"
    return None


def tools_missing():
    for tool, pkg in (("mmdebstrap", "mmdebstrap"), ("arch-test", "arch-test"),
                      ("qemu-img", "qemu-utils"), ("mcopy", "mtools"),
                      ("mkfs.vfat", "dosfstools"), ("mke2fs", "e2fsprogs"),
                      ("sfdisk", "fdisk"), ("ssh", "openssh-client"),
                      ("ssh-keygen", "openssh-client"), ("qemu-system-aarch64", "qemu-system-arm"),
                      ("dpkg-buildpackage", "dpkg-dev")):
        if not shutil.which(tool):
            return f"{tool} is missing (apt-get install {pkg}; scripts/packages/board.main)"
    return None


def key(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
        h.update(b"\0")
    return h.hexdigest()[:12]


def rootfs_tarball():
    """The cached root file system tarball, made with mmdebstrap when it is not there."""
    sources = apt_sources()
    # The archive's address is not part of the key: the same packages from another mirror.
    out = os.path.join(CACHE, f"rootfs-{key(*PACKAGES, *SUITES, COMPONENTS)}.tar")
    if os.path.exists(out):
        return out
    why = binfmt_ready()
    if why:
        die(why, 1)
    os.makedirs(CACHE, exist_ok=True)
    for old in glob.glob(os.path.join(CACHE, "rootfs-*.tar")):
        os.unlink(old)
    progress("building the board's root file system with mmdebstrap (Debian bookworm arm64,"
             f" {len(PACKAGES)} packages and their dependencies, under qemu-user): 5-10 minutes"
             " the first time, then cached as " + os.path.relpath(out, SOURCE_DIR))
    t0 = time.monotonic()
    tmp = out + ".part.tar"
    argv = ["mmdebstrap", "--architectures=arm64", "--variant=minbase", "--mode=root",
            "--include=" + ",".join(PACKAGES),
            # Nothing of the build machine's stays in the image: no apt lists or caches.
            "--customize-hook=rm -rf \"$1\"/var/lib/apt/lists/* \"$1\"/var/cache/apt/*.bin",
            "bookworm", tmp] + sources
    log = os.path.join(CACHE, "mmdebstrap.log")
    with open(log, "w") as lf:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        last = 0.0
        for line in proc.stdout:
            lf.write(line)
            lf.flush()
            now = time.monotonic()
            # mmdebstrap's own phases, at most one line every 20 s.
            if line.startswith("I: ") and now - last > 20:
                progress(f"  {now - t0:4.0f} s  {line[3:].strip()[:100]}")
                last = now
        rc = proc.wait()
    if rc != 0:
        print(open(log).read()[-4000:], file=sys.stderr)
        die(f"mmdebstrap failed (exit {rc}; the log is {log})", 1)
    os.rename(tmp, out)
    progress(f"root file system ready: {os.path.getsize(out) >> 20} MiB in"
             f" {time.monotonic() - t0:.0f} s")
    return out



# The initramfs's init: the SD hosts (qemu routes the card to sdhost or the Arasan sdhci by the
# pins' function) and ext4 are modules in Debian's arm64 kernel. It mounts root= read-write and
# hands over to systemd, with the kernel's module helper pointed back at the real root's kmod
# (else every later module request runs the initramfs's busybox, which is gone).
INITRD_MODULES = ["bcm2835", "sdhci_iproc", "ext4", "crc32c_generic"]
INIT = r"""#!/bin/busybox sh
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo /sbin/modprobe > /proc/sys/kernel/modprobe
for m in $(cat /modules); do modprobe "$m" || echo "initrd: modprobe $m failed"; done
root=
for arg in $(cat /proc/cmdline); do
        case "$arg" in root=*) root=${arg#root=} ;; esac
done
n=0
while [ ! -b "$root" ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
mkdir -p /newroot
if ! mount -t ext4 -o rw "$root" /newroot; then
        echo "initrd: cannot mount $root"; sleep 5; poweroff -f
fi
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/init
"""


def kernel():
    """(vmlinuz, release, dtb, unpacked kernel package): tests/pi3's kernel and edited tree (the
    Bluetooth shutdown line on SoC GPIO 28, as run-pi3 --bt-shutdown soc), and the whole package
    unpacked once, for the image's /lib/modules."""
    with pi3.Lock(os.path.join(pi3.CACHE, "lock")):
        vmlinuz, release, dtb = pi3.ensure_kernel("soc")
        busybox = pi3.ensure_busybox()
    x = os.path.join(CACHE, f"kernel-{release}")
    if not os.path.exists(os.path.join(x, ".complete")):
        progress(f"unpacking the kernel package {release} into {x}")
        shutil.rmtree(x, ignore_errors=True)
        run(["dpkg", "-x", pi3.kernel_deb(), x + ".tmp"])
        os.rename(x + ".tmp", x)
        open(os.path.join(x, ".complete"), "w").close()
    return vmlinuz, release, dtb, x, busybox


def initramfs(release, kx, busybox):
    out = os.path.join(CACHE, f"initrd-{release}.gz")
    stamp = key(INIT, *INITRD_MODULES, os.path.getmtime(busybox))
    if os.path.exists(out) and open(out + ".key").read() == stamp:
        return out
    with tempfile.TemporaryDirectory(prefix="hwctl-board-initrd-") as d:
        for sub in ("bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "newroot"):
            os.makedirs(os.path.join(d, sub))
        shutil.copy(busybox, os.path.join(d, "bin", "busybox"))
        moddir = os.path.join(d, "lib", "modules", release)
        os.makedirs(moddir)
        for f in ("modules.builtin", "modules.builtin.modinfo", "modules.order"):
            shutil.copy(os.path.join(kx, "lib", "modules", release, f), moddir)
        subprocess.run(["depmod", "-b", kx, release], check=True)
        pi3.copy_modules(kx, release, INITRD_MODULES, moddir)
        run(["depmod", "-b", d, release])
        with open(os.path.join(d, "modules"), "w") as f:
            f.write("\n".join(INITRD_MODULES) + "\n")
        with open(os.path.join(d, "init"), "w") as f:
            f.write(INIT)
        os.chmod(os.path.join(d, "init"), 0o755)
        pi3.cpio_gz(d, out)
    with open(out + ".key", "w") as f:
        f.write(stamp)
    return out


def ssh_key():
    """The key pair the harness logs in with (root and USER), made once per cache."""
    path = os.path.join(CACHE, "id_ed25519")
    if not os.path.exists(path):
        os.makedirs(CACHE, exist_ok=True)
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "hwctl-board-harness",
             "-f", path])
    return path


def arm64_deb():
    """hwctl's arm64 package for this tree (scripts/build-deb arm64 builds it when the tree
    changed since the last build)."""
    r = subprocess.run([os.path.join(SOURCE_DIR, "scripts", "build-deb"), "arm64"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stderr[-4000:], file=sys.stderr)
        die("scripts/build-deb arm64 failed (see above)", 1)
    return r.stdout.strip().splitlines()[-1]


def write(root, path, text, mode=0o644):
    dest = os.path.join(root, path.lstrip("/"))
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with open(dest, "w") as f:
        f.write(text)
    os.chmod(dest, mode)


def chroot(root, *argv):
    r = subprocess.run(["chroot", root, *argv], capture_output=True, text=True,
                       env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C.UTF-8",
                            "DEBIAN_FRONTEND": "noninteractive"})
    if r.returncode != 0:
        die(f"in the image: {' '.join(argv)} failed: {(r.stdout + r.stderr).strip()[-3000:]}", 1)
    return r.stdout


def configure_root(root, pubkey):
    """What an image builder sets up around hwctl: fstab, host name, the wired network through
    systemd-networkd, the USB Ethernet modules early, SSH keys, a non-root user, cloud-init kept
    off unless the kernel command line turns it on (scripts/bench-board)."""
    write(root, "/etc/hostname", HOSTNAME + "\n")
    write(root, "/etc/hosts", f"127.0.0.1 localhost\n127.0.1.1 {HOSTNAME}\n")
    write(root, "/etc/fstab",
          "/dev/mmcblk0p2 / ext4 rw,noatime 0 1\n"
          "/dev/mmcblk0p1 /boot/firmware vfat defaults,nofail 0 2\n")
    os.makedirs(os.path.join(root, "boot", "firmware"), exist_ok=True)
    # An empty machine-id: every fresh card is a systemd first boot (ConditionFirstBoot).
    write(root, "/etc/machine-id", "", 0o444)
    if os.path.exists(os.path.join(root, "var/lib/dbus/machine-id")):
        os.unlink(os.path.join(root, "var/lib/dbus/machine-id"))
    write(root, "/etc/systemd/network/20-wired.network",
          "[Match]\nName=en* eth* usb*\n\n[Network]\nDHCP=yes\n")
    chroot(root, "systemctl", "enable", "systemd-networkd.service")
    # udev would load these a minute late, behind the display and sound drivers, and might bind
    # cdc_subset first.
    write(root, "/etc/modules-load.d/usb-ethernet.conf", "cdc_ether\nphy_generic\ndwc2\n")
    pub = open(pubkey).read()
    write(root, "/root/.ssh/authorized_keys", pub, 0o600)
    os.chmod(os.path.join(root, "root", ".ssh"), 0o700)
    chroot(root, "useradd", "--create-home", "--shell", "/bin/bash", USER)
    write(root, f"/home/{USER}/.ssh/authorized_keys", pub, 0o600)
    chroot(root, "chown", "-R", f"{USER}:{USER}", f"/home/{USER}/.ssh")
    os.chmod(os.path.join(root, "home", USER, ".ssh"), 0o700)
    # A persistent journal, so a second boot can still show the first one's entries.
    os.makedirs(os.path.join(root, "var", "log", "journal"), exist_ok=True)
    # cloud-init, for the comparison only: the NoCloud seed on the root file system, no network
    # configuration of its own, and nothing but the grow (growpart and resizefs).
    write(root, "/var/lib/cloud/seed/nocloud/meta-data", f"instance-id: {HOSTNAME}-1\n")
    write(root, "/var/lib/cloud/seed/nocloud/user-data", "#cloud-config\n{}\n")
    write(root, "/etc/cloud/cloud.cfg.d/99-hwctl-bench.cfg",
          "datasource_list: [NoCloud, None]\n"
          "network: {config: disabled}\n"
          "growpart: {mode: auto, devices: ['/']}\n"
          "resize_rootfs: true\n"
          "cloud_init_modules: [growpart, resizefs]\n"
          "cloud_config_modules: []\n"
          "cloud_final_modules: []\n")


def card():
    """The card image for this tree (built when anything it is made from changed)."""
    tarball = rootfs_tarball()
    deb = arm64_deb()
    vmlinuz, release, dtb, kx, busybox = kernel()
    initrd = initramfs(release, kx, busybox)
    pubkey = ssh_key() + ".pub"
    with open(deb, "rb") as f:
        deb_hash = hashlib.sha256(f.read()).hexdigest()
    k = key(os.path.basename(tarball), deb_hash, open(__file__).read(), release,
            open(initrd + ".key").read(), open(dtb, "rb").read(), open(pubkey).read())
    out = os.path.join(CACHE, f"card-{k}.img")
    if os.path.exists(out):
        return out
    for old in glob.glob(os.path.join(CACHE, "card-*.img")):
        os.unlink(old)
    t0 = time.monotonic()
    progress(f"making the card image: {os.path.basename(tarball)}, {os.path.basename(deb)},"
             f" Linux {release}")
    why = binfmt_ready()
    if why:
        die(why, 1)
    work = tempfile.mkdtemp(prefix="card-", dir=CACHE)
    try:
        root = os.path.join(work, "root")
        os.makedirs(root)
        run(["tar", "-C", root, "--numeric-owner", "-xpf", tarball])
        # Every module of the kernel package, as an image installing linux-image-arm64 has.
        mods = os.path.join(root, "lib", "modules")
        os.makedirs(mods, exist_ok=True)
        shutil.copytree(os.path.join(kx, "lib", "modules", release), os.path.join(mods, release),
                        symlinks=True)
        run(["depmod", "-b", root, release])
        # hwctl as a user installs it: its package, with dpkg. policy-rc.d keeps the maintainer
        # scripts from starting anything in the chroot.
        write(root, "/usr/sbin/policy-rc.d", "#!/bin/sh\nexit 101\n", 0o755)
        shutil.copy(deb, os.path.join(root, "tmp", os.path.basename(deb)))
        out_dpkg = chroot(root, "dpkg", "-i", "/tmp/" + os.path.basename(deb))
        os.unlink(os.path.join(root, "tmp", os.path.basename(deb)))
        os.unlink(os.path.join(root, "usr", "sbin", "policy-rc.d"))
        with open(os.path.join(work, "..", "dpkg.log"), "w") as f:
            f.write(out_dpkg)
        configure_root(root, pubkey)
        img = os.path.join(work, "card.img")
        with open(img, "wb") as f:
            f.truncate(CARD_BYTES)
        root_start = BOOT_START + BOOT_MIB * 2048
        run(["sfdisk", "--quiet", img], input=(
            "label: dos\nlabel-id: 0x48574354\n"
            f"start={BOOT_START}, size={BOOT_MIB * 2048}, type=c, bootable\n"
            f"start={root_start}, size={ROOT_MIB * 2048}, type=83\n").encode())
        boot = os.path.join(work, "boot.img")
        run(["mkfs.vfat", "-F", "32", "-n", "BOOT", "-C", boot, str(BOOT_MIB * 1024)],
            stdout=subprocess.DEVNULL)
        for src, name in ((vmlinuz, "vmlinuz"), (dtb, "bcm2837-rpi-3-b.dtb"),
                          (initrd, "initrd.gz")):
            run(["mcopy", "-i", boot, src, "::" + name])
        run(["dd", f"if={boot}", f"of={img}", "bs=512", f"seek={BOOT_START}", "conv=notrunc",
             "status=none"])
        run(["mke2fs", "-q", "-F", "-t", "ext4", "-L", "rootfs", "-d", root,
             "-E", f"offset={root_start * 512}", img, f"{ROOT_MIB * 1024}k"])
        os.rename(img, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    progress(f"card ready in {time.monotonic() - t0:.0f} s: {os.path.relpath(out, SOURCE_DIR)}")
    return out


def boot_files():
    """The kernel, tree and initramfs a boot passes to qemu (the ones on the card's FAT
    partition: qemu's raspi3b loads no firmware, so -kernel/-dtb/-initrd stand for it)."""
    vmlinuz, release, dtb, kx, busybox = kernel()
    return vmlinuz, dtb, initramfs(release, kx, busybox)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Board:
    """One boot of the card on an overlay: the emulated chip on uart0, the console in
    DIR/console-N.log, SSH on a local port."""

    CMDLINE = ("console=ttyS1,115200 root=/dev/mmcblk0p2 rootwait rw systemd.firstboot=off"
               " systemd.show_status=auto")

    def __init__(self, card_img, workdir, overlay=None, extra_cmdline="cloud-init=disabled",
                 chip="BCM43430A1", faults=()):
        self.card, self.dir = card_img, workdir
        os.makedirs(workdir, exist_ok=True)
        self.overlay = overlay or os.path.join(workdir, "card.qcow2")
        self.extra, self.chip, self.faults = extra_cmdline, chip, list(faults)
        self.proc = self.emu = None
        self.boots = 0
        self.key = os.path.join(CACHE, "id_ed25519")
        self.lines = []
        self.cond = threading.Condition()

    def boot(self):
        if not os.path.exists(self.overlay):
            run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", self.card, "-F", "raw",
                 self.overlay])
        self.boots += 1
        self.port = free_port()
        vmlinuz, dtb, initrd = boot_files()
        # The socket path must fit in sun_path: a short directory of its own.
        self.sockdir = tempfile.mkdtemp(prefix="hwctl-board-")
        sock = os.path.join(self.sockdir, "bt.sock")
        emu_log = open(os.path.join(self.dir, f"emu-{self.boots}.log"), "w")
        emu = os.path.join(os.environ.get("HWCTL_BUILD_DIR", os.path.join(SOURCE_DIR, "build")),
                           "tests", "bcm-emu")
        if not os.access(emu, os.X_OK):
            die(f"{emu} is not built (cmake --build build)", 1)
        opts = type("EmuOptions", (), {"emu": emu, "chip": self.chip, "fault": self.faults,
                                       "trace": False})
        self.emu = pi3.start_emulator(opts, sock, f"/lib/firmware/brcm/{self.chip}.hcd", emu_log)
        argv = ["qemu-system-aarch64", "-M", "raspi3b", "-accel", "tcg,thread=single",
                "-kernel", vmlinuz, "-dtb", dtb, "-initrd", initrd,
                "-append", f"{self.CMDLINE} {self.extra}".strip(),
                "-drive", f"if=sd,format=qcow2,file={self.overlay}",
                "-serial", f"unix:{sock}", "-serial", "stdio",
                "-display", "none", "-monitor", "none", "-no-reboot",
                "-usb", "-device", "usb-net,netdev=n0",
                "-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{self.port}-:22"]
        self.console = open(os.path.join(self.dir, f"console-{self.boots}.log"), "w")
        self.lines = []
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        threading.Thread(target=self._read_console, daemon=True).start()

    def _read_console(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n").replace("\r", "")
            self.console.write(line + "\n")
            self.console.flush()
            with self.cond:
                self.lines.append((time.monotonic() - self.t0, line))
                self.cond.notify_all()

    def wait_console(self, pattern, timeout):
        """The seconds since power-on at which a console line matched, or None."""
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        seen = 0
        with self.cond:
            while True:
                for t, line in self.lines[seen:]:
                    if rx.search(line):
                        return t
                seen = len(self.lines)
                left = end - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    return None
                self.cond.wait(min(left, 1))

    def ssh_argv(self, user="root"):
        return ["ssh", "-q", "-i", self.key, "-p", str(self.port), "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "ConnectTimeout=20", "-o", "ServerAliveInterval=10",
                f"{user}@127.0.0.1"]

    def ssh(self, command, user="root", timeout=120, stdin=None):
        """Runs command on the board over SSH: a CompletedProcess (text), returncode 255 when SSH
        itself failed, 124 on timeout."""
        try:
            return subprocess.run(self.ssh_argv(user) + [command], capture_output=True,
                                  text=True, timeout=timeout, input=stdin,
                                  stdin=None if stdin is not None else subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            return subprocess.CompletedProcess(e.cmd, 124, e.stdout or "", e.stderr or "")

    def wait_ssh(self, timeout=400):
        """Seconds from power-on to the first SSH command that ran, or None. One connection at a
        time: sshd's MaxStartups throttles half-open ones."""
        end = time.monotonic() + timeout
        while time.monotonic() < end and self.proc.poll() is None:
            r = self.ssh("true", timeout=40)
            if r.returncode == 0:
                return time.monotonic() - self.t0
            time.sleep(2)
        return None

    def shutdown(self, timeout=90):
        """A clean power-off (systemctl poweroff; qemu's raspi3b does not end on it, so the
        harness ends it on the kernel's last line). True when the board got there."""
        self.ssh("systemctl poweroff", timeout=30)
        ok = self.wait_console(r"reboot: (Power down|System halted)", timeout) is not None
        self.kill()
        return ok

    def kill(self):
        """Ends qemu: SIGTERM first, on which it closes the overlay cleanly (qcow2 keeps cluster
        tables in memory until a flush, and the SD card model never flushes: after SIGKILL the
        overlay could lose what the board wrote last), SIGKILL when it does not end."""
        if self.proc:
            for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, None)):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    pass
                try:
                    self.proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
            self.proc = None
        if self.emu:
            try:
                self.emu.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.emu.kill()
                self.emu.wait()
            self.emu = None
        if getattr(self, "sockdir", None):
            shutil.rmtree(self.sockdir, ignore_errors=True)
            self.sockdir = None


def prepare():
    why = tools_missing()
    if why:
        die(why, 1)
    return card()


if __name__ == "__main__":
    print(prepare())
