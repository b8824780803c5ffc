# SPDX-License-Identifier: LGPL-2.1-or-later
# The shell test harness, sourced by every shell test and helper library (units, rootfs, bt, e2e;
# the VM-side ones too, which see this tree at the same path). One output format and one failure
# count for all:
#   note MESSAGE          a line of progress
#   ok MESSAGE            a check that passed                          "ok: MESSAGE"
#   fail MESSAGE          a check that failed: counted, the test goes on "FAIL: MESSAGE"
#   die MESSAGE           a failure the test cannot go on after: exit 1 now (also from $(...))
#   check DESCRIPTION COMMAND...   runs COMMAND: ok when it succeeds, fail otherwise
#   check_rc RC DESCRIPTION        ok when RC (an exit code taken earlier) is 0, fail otherwise
#   skip REASON           exit 77 (skipped, and why)
#   need TOOL...          skip unless each TOOL is on PATH
#   need_root WHY         skip unless root
#   finish                exit 1 when any check failed, 0 otherwise
# Messages go to stderr, so that they reach the log even from inside a command substitution.
# shellcheck shell=bash

check_failures=0
check_name=${check_name:-$(basename "$0" .sh)}

note() { printf '%s: %s\n' "$check_name" "$*" >&2; }
ok() { printf 'ok: %s\n' "$*" >&2; }
fail() {
	printf 'FAIL: %s\n' "$*" >&2
	check_failures=$((check_failures + 1))
}
die() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}
check_rc() {
	if [ "$1" -eq 0 ]; then ok "$2"; else fail "$2"; fi
}
skip() {
	printf 'SKIP: %s\n' "$*" >&2
	exit 77
}
need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
	done
}
need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root${1:+ ($*)}"
}
finish() {
	if [ "$check_failures" -gt 0 ]; then
		printf '%s: %d check(s) failed\n' "$check_name" "$check_failures" >&2
		exit 1
	fi
	printf '%s: all checks passed\n' "$check_name" >&2
	exit 0
}
