#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# journalctl can explain every event hwctld logs: the installed catalog compiles, lists exactly
# the MESSAGE_IDs of include/messages.h, each entry has the header fields journalctl -x shows,
# and it refers only to journal fields hwctld really writes.
. "$(dirname "$0")/lib.sh"

need journalctl pkg-config

install_root units
catalogdir=$(pkg-config --variable=catalogdir systemd)
catalog=$root$catalogdir/hwctl.catalog
[ -f "$catalog" ] || die "hwctl.catalog not installed to $catalogdir"

# journalctl --update-catalog reads /usr/lib/systemd/catalog under the root; that is catalogdir
# here, or where it points (merged /usr).
journalctl --root="$root" --update-catalog >"$tmp/update.log" 2>&1 || {
	cat "$tmp/update.log" >&2
	die "journalctl --update-catalog rejected hwctl.catalog"
}
[ -s "$tmp/update.log" ] && { cat "$tmp/update.log" >&2; die "journalctl --update-catalog complained (above)"; }
journalctl --root="$root" --list-catalog >"$tmp/list" 2>&1 || die "journalctl --list-catalog failed: $(cat "$tmp/list")"

# The IDs hwctld logs with, from the header the daemon is built with.
sed -n 's/^#define HWCTL_MESSAGE_[A-Z_]* *"\([0-9a-f]\{32\}\)".*/\1/p' \
	"$HWCTL_SOURCE_DIR/include/messages.h" | sort >"$tmp/ids.want"
[ "$(wc -l <"$tmp/ids.want")" -gt 0 ] || die "no HWCTL_MESSAGE_* IDs found in include/messages.h"
awk '$2 == "hwctl:" {print $1}' "$tmp/list" | sort >"$tmp/ids.got"
if ! diff -u "$tmp/ids.want" "$tmp/ids.got" >&2; then
	die "the catalog's IDs (+) differ from include/messages.h's (-)"
fi

# Each entry, as journalctl stores it, has the header journalctl -x shows and a text.
while read -r id; do
	journalctl --root="$root" --dump-catalog "$id" >"$tmp/entry" 2>&1 || die "no catalog entry for $id"
	for field in Subject Defined-By Support Documentation; do
		grep -q "^$field: ." "$tmp/entry" || die "catalog entry $id has no $field:"
	done
	grep -qx 'Defined-By: hwctl' "$tmp/entry" || die "catalog entry $id is not Defined-By: hwctl"
	[ "$(sed '1,/^$/d' "$tmp/entry" | grep -c .)" -ge 2 ] || die "catalog entry $id has no explanation"
done <"$tmp/ids.want"

# @FIELD@ references must name fields hwctld writes ("FIELD=" in daemon/), or MESSAGE.
grep -o '@[A-Z0-9_]*@' "$catalog" | tr -d @ | sort -u >"$tmp/refs"
grep -rhoE '"[A-Z][A-Z0-9_]*=' "$HWCTL_SOURCE_DIR/daemon" | tr -d '"=' | sort -u >"$tmp/fields"
echo MESSAGE >>"$tmp/fields"
while read -r f; do
	grep -qx "$f" "$tmp/fields" || die "the catalog refers to @$f@, a field hwctld never writes"
done <"$tmp/refs"

note "$(wc -l <"$tmp/ids.got") catalog entries, one per MESSAGE_ID"
