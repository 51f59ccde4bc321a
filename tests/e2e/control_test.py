#!/usr/bin/env python3
"""End-to-end tests of the control socket, `gdbhub ctl` and SIGHUP reloads,
with real gdb and real QEMU (TCG).

usage: control_test.py --gdbhub PATH --guests-dir DIR [--keep] CASE

  control_socket  target.add a second target with its own listener; gdb breaks
                  in it and reads a variable; target.remove ends that gdb's
                  session cleanly, its QEMU is gone and target.list no longer
                  shows it; client.kick drops a gdb and its breakpoint goes
                  with it (the guest runs to its normal exit); malformed and
                  unknown requests get error replies and the daemon serves on.
  control_reload  a config that fails to load changes nothing; a reload adds a
                  target new in the file and removes one gone from it, while
                  an existing gdb session goes on; gdb debugs the new target.
  control_record  record.start records the demo guest to its exit while the
                  daemon serves on (record.list: recording, then done with an
                  exact instruction count, end "exit", status 15, and the
                  folder's recording.json says the same); a recording still
                  running when the daemon stops is ended as at a limit and
                  its folder written; bad requests name the key at fault.

Every wait is for an event (a socket listening, a file, a reply, a log line),
polled, with generous limits. Exit status: 0 pass, 1 fail, 77 skip.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run_test import (children_named, is_live_qemu, kill_group, signal_file,  # noqa: E402
                      set_child_subreaper, unix_listening)

SCENARIOS = os.path.join(HERE, "scenarios")
SCRIPTS = os.path.join(HERE, "control")
HARD_TIMEOUT = 200   # s, the whole test
WAIT = 60            # s, for any one event
SKIP = 77


class Failure(Exception):
    pass


def log(msg):
    print("control_test: " + msg, flush=True)


class Test:
    def __init__(self, args):
        self.args = args
        self.deadline = time.monotonic() + HARD_TIMEOUT
        self.tmp = tempfile.mkdtemp(prefix="gdbhub-ctl-")
        self.config = os.path.join(self.tmp, "config.json")
        self.control = os.path.join(self.tmp, "ctl.sock")
        self.daemon_log = os.path.join(self.tmp, "gdbhub.log")
        self.daemon = None
        self.gdbs = []
        self.qemu_pids = set()

    # -- waiting

    def wait_for(self, what, cond, limit=WAIT):
        end = min(time.monotonic() + limit, self.deadline)
        while True:
            result = cond()
            if result:
                return result
            if self.daemon is not None and self.daemon.poll() is not None:
                raise Failure("%s: the daemon exited (status %d) first"
                              % (what, self.daemon.returncode))
            if time.monotonic() > end:
                raise Failure("%s: not within %d s" % (what, limit))
            time.sleep(0.05)

    def daemon_log_has(self, text):
        with open(self.daemon_log, errors="replace") as f:
            return text in f.read()

    # -- the daemon and its config

    def target(self, name, guest, listen=True):
        t = {"name": name, "backend": "tcg", "arch": "i386",
             "kernel": os.path.join(self.args.guests_dir, guest + ".elf"),
             "memory_mb": 64, "cpus": 1,
             "serial": os.path.join(self.tmp, name + "-serial.log")}
        if listen:
            t["listen"] = [{"unix": self.sock(name)}]
        return t

    def sock(self, name):
        return os.path.join(self.tmp, name + ".sock")

    def write_config(self, targets, text=None):
        config = {"runtime_dir": os.path.join(self.tmp, "run"), "control": self.control,
                  "targets": targets}
        with open(self.config + ".tmp", "w") as f:
            f.write(text if text is not None else json.dumps(config, indent=2))
        os.rename(self.config + ".tmp", self.config)

    def start_daemon(self, targets):
        self.write_config(targets)
        cmd = [self.args.gdbhub, "serve", "-c", self.config]
        log("starting " + " ".join(cmd))
        with open(self.daemon_log, "ab") as out:
            self.daemon = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                           stderr=out, start_new_session=True)
        self.wait_for("control socket listens", lambda: unix_listening(self.control))
        for t in targets:
            self.wait_for(t["name"] + " listens", lambda: unix_listening(self.sock(t["name"])))

    def stop_daemon(self):
        log("SIGTERM to the daemon")
        self.daemon.send_signal(signal.SIGTERM)
        try:
            rc = self.daemon.wait(20)
        except subprocess.TimeoutExpired:
            raise Failure("the daemon still runs 20 s after SIGTERM")
        if rc != 0:
            raise Failure("the daemon exited with status %d after SIGTERM" % rc)
        self.qemu_pids |= set(children_named("qemu"))
        alive = self.wait_gone(self.qemu_pids)
        if alive:
            raise Failure("QEMU outlived the daemon: %s" % alive)

    def wait_gone(self, pids, limit=10):
        end = time.monotonic() + limit
        alive = [p for p in pids if is_live_qemu(p)]
        while alive and time.monotonic() < end:
            time.sleep(0.05)
            alive = [p for p in pids if is_live_qemu(p)]
        return alive

    # -- gdbhub ctl

    def ctl(self, *args, expect=0, via_config=False):
        """Run gdbhub ctl --json; return the reply (parsed) of an ok or error reply.
        The socket is named with -s, or found in the config with via_config."""
        where = ["-c", self.config] if via_config else ["-s", self.control]
        cmd = [self.args.gdbhub, "ctl"] + where + ["--json"] + list(args)
        log("$ " + " ".join(cmd))
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=WAIT)
        log("  -> %d %s%s" % (p.returncode, p.stdout.strip(), p.stderr.strip()))
        if p.returncode != expect:
            raise Failure("gdbhub ctl %s: status %d, expected %d" % (args[0], p.returncode, expect))
        return json.loads(p.stdout) if p.stdout.strip() else None

    def targets(self):
        return {t["name"]: t for t in self.ctl("target.list")["targets"]}

    def expect(self, what, cond, detail=""):
        if not cond:
            raise Failure("%s %s" % (what, detail))
        log("ok: " + what)

    # -- gdb

    def start_gdb(self, label, script, sock, guest):
        gdb_log = os.path.join(self.tmp, "gdb-%s.log" % label)
        env = dict(os.environ)
        env.update({"GDBHUB_SOCK": sock, "GDBHUB_TMP": self.tmp,
                    "GDBHUB_ELF": os.path.join(self.args.guests_dir, guest + ".elf"),
                    "GDBHUB_READY": os.path.join(self.tmp, "ready-" + label),
                    "GDBHUB_GDB_LOG": gdb_log, "GDBHUB_DAEMON_LOG": self.daemon_log,
                    "GDBHUB_DIRECT": "0", "PYTHONDONTWRITEBYTECODE": "1",
                    "PYTHONPATH": os.pathsep.join(p for p in (SCENARIOS, os.environ.get("PYTHONPATH")) if p)})
        cmd = [self.args.gdb, "-batch", "-nx", "-x", os.path.join(SCRIPTS, script)]
        log("gdb %s: %s on %s" % (label, script, sock))
        with open(gdb_log, "ab") as out:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                    env=env, start_new_session=True)
        self.gdbs.append((label, proc, gdb_log))
        return proc

    def wait_signal(self, name, proc):
        path = os.path.join(self.tmp, "signal-" + name)

        def arrived():
            if proc.poll() is not None:
                raise Failure("gdb exited (status %d) before signalling %s"
                              % (proc.returncode, name))
            return os.path.exists(path)
        self.wait_for("gdb signals " + name, arrived)

    def signal(self, name):
        signal_file(self.tmp, name)

    def gdb_passes(self, label, proc):
        try:
            rc = proc.wait(max(1, min(WAIT * 2, self.deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            raise Failure("gdb %s hangs" % label)
        if rc != 0:
            raise Failure("gdb %s exited with status %d (failed checks)" % (label, rc))
        log("gdb %s passed" % label)

    # -- raw protocol

    def exchange(self, lines):
        """Send request lines on one connection; return the reply lines."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(WAIT)
            s.connect(self.control)
            try:
                s.sendall(b"".join(l + b"\n" for l in lines))
            except (BrokenPipeError, ConnectionResetError):
                pass    # a refused overlong line: the daemon hung up mid-send
            data = b""
            while data.count(b"\n") < len(lines):
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        return [json.loads(l) for l in data.decode().splitlines()]

    # -- the cases

    def case_control_socket(self):
        self.start_daemon([self.target("demo", "demo")])
        # target.add from a file; the new target gets its own listener.
        vm2 = self.target("vm2", "demo")
        vm2_file = os.path.join(self.tmp, "vm2.json")
        with open(vm2_file, "w") as f:
            json.dump(vm2, f)
        reply = self.ctl("target.add", "@" + vm2_file, via_config=True)
        self.expect("target.add names the target", reply["target"]["name"] == "vm2", reply)
        self.ctl("target.add", "@" + vm2_file, expect=1)       # the name is taken
        self.wait_for("vm2 listens", lambda: unix_listening(self.sock("vm2")))

        # gdb breaks in vm2 and reads a variable; stopped there, vm2 is removed.
        gdb_a = self.start_gdb("a", "remove_at_bp.py", self.sock("vm2"), "demo")
        self.wait_signal("at-bp", gdb_a)
        vm2 = self.targets()["vm2"]
        self.expect("vm2 is stopped with one client", vm2["state"] == "stopped" and
                    len(vm2["clients"]) == 1, vm2)
        qemu = vm2["pid"]
        self.qemu_pids.add(qemu)
        self.ctl("target.remove", "vm2")
        self.expect("vm2's QEMU is gone", not is_live_qemu(qemu), "pid %d" % qemu)
        self.expect("target.list no longer shows vm2", "vm2" not in self.targets())
        self.expect("vm2's listener is closed", not unix_listening(self.sock("vm2")))
        self.ctl("target.remove", "vm2", expect=1)
        self.signal("removed")
        self.gdb_passes("a", gdb_a)

        # client.kick: gdb b's breakpoint in add goes with it, so the demo guest,
        # left to run by its last controller, runs to its normal exit (15).
        gdb_b = self.start_gdb("b", "kicked.py", self.sock("demo"), "demo")
        self.wait_signal("armed", gdb_b)
        clients = self.ctl("client.list")["clients"]
        self.expect("client.list shows gdb b on demo", len(clients) == 1 and
                    clients[0]["current"] == "demo" and clients[0]["user"] == "" and
                    clients[0]["targets"] == [{"name": "demo", "role": "control"}], clients)
        self.qemu_pids.add(self.targets()["demo"]["pid"])
        self.ctl("client.kick", str(clients[0]["id"]))
        self.ctl("client.kick", str(clients[0]["id"]), expect=1)
        self.expect("client.list is empty", self.ctl("client.list")["clients"] == [])
        self.expect("the kicked client's breakpoint was removed",
                    self.daemon_log_has("detached from demo; 1 breakpoint(s) removed"))
        demo = self.wait_for("the demo guest exits", lambda: (
            lambda t: t if t["state"] == "exited" else None)(self.targets()["demo"]))
        self.expect("the guest ran to its normal exit (no breakpoint left)",
                    demo.get("exit_code") == 15, demo)
        self.signal("kicked")
        self.gdb_passes("b", gdb_b)

        # Malformed and unknown requests: error replies, the daemon serves on.
        replies = self.exchange([b"garbage", b'{"cmd": "target.frob"}', b"{\"cmd\":",
                                 b'{"cmd": "stats"}'])
        self.expect("four replies", len(replies) == 4, replies)
        self.expect("garbage is refused", replies[0]["ok"] is False and
                    "JSON syntax error" in replies[0]["error"], replies[0])
        self.expect("an unknown command is refused", replies[1]["ok"] is False and
                    "unknown command" in replies[1]["error"], replies[1])
        self.expect("a cut-off object is refused", replies[2]["ok"] is False, replies[2])
        self.expect("stats on the same connection", replies[3]["ok"] is True and
                    replies[3]["targets"] == 1 and replies[3]["rss_bytes"] > 0, replies[3])
        self.expect("a line over 1 MiB is refused",
                    self.exchange([b"x" * (1024 * 1024 + 10)])[0]["ok"] is False)
        self.ctl("stats")
        self.ctl("target.frob", expect=2)
        self.stop_daemon()

    def case_control_reload(self):
        demo, old = self.target("demo", "spin"), self.target("old", "spin")
        self.start_daemon([demo, old])
        self.qemu_pids |= {t["pid"] for t in self.targets().values()}
        old_pid = self.targets()["old"]["pid"]
        gdb_a = self.start_gdb("a", "reload_existing.py", self.sock("demo"), "spin")
        self.wait_signal("attached", gdb_a)

        # A config that does not load changes nothing.
        self.write_config(None, text="{ this is not JSON")
        self.daemon.send_signal(signal.SIGHUP)
        self.wait_for("the daemon reports the bad config",
                      lambda: self.daemon_log_has("nothing changed"))
        self.expect("both targets still run", sorted(self.targets()) == ["demo", "old"])

        # "old" leaves the file and "vm3" joins it.
        self.write_config([demo, self.target("vm3", "demo")])
        self.daemon.send_signal(signal.SIGHUP)
        self.wait_for("the reload is done", lambda: self.daemon_log_has("reload: done"))
        self.wait_for("vm3 listens", lambda: unix_listening(self.sock("vm3")))
        names = self.targets()
        self.expect("target.list after the reload", sorted(names) == ["demo", "vm3"], names)
        self.expect("old's QEMU is gone", not self.wait_gone([old_pid]), "pid %d" % old_pid)
        self.expect("demo kept its QEMU and its client",
                    names["demo"]["pid"] in self.qemu_pids and
                    len(names["demo"]["clients"]) == 1, names["demo"])
        self.qemu_pids.add(names["vm3"]["pid"])
        self.signal("reloaded")

        gdb_b = self.start_gdb("b", "break_on_new.py", self.sock("vm3"), "demo")
        self.gdb_passes("b", gdb_b)
        self.gdb_passes("a", gdb_a)
        self.stop_daemon()

    def recording(self, rid):
        return {r["id"]: r for r in self.ctl("record.list")["recordings"]}[rid]

    def case_control_record(self):
        self.start_daemon([self.target("demo", "demo"), self.target("spin", "spin")])
        self.qemu_pids |= {t["pid"] for t in self.targets().values()}
        out1 = os.path.join(self.tmp, "rec-demo")
        started = self.ctl("record.start", json.dumps({"target": "demo", "out": out1}))
        rec = started["recording"]
        self.expect("record.start answers at once, recording", rec["state"] == "recording" and
                    rec["target"] == "demo" and rec["out"] == out1, rec)
        done = self.wait_for("the demo recording ends", lambda: (
            lambda r: r if r["state"] != "recording" else None)(self.recording(rec["id"])))
        self.expect("it ended as the guest did", done["state"] == "done" and
                    done["end"] == "exit" and done["exit_status"] == 15 and
                    done["icount"] > 0 and done["icount_exact"] is True, done)
        with open(os.path.join(out1, "recording.json")) as f:
            meta = json.load(f)
        self.expect("recording.json agrees", meta["icount"] == done["icount"] and
                    meta["exit_status"] == 15 and meta["guest"]["name"] == "demo", meta)
        self.expect("the daemon's own demo target is untouched",
                    self.targets()["demo"]["state"] == "stopped")

        for spec, key in (({"target": "nope", "out": out1 + "x"}, "record.target"),
                          ({"target": "demo", "out": out1}, "record.out"),
                          ({"target": "demo", "out": "relative"}, "record.out"),
                          ({"target": "demo", "out": out1 + "y", "max_icount": 0},
                           "record.max_icount"),
                          ({"target": "demo", "out": out1 + "z", "speed": 1}, "record.speed")):
            err = self.ctl("record.start", json.dumps(spec), expect=1)
            self.expect("refused naming %s" % key, key in err["error"], err)

        # spin never ends by itself: the daemon's stop ends its recording.
        out2 = os.path.join(self.tmp, "rec-spin")
        rid = self.ctl("record.start", json.dumps({"target": "spin", "out": out2,
                                                   "max_seconds": 600}))["recording"]["id"]
        self.wait_for("spin is being recorded (its event log grows)", lambda: os.path.exists(
            os.path.join(out2, "replay.bin")) and os.path.getsize(os.path.join(out2, "replay.bin")) > 0)
        self.expect("still recording", self.recording(rid)["state"] == "recording")
        self.stop_daemon()
        with open(os.path.join(out2, "recording.json")) as f:
            meta = json.load(f)
        self.expect("the stopped recording was written, ended as at a limit",
                    meta["end"] == "limit" and meta["icount"] > 0, meta)

    def run(self):
        failure = None
        try:
            getattr(self, "case_" + self.args.case)()
        except (Failure, OSError, ValueError, KeyError, subprocess.TimeoutExpired) as e:
            failure = "%s: %s" % (type(e).__name__, e)
        finally:
            for _, proc, _ in self.gdbs:
                kill_group(proc)
            kill_group(self.daemon)
            for pid in self.qemu_pids | set(children_named("qemu")):
                if is_live_qemu(pid):
                    os.kill(pid, signal.SIGKILL)
        for label, _, path in self.gdbs:
            self.dump("gdb %s output" % label, path)
        if failure:
            self.dump("gdbhub stderr", self.daemon_log)
            print("======== FAIL: %s: %s" % (self.args.case, failure), flush=True)
        else:
            print("======== PASS: %s" % self.args.case, flush=True)
        if not self.args.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return failure is None

    @staticmethod
    def dump(title, path):
        print("======== %s (%s)" % (title, path))
        try:
            with open(path, errors="replace") as f:
                sys.stdout.write(f.read() or "(empty)\n")
        except OSError:
            print("(no such file)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gdbhub", required=True)
    ap.add_argument("--guests-dir", required=True)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--gdb", default=shutil.which("gdb"))
    ap.add_argument("case", choices=["control_socket", "control_reload", "control_record"])
    args = ap.parse_args()
    if not args.gdb or not shutil.which("qemu-system-i386"):
        print("SKIP: gdb or qemu-system-i386 not found")
        return SKIP
    args.gdbhub = os.path.abspath(args.gdbhub)
    args.guests_dir = os.path.abspath(args.guests_dir)
    set_child_subreaper()
    return 0 if Test(args).run() else 1


if __name__ == "__main__":
    sys.exit(main())
