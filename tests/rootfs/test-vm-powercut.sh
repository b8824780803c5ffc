#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Tier 2: power cuts during the grow. Each boot first re-boots the card cut in the previous boot
# (hwctld must finish the job; fully grown, fsck clean, files intact), then starts growing a
# fresh card and is killed (SIGKILL to qemu, disks cache=writethrough) at a chosen instant after
# hwctld announces the grow. HWCTL_POWERCUT_RUNS cuts (default 20), cycling MBR+ext4, GPT+ext4
# and GPT+btrfs; the cut points and what the next boot found are printed.
. "$(dirname "$0")/lib.sh"
require_vm_tier
set -u
runs=${HWCTL_POWERCUT_RUNS:-20}
# Which cards (0 mbr/ext4, 1 gpt/ext4, 2 gpt/btrfs) and which window after "growing", in ms:
# a stress run can aim at the table write with, say, KINDS="1 2" WINDOW="15 75".
read -r -a cycle <<<"${HWCTL_POWERCUT_KINDS:-0 1 2}"
read -r win_lo win_hi <<<"${HWCTL_POWERCUT_WINDOW:-0 140}"
work=$(mktemp -d /var/tmp/hwctl-rootfs-cut.XXXXXX)
trap 'rm -rf "$work"' EXIT

make_card "$work/base-0.img" dos ext4 512 2048
make_card "$work/base-1.img" gpt ext4 512 2048
make_card "$work/base-2.img" gpt btrfs 512 2048
kinds=("mbr/ext4" "gpt/ext4" "gpt/btrfs")
fss=(ext4 ext4 btrfs)
start=$(date +%s)
failed=0
summary=()
for i in $(seq 0 "$runs"); do
	args=() disks=()
	if [ "$i" -gt 0 ]; then
		prev=${cycle[$(((i - 1) % ${#cycle[@]}))]}
		disks+=(--disk "$work/cut.img")
		args+=("check=/dev/vda:${fss[$prev]}")
	fi
	if [ "$i" -lt "$runs" ]; then
		k=${cycle[$((i % ${#cycle[@]}))]}
		cp --sparse=always "$work/base-$k.img" "$work/fresh.img"
		cp "$work/base-$k.img.manifest" "$work/fresh.img.manifest"
		dev=/dev/vda
		[ "$i" -gt 0 ] && dev=/dev/vdb
		disks+=(--disk "$work/fresh.img")
		args+=("grow=$dev:${fss[$k]}")
		# Spread the cuts evenly over the window (default the first 140 ms after "growing":
		# the table write, BLKPG and the online grow all happen in there under TCG).
		delay=$(python3 -c "import random; step = ($win_hi - $win_lo) / $runs; print(f'{($win_lo + $i * step + random.uniform(0, step)) / 1000:.4f}')")
		cut=(--cut-after "rootfs: growing:$delay")
	else
		cut=()
	fi
	"$RUN_VM" --quiet --timeout 200 --log "$work/boot-$i.log" "${disks[@]}" "${cut[@]}" \
		"$top/tests/rootfs/vm-cut.sh" "${args[@]}"
	rc=$?
	if [ "$i" -gt 0 ]; then
		found=$(sed -n 's/.*CUT-FOUND //p' "$work/boot-$i.log" | tr -d '\r')
		result=$(sed -n 's/.*CUT-RESULT //p' "$work/boot-$i.log" | tr -d '\r')
		line="cut $((i - 1)) (${kinds[$prev]}, $prev_delay s after 'growing'): next boot found $found; $result"
		echo "$line"
		summary+=("$line")
		if ! echo "$result" | grep -q '^pass'; then
			failed=$((failed + 1))
			grep -E "FAIL|hwctld|ok:" "$work/boot-$i.log"
		fi
	fi
	if [ "$i" -lt "$runs" ]; then
		grep -q "HWCTL-VM-CUT" "$work/boot-$i.log" ||
			{ echo "boot $i: no cut happened (rc $rc)"; cat "$work/boot-$i.log"; failed=$((failed + 1)); }
		grep -q "CUT-GROW-DONE" "$work/boot-$i.log" && prev_delay="$delay (after the grow finished)" ||
			prev_delay=$delay
		mv "$work/fresh.img" "$work/cut.img"
	elif [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
		failed=1
	fi
done
echo "== $runs power cuts in $(($(date +%s) - start)) s; $failed failed"
printf '%s\n' "${summary[@]}" | sed -n 's/.*(\([a-z0-9/]*\),.*next boot found \(partition=[0-9]*MiB fs=[0-9]*MiB\).*/\1 \2/p' |
	sort | uniq -c | sed 's/^/   states found at boot: /'
[ "$failed" -eq 0 ] || die "$failed power-cut run(s) failed"
ok "every power cut ended fully grown, fsck clean, files intact"
