# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the units/ tests: install the build into a temporary root laid out like this
# machine. Sourced, not run; note, die, skip, need, need_root come from tests/lib/check.sh.
set -euo pipefail

: "${HWCTL_BUILD_DIR:?run the units tests through ctest (HWCTL_BUILD_DIR is not set)}"
: "${HWCTL_SOURCE_DIR:?run the units tests through ctest (HWCTL_SOURCE_DIR is not set)}"

test_name=$(basename "$0" .sh)
check_name=$test_name
. "$HWCTL_SOURCE_DIR/tests/lib/check.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hwctl-$test_name.XXXXXX")
# Commands run at exit, last registered first (processes this test started, mounts, ...).
at_exit=()
cleanup() {
	local i
	for ((i = ${#at_exit[@]} - 1; i >= 0; i--)); do
		eval "${at_exit[i]}" || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

# A value from the build's CMake cache, e.g. cache_get CMAKE_INSTALL_PREFIX.
cache_get() {
	sed -n "s|^$1:[A-Z]*=||p" "$HWCTL_BUILD_DIR/CMakeCache.txt" | head -n1
}

# An install directory as CMake resolves it: GNUInstallDirs' relative values are under the prefix.
install_dir() {
	local prefix dir
	prefix=$(cache_get CMAKE_INSTALL_PREFIX)
	dir=$(cache_get "CMAKE_INSTALL_$1")
	# GNUInstallDirs leaves DATADIR empty to mean DATAROOTDIR.
	[ -n "$dir" ] || [ "$1" != DATADIR ] || dir=$(cache_get CMAKE_INSTALL_DATAROOTDIR)
	[ -n "$dir" ] || die "CMAKE_INSTALL_$1 is not in the CMake cache"
	case "$dir" in
	/*) printf '%s\n' "$dir" ;;
	*) printf '%s/%s\n' "$prefix" "$dir" ;;
	esac
}

# Installs the build into $root ("all" of it, or one component such as "units"), with the same
# /bin, /lib, ... symlinks into /usr as this machine has, so that files reach the directories
# systemd reads here: /lib/systemd/system (pkg-config's answer on Debian 12) is
# /usr/lib/systemd/system.
install_root() {
	local component=$1 d target
	[ "$component" != all ] || component=
	root=$tmp/root
	mkdir -p "$root"
	for d in bin sbin lib lib32 lib64 libx32; do
		if [ -L "/$d" ]; then
			target=$(readlink "/$d")
			target=${target#/}
			mkdir -p "$root/$target"
			ln -s "$target" "$root/$d"
		fi
	done
	if ! DESTDIR=$root cmake --install "$HWCTL_BUILD_DIR" ${component:+--component "$component"} \
		>"$tmp/install.log" 2>&1; then
		cat "$tmp/install.log" >&2
		die "cmake --install${component:+ --component $component} failed (is the build complete?)"
	fi
}

# The one installed file with this name under $root.
installed() {
	find "$root" -name "$1" \( -type f -o -type l \) >"$tmp/found"
	[ -s "$tmp/found" ] || die "$1 was not installed"
	[ "$(wc -l <"$tmp/found")" -eq 1 ] || die "$1 installed more than once: $(cat "$tmp/found")"
	cat "$tmp/found"
}
