#!/usr/bin/env python3
"""How a kvm target fails to start: the daemon must say why and exit 1.

usage: kvm_launch_test.py --gdbhub PATH --guests-dir DIR [--keep]

Which failure depends on the machine, so the test checks the one it can:
  no usable /dev/kvm  the daemon names /dev/kvm and the error, e.g.
                      "target demo: cannot open /dev/kvm: No such file or
                      directory", before it makes the stub's socket
  /dev/kvm usable     GDBHUB_KVM names a file that does not exist: the daemon
                      reports the exec failure at once ("cannot run PATH: No
                      such file or directory"), not a stub that never answers
Either way no socket is left in the runtime folder and nothing is spawned
that outlives the daemon.  Exit status: 0 pass, 1 fail.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from kvm_test import kvm_usable  # noqa: E402

TIMEOUT = 30   # s: the daemon fails at start-up, long before this


def log(msg):
    print("kvm_launch_test: " + msg, flush=True)


def run_daemon(gdbhub, tmp, elf, env):
    """Start the daemon on a one-kvm-target config; return (status, stderr)."""
    run_dir = os.path.join(tmp, "run")
    config = {"runtime_dir": run_dir, "targets": [
        {"name": "demo", "backend": "kvm", "arch": "i386", "kernel": elf,
         "listen": [{"unix": os.path.join(tmp, "demo.sock")}]}]}
    path = os.path.join(tmp, "config.json")
    with open(path, "w") as f:
        json.dump(config, f)
    proc = subprocess.run([gdbhub, "serve", "-c", path], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, env=env, timeout=TIMEOUT)
    log("daemon exited with status %d; its stderr:\n%s" % (proc.returncode, proc.stderr))
    return proc.returncode, proc.stderr


def check(failures, what, ok):
    print("%s: %s" % ("PASS" if ok else "FAIL", what), flush=True)
    if not ok:
        failures.append(what)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gdbhub", required=True)
    ap.add_argument("--guests-dir", required=True)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="gdbhub-kvmlaunch-")
    env = dict(os.environ)
    why = kvm_usable()
    if why is None:
        bogus = os.path.join(tmp, "no-such-gdbhub-kvm")
        env["GDBHUB_KVM"] = bogus
        log("/dev/kvm is usable: checking an exec failure (GDBHUB_KVM=%s)" % bogus)
        expected = "target demo: cannot run %s: No such file or directory" % bogus
    else:
        log("/dev/kvm is not usable (%s): checking that the daemon says so" % why)
        expected = "target demo: cannot open /dev/kvm: %s" % why
    failures = []
    try:
        status, stderr = run_daemon(os.path.abspath(args.gdbhub), tmp,
                                    os.path.join(os.path.abspath(args.guests_dir), "demo.elf"),
                                    env)
        check(failures, "the daemon exits with status 1", status == 1)
        check(failures, "its error names the cause: %r" % expected, expected in stderr)
        left = [n for n in os.listdir(os.path.join(tmp, "run")) if n.endswith(".sock")] \
            if os.path.isdir(os.path.join(tmp, "run")) else []
        check(failures, "no socket left in the runtime folder (%s)" % left, not left)
    except subprocess.TimeoutExpired:
        check(failures, "the daemon exits within %d s" % TIMEOUT, False)
    if args.keep:
        log("scratch directory kept: " + tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    print("======== %s: kvm_launch" % ("FAIL" if failures else "PASS"), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
