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

# Without /dev/kvm here the kvm tests above were skipped. Run suite e2e-kvm
# (all but what needs the guest's own int3 or a debug register to fire)
# inside a QEMU TCG VM that has a nested /dev/kvm (scripts/nested-kvm), so
# gdbhub-kvm is still exercised. Their log is build/meson-logs/nested-kvm.json.
kvm_usable() {
	python3 -c 'import os; os.close(os.open("/dev/kvm", os.O_RDWR))' 2>/dev/null
}
rm -f build/meson-logs/nested-kvm.json
if ! kvm_usable && [ -x build/backends/kvm/gdbhub-kvm ]; then
	echo "test.sh: no usable /dev/kvm: running suite e2e-kvm in a nested-KVM VM"
	# Through cat: the VM's console is a terminal, and meson's progress
	# spinner has no place in a log.
	scripts/nested-kvm/run.sh --timeout 1800 -- bash -c 'set -o pipefail
		meson test -C build --no-rebuild --print-errorlogs --suite e2e-kvm \
			--logbase nested-kvm --num-processes 1 | cat' || status=1
fi
exit $status
