#!/usr/bin/env bash
# Install what is missing, build gdbhub and its demo guest, and start the
# daemon with the bundled demo config: on KVM (gdbhub-kvm) when /dev/kvm is
# usable, else on QEMU TCG. Prints which and why, and how to attach gdb.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/deps.sh
ensure_deps
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null

# Why /dev/kvm cannot be opened for reading and writing; nothing if it can.
# (An open is the only true test: the device may exist and still refuse us.)
kvm_unusable() {
	python3 -c '
import os
try:
    os.close(os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC))
except OSError as e:
    print(e.strerror)'
}

config=config/examples/demo.json
why=$(kvm_unusable)
if [ -n "$why" ]; then
	echo "demo: /dev/kvm not usable here ($why): using QEMU TCG"
elif [ ! -x build/backends/kvm/gdbhub-kvm ]; then
	echo "demo: /dev/kvm is usable but build/backends/kvm/gdbhub-kvm was not built: using QEMU TCG"
else
	echo "demo: /dev/kvm is usable: using KVM (gdbhub-kvm)"
	config=config/examples/demo-kvm.json
fi
cat <<MSG

gdbhub is starting with $config (Ctrl-C stops it and its VM).
The demo VM waits, halted at its first instruction. Attach from another terminal:

  gdb $top/build/tests/guests/demo.elf -ex 'target remote 127.0.0.1:1235'

then for example:  break add  /  continue  /  info args  /  next  /  continue
(or: target remote /tmp/gdbhub-demo.sock). The guest's serial output goes to
$top/build/demo-serial.log.

MSG
exec build/proxy/gdbhub serve -c "$config"
