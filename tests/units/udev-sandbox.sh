# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs `udevadm test` with only the given rules file, in a private mount namespace, so that it
# neither reads this machine's rules nor touches its /dev, /run/udev or /etc/group.
# Sourced by the udev tests after lib.sh; udev_sandbox_test RULES GROUP_FILE SYSPATH [NODE MAJ:MIN]
# writes udevadm's output to $tmp/udevadm.log and, with NODE, the node's "mode gid" after the
# rules ran to $tmp/node.stat.

# shellcheck disable=SC2154 # tmp comes from lib.sh
udev_sandbox_test() {
	local rules=$1 group_file=$2 syspath=$3 node=${4:-} devnum=${5:-}
	cat >"$tmp/sandbox.sh" <<'EOF'
set -eu
rules=$1 group_file=$2 syspath=$3 node=$4 devnum=$5 tmp=$6
# Hide every directory udev reads rules from, and the runtime state it writes.
for d in /etc/udev/rules.d /usr/local/lib/udev/rules.d /usr/lib/udev/rules.d /lib/udev/rules.d; do
	if [ -d "$d" ]; then
		mount -t tmpfs hwctl-test "$d"
	fi
done
# /run/udev/rules.d is read too: our rules go there, in a /run of our own.
mount -t tmpfs hwctl-test /run
mkdir -p /run/udev/rules.d
# A private /dev that still has /dev/null (udevadm creates /dev/char links and sets permissions).
mkdir -p "$tmp/hostdev"
mount --bind /dev "$tmp/hostdev"
mount -t tmpfs hwctl-test /dev
touch /dev/null
mount --bind "$tmp/hostdev/null" /dev/null
umount -l "$tmp/hostdev"
if [ -n "$node" ]; then
	mknod -m 0600 "$node" c "${devnum%:*}" "${devnum#*:}"
fi
# The groups the image will have (from systemd-sysusers --root), so GROUP= names resolve.
mount --bind "$group_file" /etc/group
cp "$rules" /run/udev/rules.d/
udevadm test --action=add "$syspath" >"$tmp/udevadm.log" 2>&1 || true
if [ -n "$node" ]; then
	stat -c '%a %g' "$node" >"$tmp/node.stat"
fi
EOF
	unshare --mount --propagation private \
		sh "$tmp/sandbox.sh" "$rules" "$group_file" "$syspath" "$node" "$devnum" "$tmp" ||
		die "could not set up the private mount namespace for udevadm test"
}

# Lines where udev reports a problem in the named rules file: they start with "path:line".
# (Lines that trace a rule being applied start with the device name instead.)
udev_rule_problems() {
	grep -E "^/[^ ]*/$(basename "$1"):[0-9]+ " "$tmp/udevadm.log" || true
}
