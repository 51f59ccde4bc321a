#!/usr/bin/env python3
"""20 consecutive reverse-stepi (`bs`) near the end of a long recording:
through gdbhub (gdbhub-replay's checkpoints) and through QEMU's own gdbstub
(only the recording's init snapshot), alternating A B A B, one RSP client
over unix sockets on each, everything pinned to one core (run it under
`taskset -c 0`; the daemon and the QEMUs inherit it).

usage: taskset -c 0 bench/replay_reverse_stepi.py --gdbhub build/proxy/gdbhub --recording DIR
       [--back 1000] [--steps 20] [--only gdbhub|qemu]

DIR is a `gdbhub record` folder (e.g. spin.elf with --max-icount 1000000000).
Both start at icount END-back (gdbhub: monitor replay seek; QEMU:
replay-break + cont before gdb connects). Prints each latency, the median
and the first of each."""
import argparse, json, os, shutil, socket, statistics, subprocess, sys, tempfile, time


class Rsp:
    def __init__(s, path):
        for _ in range(500):
            try:
                s.sock = socket.socket(socket.AF_UNIX)
                s.sock.connect(path)
                break
            except OSError:
                time.sleep(0.01)
        s.buf = b""

    def _packet(s):
        while True:
            i = s.buf.find(b"$")
            j = s.buf.find(b"#", i)
            if i >= 0 and j >= 0 and len(s.buf) >= j + 3:
                p, s.buf = s.buf[i + 1:j], s.buf[j + 3:]
                s.sock.sendall(b"+")
                return p.decode()
            s.buf += s.sock.recv(65536)

    def call(s, payload):
        s.sock.sendall(b"$%s#%02x" % (payload.encode(), sum(payload.encode()) % 256))
        p = s._packet()
        while p.startswith("O") and p != "OK":
            p = s._packet()
        return p


def check(reply, what):
    if "error" in reply:
        sys.exit("QMP %s: %s" % (what, reply["error"]))
    return reply


def qmp(path):
    for _ in range(500):
        try:
            f = socket.socket(socket.AF_UNIX)
            f.connect(path)
            break
        except OSError:
            time.sleep(0.01)
    r = f.makefile("rw")
    r.readline()

    def cmd(c, **a):
        r.write(json.dumps({"execute": c, "arguments": a}) + "\n")
        r.flush()
        while True:
            m = json.loads(r.readline())
            if "return" in m or "error" in m:
                return m
            if m.get("event") == "STOP":
                cmd.stopped = True
    cmd.stopped = False
    check(cmd("qmp_capabilities"), "qmp_capabilities")

    def wait_stop():
        while not cmd.stopped:
            m = json.loads(r.readline())
            cmd.stopped = m.get("event") == "STOP"
    return cmd, wait_stop


def start_gdbhub(args, tmp, at):
    cfg = os.path.join(tmp, "hub.json")
    sock = os.path.join(tmp, "hub.sock")
    with open(cfg, "w") as f:
        json.dump({"runtime_dir": os.path.join(tmp, "run"), "targets": [{
            "name": "rec", "backend": "replay", "recording": args.recording,
            "listen": [{"unix": sock}]}]}, f)
    proc = subprocess.Popen([args.gdbhub, "serve", "-c", cfg], stderr=open(os.path.join(tmp, "hub.log"), "w"))
    c = Rsp(sock)
    c.call("qSupported:multiprocess+;swbreak+;hwbreak+")
    c.call("?")
    c.call("qRcmd," + ("replay seek %d" % at).encode().hex())
    return proc, c


def start_qemu(args, tmp, rec, at):
    disk = os.path.join(tmp, "qemu.qcow2")
    shutil.copy(os.path.join(args.recording, "disk.qcow2"), disk)
    q, g = os.path.join(tmp, "q.sock"), os.path.join(tmp, "g.sock")
    argv = [a for a in rec["qemu_command"]]
    out, skip = [], 0
    for i, a in enumerate(argv):  # the recording's line, replaying, with our sockets
        if skip:
            skip -= 1
            continue
        if a in ("-chardev", "-gdb", "-mon", "-pidfile", "-drive"):
            skip = 1
            continue
        if a.startswith("shift="):
            a = a.replace("rr=record", "rr=replay")
        if a.startswith("file:"):
            a = "null"
        out.append(a)
    out[0] = "/usr/libexec/" + os.path.basename(out[0]) if os.path.exists("/usr/libexec/" + os.path.basename(out[0])) else out[0]
    out += ["-drive", "file=%s,if=none,id=rr-disk" % disk,
            "-drive", "driver=blkreplay,if=none,image=rr-disk,id=rr-blk",
            "-qmp", "unix:%s,server=on,wait=off" % q, "-gdb", "unix:%s,server=on,wait=off" % g]
    env = dict(os.environ)
    env.pop("MALLOC_PERTURB_", None)
    proc = subprocess.Popen(out, env=env)
    cmd, wait_stop = qmp(q)
    check(cmd("replay-break", icount=at), "replay-break")
    check(cmd("cont"), "cont")
    wait_stop()
    c = Rsp(g)
    c.call("qSupported:multiprocess+")
    c.call("?")
    return proc, c, cmd


def bs(c):
    t = time.perf_counter()
    r = c.call("bs")
    dt = time.perf_counter() - t
    if not r.startswith(("T", "S")):
        sys.exit("bs answered %r" % r)
    return dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gdbhub", required=True)
    ap.add_argument("--recording", required=True)
    ap.add_argument("--back", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--only", choices=["gdbhub", "qemu"],
                    help="one side alone, its steps back to back (alternating leaves "
                         "gdbhub-replay a QEMU step's time to start its spare)")
    args = ap.parse_args()
    args.recording = os.path.abspath(args.recording)
    rec = json.load(open(os.path.join(args.recording, "recording.json")))
    at = rec["icount"] - args.back
    tmp = tempfile.mkdtemp(prefix="bench-rr-")
    print("recording %s: %d instructions; both start at icount %d; affinity %s"
          % (args.recording, rec["icount"], at, sorted(os.sched_getaffinity(0))))
    sides = ["gdbhub", "qemu"] if args.only is None else [args.only]
    hub = qemu = qcmd = None
    clients = {}
    if "gdbhub" in sides:
        hub, clients["gdbhub"] = start_gdbhub(args, tmp, at)
    if "qemu" in sides:
        qemu, clients["qemu"], qcmd = start_qemu(args, tmp, rec, at)
    res = {k: [] for k in sides}
    try:
        for i in range(args.steps):
            for k in sides:
                res[k].append(bs(clients[k]))
            print("step %2d: " % (i + 1) + "   ".join(
                "%s %7.1f ms" % (k, res[k][-1] * 1e3) for k in sides), flush=True)
    finally:
        if qemu is not None:
            try:
                qcmd("quit")
            except Exception:
                pass
            qemu.kill()
        if hub is not None:
            hub.terminate()
            hub.wait()
    for k, v in res.items():
        print("%-7s median %7.1f ms  first %7.1f ms  (n=%d)"
              % (k, statistics.median(v) * 1e3, v[0] * 1e3, len(v)))
    if len(sides) == 2:
        print("median ratio qemu/gdbhub %.1f"
              % statistics.median(q / h for q, h in zip(res["qemu"], res["gdbhub"])))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
