#!/usr/bin/env bash
# Install what is missing, build gdbhub and its demo guest, and start the
# daemon with the bundled demo config. Prints how to attach gdb.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/deps.sh
ensure_deps
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
cat <<MSG

gdbhub is starting with config/examples/demo.json (Ctrl-C stops it and its VM).
The demo VM waits, halted at its first instruction. Attach from another terminal:

  gdb $top/build/tests/guests/demo.elf -ex 'target remote 127.0.0.1:1235'

then for example:  break add  /  continue  /  info args  /  next  /  continue
(or: target remote /tmp/gdbhub-demo.sock). The guest's serial output goes to
$top/build/demo-serial.log.

MSG
exec build/proxy/gdbhub serve -c config/examples/demo.json
