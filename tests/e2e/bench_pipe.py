#!/usr/bin/env python3
"""gdbhub-bench over a `| COMMAND` address: the daemon serves the spin guest on
unix sockets, and the bench reaches them through `| socat - UNIX-CONNECT:PATH`,
as gdb's `target remote | COMMAND` would.  Checks that the usual measurements
and a fan-out round both produce figures, and that no socat outlives the bench
(it reaps its commands).  Exit status: 0 pass, 1 fail, 77 skip.

usage: bench_pipe.py --gdbhub PATH --bench PATH --guests-dir DIR"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_test import unix_listening  # noqa: E402

SKIP = 77


def socats_for(path):
    """Live socat processes whose command line names path."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
            with open("/proc/%s/stat" % pid) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if argv and argv[0].endswith(b"socat") and path.encode() in b" ".join(argv) \
                and state not in ("Z", "X"):
            found.append(int(pid))
    return found


def bench(args, tmp, *extra):
    cmd = [args.bench, "--json", "--timeout", "20"] + list(extra)
    print("run: " + " ".join(repr(a) if " " in a else a for a in cmd), flush=True)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    print(p.stdout + p.stderr, flush=True)
    if p.returncode != 0:
        raise RuntimeError("gdbhub-bench exited with status %d" % p.returncode)
    return json.loads(p.stdout)


def expect(what, detail, cond):
    print("%s: %s: %s" % ("PASS" if cond else "FAIL", what, detail), flush=True)
    if not cond:
        raise RuntimeError(what)


def run(args, tmp):
    ctl, obs = os.path.join(tmp, "control.sock"), os.path.join(tmp, "observe.sock")
    config = {"runtime_dir": os.path.join(tmp, "run"), "targets": [{
        "name": "spin", "backend": "tcg", "arch": "i386",
        "kernel": os.path.join(args.guests_dir, "spin.elf"),
        "listen": [{"unix": ctl}, {"unix": obs, "role": "observe"}]}]}
    with open(os.path.join(tmp, "config.json"), "w") as f:
        json.dump(config, f)
    log = open(os.path.join(tmp, "gdbhub.log"), "wb")
    daemon = subprocess.Popen([args.gdbhub, "serve", "-c", os.path.join(tmp, "config.json")],
                              stdout=log, stderr=log, start_new_session=True)
    try:
        end = time.monotonic() + 20
        while not (unix_listening(ctl) and unix_listening(obs)):
            if daemon.poll() is not None or time.monotonic() > end:
                raise RuntimeError("the daemon's sockets never listened")
            time.sleep(0.05)
        r = bench(args, tmp, "--rounds", "50", "--steps", "50", "--bytes", "64k",
                  "| socat - UNIX-CONNECT:" + ctl)
        expect("the bench names the address it was given", r["address"],
               r["address"] == "| socat - UNIX-CONNECT:" + ctl)
        expect("g round trips measured", r["g_requests"], r["g_requests"] == 50)
        expect("steps measured", r["steps"], r["steps"] == 50 and r["steps_per_s"] > 0)
        expect("memory read measured", r["m_bytes"], r["m_bytes"] == 64 * 1024)
        expect("no error", r["error"], r["error"] is None)
        f = bench(args, tmp, "--fanout", "2", "--rounds", "5",
                  "--observe-address", "|socat - UNIX-CONNECT:" + obs,
                  "| socat - UNIX-CONNECT:" + ctl)
        expect("fan-out rounds measured over two commands", f["rounds"], f["rounds"] == 5)
        expect("no error in fan-out", f["error"], f["error"] is None)
        left = socats_for(ctl) + socats_for(obs)
        expect("no socat outlives the bench", left, left == [])
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait()
        log.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gdbhub", required=True)
    ap.add_argument("--bench", required=True)
    ap.add_argument("--guests-dir", required=True)
    args = ap.parse_args()
    for tool in ("socat", "qemu-system-i386"):
        if shutil.which(tool) is None:
            print("SKIP: %s not found" % tool)
            return SKIP
    tmp = tempfile.mkdtemp(prefix="gdbhub-bench-pipe-")
    try:
        run(args, tmp)
    except Exception as e:
        print("FAIL: %s" % e, flush=True)
        with open(os.path.join(tmp, "gdbhub.log"), errors="replace") as f:
            print("======== gdbhub stderr\n" + f.read(), flush=True)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS: bench over | COMMAND", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
