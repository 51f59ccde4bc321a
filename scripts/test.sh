#!/usr/bin/env bash
# Install what is missing, build gdbhub twice (plain, and with ASan+UBSan),
# and run every test in both builds. Exits non-zero if any test failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/deps.sh
ensure_deps || exit 1

# Sanitizer findings must fail the test that triggers them.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0

status=0
run_build() {
	local dir=$1; shift
	if [ ! -d "$dir" ]; then
		meson setup "$dir" "$@" >/dev/null || return 1
	fi
	ninja -C "$dir" >/dev/null || { ninja -C "$dir"; return 1; }
	meson test -C "$dir" --print-errorlogs --num-processes 2 || return 1
}
run_build build || status=1
run_build build-asan -Db_sanitize=address,undefined -Db_lundef=false || status=1
exit $status
