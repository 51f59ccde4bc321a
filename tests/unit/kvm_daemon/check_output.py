#!/usr/bin/env python3
"""`gdbhub check` on kvm targets: each prints as kvm with its architecture,
kernel, vCPUs and memory (defaults filled in), beside tcg and remote
targets, and exits 0.

usage: check_output.py GDBHUB

Exit status: 0 pass, 1 fail (what differed is printed).
"""

import json
import os
import subprocess
import sys
import tempfile


def targets(folder):
    """The config's targets, and the line `gdbhub check` must print for each."""
    kernel = os.path.join(folder, "k.elf")
    return [
        ({"name": "full", "backend": "kvm", "arch": "x86_64", "kernel": "k.elf",
          "cmdline": "console=ttyS0", "memory_mb": 128, "cpus": 4, "serial": "full.log"},
         "target full: kvm x86_64, kernel %s, 4 cpus, 128 MiB" % kernel),
        ({"name": "least", "backend": "kvm", "arch": "i386", "kernel": kernel},
         "target least: kvm i386, kernel %s, 1 cpu, 64 MiB" % kernel),
        ({"name": "q", "backend": "tcg", "arch": "i386", "kernel": "k.elf", "cpus": 2},
         "target q: tcg i386, kernel %s, 2 cpus, 64 MiB" % kernel),
        ({"name": "r", "backend": "remote", "gdb": "unix:stub.sock"},
         "target r: remote unix:%s" % os.path.join(folder, "stub.sock")),
    ]


def main():
    gdbhub = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="gdbhub-check-") as folder:
        with open(os.path.join(folder, "k.elf"), "wb") as f:
            f.write(b"\x7fELF")
        pairs = targets(folder)
        path = os.path.join(folder, "config.json")
        with open(path, "w") as f:
            json.dump({"targets": [t for t, _ in pairs]}, f)
        proc = subprocess.run([gdbhub, "check", "-c", path], capture_output=True, text=True)
    want = "".join(line + "\n" for _, line in pairs)
    failed = 0
    if proc.returncode != 0:
        print("FAIL: exit status %d, expected 0; stderr:\n%s" % (proc.returncode, proc.stderr))
        failed += 1
    if proc.stdout != want:
        print("FAIL: gdbhub check printed:\n%s\nexpected:\n%s" % (proc.stdout, want))
        failed += 1
    if not failed:
        print("PASS: gdbhub check printed:\n" + proc.stdout, end="")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
