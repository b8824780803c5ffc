# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the rootfs tier: skipping, and card images made with sfdisk/mkfs on plain files.
# shellcheck shell=bash

top=${HWCTL_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
build=${HWCTL_BUILD_DIR:-$top/build}
RUN_VM=$top/tests/vm/run-vm
export HWCTL_SOURCE_DIR=$top HWCTL_BUILD_DIR=$build

# skip, die, ok, ...: the one shell harness.
. "$top/tests/lib/check.sh"

require_vm_tier() {
	[ "$(id -u)" -eq 0 ] || skip "the VM tier runs as root (qemu drives, image ownership)"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"
	local t
	for t in sfdisk mkfs.ext4 mkfs.btrfs mkfs.vfat e2fsck sha256sum; do
		command -v "$t" >/dev/null || skip "$t missing (scripts/setup installs scripts/packages/rootfs.main)"
	done
	[ -x "$build/daemon/hwctld" ] || skip "$build/daemon/hwctld is not built"
}

MiB=$((1024 * 1024))

# populate DIR: files of random data and a manifest of their checksums, to check after growing.
populate() {
	local dir=$1 i
	mkdir -p "$dir/data"
	for i in 1 2 3 4; do
		head -c $((3 * MiB + i * 4099)) /dev/urandom >"$dir/data/blob$i"
	done
	for i in $(seq 1 64); do
		head -c $((i * 97)) /dev/urandom >"$dir/data/small$i"
	done
	(cd "$dir" && find data -type f -print0 | sort -z | xargs -0 sha256sum >MANIFEST)
}

# mkfs_file FSTYPE FILE BYTES SRCDIR: a filesystem in a plain file, filled from SRCDIR.
mkfs_file() {
	local fs=$1 file=$2 bytes=$3 src=$4
	rm -f "$file"
	truncate -s "$bytes" "$file"
	case $fs in
	ext4) mkfs.ext4 -q -F -T default -L root -d "$src" "$file" ;;
	btrfs) mkfs.btrfs -q -f -L root --rootdir "$src" "$file" >/dev/null ;;
	vfat) mkfs.vfat -F 32 -n FIRMWARE "$file" >/dev/null 2>&1 ;;
	ext2) mkfs.ext2 -q -F -d "$src" "$file" ;;
	*) die "mkfs_file: unknown filesystem $fs" ;;
	esac
}

# make_card OUT TABLE ROOTFS IMAGE_MIB DISK_MIB [LAYOUT]: a NixOS-sd-image-like card: FAT32
# firmware partition at 8 MiB (32 MiB), root after it to the end of the image, then the file
# grown to DISK_MIB as if the image was written to a bigger card. LAYOUT "after" adds a
# partition after root (root not last); "past-end" makes root claim more than the card.
make_card() {
	local out=$1 table=$2 fs=$3 img_mib=$4 disk_mib=$5 layout=${6:-plain}
	local work=$out.d root_start=40 root_mib
	rm -rf "$work"
	mkdir -p "$work/src"
	populate "$work/src"
	root_mib=$((img_mib - root_start - 1)) # GPT keeps its backup in the last MiB
	[ "$layout" = after ] && root_mib=$((root_mib - 64))
	rm -f "$out"
	truncate -s $((img_mib * MiB)) "$out"
	{
		echo "label: $table"
		echo "unit: sectors"
		if [ "$table" = dos ]; then
			echo "start=$((8 * 2048)), size=$((32 * 2048)), type=c"
			echo "start=$((root_start * 2048)), size=$((root_mib * 2048)), type=83"
			[ "$layout" = after ] && echo "start=$(((root_start + root_mib) * 2048)), size=$((32 * 2048)), type=83"
		else
			echo "start=$((8 * 2048)), size=$((32 * 2048)), type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
			echo "start=$((root_start * 2048)), size=$((root_mib * 2048)), type=0FC63DAF-8483-4772-8E79-3D69D8477DE4"
			[ "$layout" = after ] && echo "start=$(((root_start + root_mib) * 2048)), size=$((32 * 2048)), type=0FC63DAF-8483-4772-8E79-3D69D8477DE4"
		fi
	} | sfdisk -q --no-reread --no-tell-kernel "$out" >/dev/null || die "sfdisk $out"
	mkfs_file vfat "$work/fw.img" $((32 * MiB)) "$work/src"
	mkfs_file "$fs" "$work/root.img" $((root_mib * MiB)) "$work/src"
	dd if="$work/fw.img" of="$out" bs=1M seek=8 conv=notrunc,sparse status=none
	dd if="$work/root.img" of="$out" bs=1M seek="$root_start" conv=notrunc,sparse status=none
	cp "$work/src/MANIFEST" "$out.manifest"
	rm -rf "$work"
	if [ "$layout" = past-end ]; then
		# The table says root runs to 600 MiB on a 512 MiB card: a table for another card.
		# sfdisk will not write that, so patch entry 2's sector count (MBR offset 462 + 12).
		python3 -c 'import struct,sys; f=open(sys.argv[1],"r+b"); f.seek(462+12); f.write(struct.pack("<I", int(sys.argv[2])))' \
			"$out" $(((600 - root_start) * 2048))
		return 0
	fi
	truncate -s $((disk_mib * MiB)) "$out"
}

# image_sum FILE: a checksum of the image's size, allocated extents and their bytes; holes are
# skipped (fast on sparse 2 GiB cards), and any write, even of zeros, allocates and shows up.
image_sum() {
	python3 - "$1" <<'PY'
import hashlib, os, sys
h = hashlib.sha256()
with open(sys.argv[1], "rb") as f:
    fd = f.fileno()
    size = os.fstat(fd).st_size
    h.update(str(size).encode())
    off = 0
    while off < size:
        try:
            start = os.lseek(fd, off, os.SEEK_DATA)
        except OSError:
            break
        end = os.lseek(fd, start, os.SEEK_HOLE)
        h.update(f"@{start}-{end}".encode())
        f.seek(start)
        left = end - start
        while left > 0:
            b = f.read(min(left, 1 << 22))
            if not b:
                break
            h.update(b)
            left -= len(b)
        off = end
print(h.hexdigest())
PY
}
