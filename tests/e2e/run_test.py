#!/usr/bin/env python3
"""Run one gdbhub end-to-end test: a real gdb drives a real QEMU through the daemon.

usage: run_test.py --gdbhub PATH --guests-dir DIR [--direct] [--keep] TESTNAME

The runner makes a scratch directory, writes a config with one target "demo",
starts `gdbhub serve -c CONFIG`, waits until the target's socket listens, then
runs `gdb -batch -nx -x scenarios/TESTNAME.py` once per phase of the test (see
SPECS).  A test with "clients" instead runs several gdbs at the same time, one
per client, each `scenarios/TESTNAME_CLIENT.py` on a listener of its own.  The
test passes when every gdb that should exit 0 did, the daemon exits 0 within
SHUTDOWN_TIMEOUT of SIGTERM, and no QEMU it started is alive.

--direct starts QEMU with its own gdbstub on the target socket instead of the
daemon: it checks the scenarios themselves against QEMU (tests marked
direct=False are skipped).  Exit status: 0 pass, 1 fail, 77 skip.

By hand, from the source tree:
  tests/e2e/run_test.py --gdbhub build/proxy/gdbhub --guests-dir build/tests/guests tcp_listener
  tests/e2e/run_test.py --direct --guests-dir build/tests/guests --keep memory_bulk
"""

import argparse
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIOS = os.path.join(HERE, "scenarios")

HARD_TIMEOUT = 90      # s, the whole test: startup, every gdb session, shutdown
STARTUP_TIMEOUT = 20   # s, until the target's socket listens
SHUTDOWN_TIMEOUT = 10  # s, from SIGTERM until the daemon has exited
ACTION_DELAY = 1.0     # s, after a scenario says ready(), before the runner acts
SKIP = 77

TARGET = "demo"        # the config's target name, whatever the guest

# What each test needs from the runner.
#   guest    "demo" or "spin": which guest ELF the target boots
#   phases   one gdb session per entry, in order, each running
#            scenarios/TESTNAME.py with GDBHUB_PHASE = its index:
#              "ok"         gdb must exit 0
#              "kill_gdb"   once the script calls ready(), wait ACTION_DELAY
#                           and kill -9 this gdb (it must still be running)
#              "kill_qemu"  once the script calls ready(), wait ACTION_DELAY
#                           and kill -9 the daemon's QEMU; gdb must exit 0
#   backend  "tcg": the daemon spawns QEMU; "remote": the runner starts QEMU
#            with its gdbstub on a socket and the daemon attaches to it
#   tcp      the target also gets a TCP listener (GDBHUB_TCP)
#   hub      the config also gets a top-level (hub) unix listener, and gdb
#            connects there (GDBHUB_SOCK) instead of the target's own socket
#   chain    a second daemon, B, serves one target "via-a": backend "remote"
#            on the first daemon's target socket, with a unix listener of its
#            own, which is where gdb connects (GDBHUB_SOCK); both daemons
#            must exit 0 on SIGTERM
#   direct   False: meaningless without the daemon, skipped with --direct
#   clients  {NAME: ROLE, ...}: instead of phases, one gdb per client, all started
#            at once, running scenarios/TESTNAME_NAME.py (GDBHUB_CLIENT = NAME).
#            Each connects to a unix listener of its own, NAME.sock, whose
#            "role" is ROLE ("control" or "observe").  The scripts synchronise
#            through files in the scratch directory (check.signal/wait_for).
#            If one gdb fails, the runner signals "abort" so the others stop
#            waiting.  Such tests need the daemon (direct is forced False).
#   kill     NAME of a client: once its script calls ready(), wait ACTION_DELAY,
#            kill -9 that gdb, and signal "NAME-killed"
#   target   extra keys for the config's target, e.g. {"on_last_detach": "stay"}
#   second   a second target, "second", running spin.elf (process 2 to gdb);
#            with hub, clients on the hub socket choose between the two
#   audit    the config sets "audit_log" to audit.log in the scratch directory
#            (GDBHUB_AUDIT); the scenarios check what it holds. A string: that
#            path instead ("/dev/full": a log no line can be written to)
SPECS = {
    "no_ack_packets":   {},
    "non_stop":         {"guest": "spin", "direct": False},
    "vanish":           {"guest": "spin", "phases": ["kill_gdb", "ok"]},
    "qemu_dies":        {"guest": "spin", "phases": ["kill_qemu"], "direct": False},
    "remote_backend":   {"backend": "remote"},
    "tcp_listener":     {"tcp": True},
    "memory_bulk":      {},
    "garbage_resilience": {"direct": False},
    "hub_listener":     {"hub": True},
    "chained_daemons":  {"chain": True, "direct": False},
    "detach_resumes":   {"guest": "spin", "phases": ["ok", "ok"]},
    "shared_three":     {"clients": {"a": "control", "b": "control", "c": "observe"}},
    "floor_and_fanout": {"guest": "spin",
                         "clients": {"a": "control", "b": "control", "c": "observe"}},
    "kill_controller_at_bp": {"clients": {"a": "control", "b": "control"}, "kill": "a"},
    "observer_cannot_break": {"clients": {"a": "control", "c": "observe"}},
    "stay_on_last_detach": {"guest": "spin", "phases": ["ok", "ok"], "direct": False,
                            "target": {"on_last_detach": "stay"}},
    "extended_select":  {"hub": True, "second": True, "direct": False},
    "two_inferiors":    {"hub": True, "second": True, "direct": False},
    "stalled_client":   {"guest": "spin", "direct": False},
    "last_controller_leaves": {"guest": "spin",
                               "clients": {"a": "control", "c": "observe"}},
    "audit_log":        {"clients": {"a": "control", "c": "observe"}, "audit": True},
    "audit_unwritable": {"audit": "/dev/full", "direct": False},
}
DEFAULTS = {"guest": "demo", "phases": ["ok"], "backend": "tcg", "tcp": False,
            "hub": False, "chain": False, "direct": True, "clients": {}, "kill": None,
            "target": {}, "second": False, "audit": False}


class Failure(Exception):
    pass


def log(msg):
    print("run_test: " + msg, flush=True)


# ---------------------------------------------------------------- processes

def set_child_subreaper():
    """QEMUs the daemon orphans become our children: we can see and kill them."""
    PR_SET_CHILD_SUBREAPER = 36
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def proc_state(pid):
    """'R', 'S', 'Z', ... or None if there is no such process."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def is_live_qemu(pid):
    if proc_state(pid) in (None, "Z", "X"):
        return False
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return b"qemu" in f.read()
    except OSError:
        return False


def children_of(parent, keep):
    """Live processes whose parent is parent and for whose name keep(comm)
    holds."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        comm = stat[stat.find("(") + 1:stat.rfind(")")]
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == parent and keep(comm) and fields[0] not in ("Z", "X"):
            found.append(int(entry))
    return found


def children_named(substr):
    """Live processes whose parent is this runner and whose name has substr."""
    return children_of(os.getpid(), lambda comm: substr in comm)


def kill_group(proc):
    """SIGKILL a process we started in its own session, and its group."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        pass


# ---------------------------------------------------------------- sockets

def unix_listening(path):
    """True once a unix socket bound to path is in the listening state."""
    try:
        with open("/proc/net/unix") as f:
            next(f)
            for line in f:
                fields = line.split()
                # Num RefCount Protocol Flags Type St Inode [Path]
                if len(fields) >= 8 and fields[7] == path and int(fields[3], 16) & 0x10000:
                    return True
    except OSError:
        pass
    return False


def tcp_listening(port):
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                        return True
        except OSError:
            pass
    return False


def signal_file(tmp, name):
    """Create the file check.wait_for(name) waits for, in the test's folder."""
    path = os.path.join(tmp, "signal-" + name)
    with open(path + ".tmp", "w") as f:
        f.write("runner\n")
    os.rename(path + ".tmp", path)
    log("signalled " + name)


def free_tcp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- the test

class Test:
    def __init__(self, args, name, spec):
        self.args = args
        self.name = name
        self.spec = spec
        self.direct = args.direct
        self.deadline = time.monotonic() + HARD_TIMEOUT
        # Short path: unix socket paths are limited to 107 bytes.
        self.tmp = tempfile.mkdtemp(prefix="gdbhub-e2e-")
        self.run_dir = os.path.join(self.tmp, "run")
        os.mkdir(self.run_dir)
        self.sock = os.path.join(self.tmp, TARGET + ".sock")
        self.serial = os.path.join(self.tmp, "serial.log")
        self.config = os.path.join(self.tmp, "config.json")
        self.daemon_log = os.path.join(self.tmp, "gdbhub.log")
        self.qemu_log = os.path.join(self.tmp, "qemu.log")
        self.pidfile = os.path.join(self.run_dir, TARGET + ".qemu.pid")
        self.audit = spec["audit"] if isinstance(spec["audit"], str) else \
            os.path.join(self.tmp, "audit.log") if spec["audit"] else None
        self.elf = os.path.join(args.guests_dir, spec["guest"] + ".elf")
        self.port = free_tcp_port() if spec["tcp"] else None
        self.hub_sock = os.path.join(self.tmp, "hub.sock") if spec["hub"] else None
        # The second daemon (spec "chain"): its config, log and target socket.
        self.chain_sock = os.path.join(self.tmp, "via-a.sock") if spec["chain"] else None
        self.chain_config = os.path.join(self.tmp, "config-b.json")
        self.chain_log = os.path.join(self.tmp, "gdbhub-b.log")
        self.daemon = None
        self.daemon_b = None     # the second daemon (spec "chain")
        self.qemu = None         # a QEMU the runner started itself
        self.gdbs = []           # (phase index or client name, Popen, log path)
        self.daemon_qemus = []   # pids seen in the daemon's pidfile, in order
        self.watching = False

    # -- time

    def remaining(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise Failure("hard timeout: the test took more than %d s" % HARD_TIMEOUT)
        return left

    def wait_for(self, what, cond, limit, proc=None):
        """Poll cond() until true, within limit s and the hard timeout."""
        end = time.monotonic() + limit
        while not cond():
            if proc is not None and proc.poll() is not None:
                raise Failure("%s: process %d exited (status %s) first"
                              % (what, proc.pid, proc.returncode))
            self.remaining()
            if time.monotonic() > end:
                raise Failure("%s: not within %d s" % (what, limit))
            time.sleep(0.05)

    def wait_proc(self, proc, what, limit=None):
        limit = self.remaining() if limit is None else min(limit, self.remaining())
        try:
            return proc.wait(limit)
        except subprocess.TimeoutExpired:
            self.remaining()
            raise Failure("%s: still running after %d s" % (what, limit))

    # -- QEMU started by the runner (--direct, backend "remote")

    def start_own_qemu(self, gdb_dev):
        cmd = [self.args.qemu, "-kernel", self.elf, "-m", "64", "-smp", "1", "-S",
               "-gdb", gdb_dev,
               "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
               "-display", "none", "-nodefaults", "-serial", "file:" + self.serial]
        log("starting " + " ".join(cmd))
        with open(self.qemu_log, "ab") as out:
            self.qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=out, start_new_session=True)

    # -- the daemon

    def client_sock_of(self, name):
        """The listener of client NAME (spec "clients")."""
        return os.path.join(self.tmp, name + ".sock")

    def write_config(self, target):
        listen = [{"unix": self.sock}]
        if self.port:
            listen.append({"tcp": "127.0.0.1:%d" % self.port})
        for name, role in self.spec["clients"].items():
            listen.append({"unix": self.client_sock_of(name), "role": role})
        target = dict(name=TARGET, **target, **self.spec["target"], listen=listen)
        hub_listen = [{"unix": self.hub_sock}] if self.hub_sock else []
        targets = [target]
        if self.spec["second"]:
            targets.append({"name": "second", "backend": "tcg", "arch": "i386",
                            "kernel": os.path.join(self.args.guests_dir, "spin.elf"),
                            "memory_mb": 64, "cpus": 1})
        config = {"runtime_dir": self.run_dir, "listen": hub_listen, "targets": targets}
        if self.audit:
            config["audit_log"] = self.audit
        with open(self.config, "w") as f:
            json.dump(config, f, indent=2)
        log("config:\n" + json.dumps(config, indent=2))

    def spawn_daemon(self, config, log_path):
        cmd = [self.args.gdbhub, "serve", "-c", config]
        log("starting " + " ".join(cmd))
        with open(log_path, "ab") as out:
            return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=out, start_new_session=True)

    def start_daemon(self):
        if self.spec["backend"] == "remote":
            upstream = os.path.join(self.tmp, "qemu-gdb.sock")
            self.start_own_qemu("unix:%s,server=on,wait=off" % upstream)
            self.wait_for("QEMU's gdbstub listens on " + upstream,
                          lambda: unix_listening(upstream), STARTUP_TIMEOUT, self.qemu)
            self.write_config({"backend": "remote", "gdb": "unix:" + upstream})
        else:
            self.write_config({"backend": "tcg", "arch": "i386", "kernel": self.elf,
                               "memory_mb": 64, "cpus": 1, "serial": self.serial})
        self.daemon = self.spawn_daemon(self.config, self.daemon_log)
        self.watching = True
        threading.Thread(target=self.watch_pidfile, daemon=True).start()

    def watch_pidfile(self):
        """Remember every QEMU pid the daemon writes to its pidfile."""
        while self.watching:
            try:
                with open(self.pidfile) as f:
                    pid = int(f.read().strip() or 0)
                if pid and pid not in self.daemon_qemus and is_live_qemu(pid):
                    self.daemon_qemus.append(pid)
                    log("daemon's QEMU is pid %d" % pid)
            except (OSError, ValueError):
                pass
            time.sleep(0.05)

    def start_daemon_b(self):
        """Spec "chain": daemon B, whose only target is daemon A's target."""
        run_b = os.path.join(self.tmp, "run-b")
        os.mkdir(run_b)
        target = {"name": "via-a", "backend": "remote", "gdb": "unix:" + self.sock,
                  "listen": [{"unix": self.chain_sock}]}
        config = {"runtime_dir": run_b, "listen": [], "targets": [target]}
        with open(self.chain_config, "w") as f:
            json.dump(config, f, indent=2)
        log("config of daemon B:\n" + json.dumps(config, indent=2))
        self.daemon_b = self.spawn_daemon(self.chain_config, self.chain_log)
        self.wait_for("daemon B's socket %s listens" % self.chain_sock,
                      lambda: unix_listening(self.chain_sock), STARTUP_TIMEOUT, self.daemon_b)

    def client_sock(self):
        """The unix socket gdb connects to (GDBHUB_SOCK)."""
        if self.direct:
            return self.sock
        return self.chain_sock or self.hub_sock or self.sock

    def start(self):
        if self.direct:
            if self.port:
                self.start_own_qemu("tcp:127.0.0.1:%d" % self.port)
            else:
                self.start_own_qemu("unix:%s,server=on,wait=off" % self.sock)
            proc = self.qemu
        else:
            self.start_daemon()
            proc = self.daemon
        if not (self.direct and self.port):
            self.wait_for("target socket %s listens" % self.sock,
                          lambda: unix_listening(self.sock), STARTUP_TIMEOUT, proc)
        if self.port:
            self.wait_for("target TCP port %d listens" % self.port,
                          lambda: tcp_listening(self.port), STARTUP_TIMEOUT, proc)
        if self.hub_sock and not self.direct:
            self.wait_for("hub socket %s listens" % self.hub_sock,
                          lambda: unix_listening(self.hub_sock), STARTUP_TIMEOUT, proc)
        if self.chain_sock and not self.direct:
            self.start_daemon_b()
        for name in self.spec["clients"]:
            path = self.client_sock_of(name)
            self.wait_for("client %s's socket %s listens" % (name, path),
                          lambda: unix_listening(path), STARTUP_TIMEOUT, proc)

    def stop_one_daemon(self, proc, name):
        if proc.poll() is not None:
            raise Failure("%s exited during the test (status %d)" % (name, proc.returncode))
        log("SIGTERM to %s (pid %d)" % (name, proc.pid))
        proc.send_signal(signal.SIGTERM)
        rc = self.wait_proc(proc, name + " after SIGTERM", SHUTDOWN_TIMEOUT)
        if rc != 0:
            raise Failure("%s exited with status %d after SIGTERM, expected 0" % (name, rc))
        log("%s exited 0" % name)

    def stop_daemon(self):
        # B first: it is A's client, as a debugger would be.
        if self.daemon_b is not None:
            self.stop_one_daemon(self.daemon_b, "daemon B")
        self.stop_one_daemon(self.daemon, "the daemon")

    def check_no_qemu_left(self):
        """No QEMU the daemon started may outlive it."""
        self.watching = False
        suspects = set(self.daemon_qemus) | set(children_named("qemu"))
        if self.qemu is not None:
            suspects.discard(self.qemu.pid)
        if self.spec["backend"] == "tcg" and not self.daemon_qemus:
            log("note: never saw a pid in " + self.pidfile)
        end = time.monotonic() + 5
        alive = [p for p in suspects if is_live_qemu(p)]
        while alive and time.monotonic() < end:
            time.sleep(0.05)
            alive = [p for p in suspects if is_live_qemu(p)]
        for pid in suspects:
            try:
                os.waitpid(pid, os.WNOHANG)   # reap it if it was reparented to us
            except ChildProcessError:
                pass
        if alive:
            for pid in alive:
                os.kill(pid, signal.SIGKILL)
            raise Failure("QEMU still alive 5 s after the daemon exited: pid %s" % alive)
        log("no QEMU left (daemon's QEMU pids: %s)" % (self.daemon_qemus or "none seen"))

    def check_own_qemu(self):
        """Direct mode or backend "remote": the QEMU the runner started itself."""
        expect_file = os.path.join(self.tmp, "expect-qemu-status")
        if os.path.exists(expect_file):
            with open(expect_file) as f:
                expected = int(f.read())
            rc = self.wait_proc(self.qemu, "QEMU after the guest's exit", 10)
            if rc != expected:
                raise Failure("QEMU exited with status %d, expected %d" % (rc, expected))
            log("QEMU exited with status %d, as expected" % rc)
        elif self.qemu.poll() is None:
            self.qemu.terminate()
            self.wait_proc(self.qemu, "QEMU after SIGTERM", 10)

    # -- gdb sessions

    def start_gdb(self, label, script, sock, extra_env):
        """Start one gdb running script against sock; return (Popen, ready file)."""
        gdb_log = os.path.join(self.tmp, "gdb-%s.log" % label)
        ready = os.path.join(self.tmp, "ready-%s" % label)
        env = dict(os.environ)
        env.update(extra_env)
        env.update({
            "GDBHUB_SOCK": sock,
            "GDBHUB_ELF": self.elf,
            "GDBHUB_TMP": self.tmp,
            "GDBHUB_READY": ready,
            "GDBHUB_GDB_LOG": gdb_log,
            "GDBHUB_DAEMON_LOG": self.daemon_log,
            "GDBHUB_DIRECT": "1" if self.direct else "0",
            "GDBHUB_EXIT_STATUS_KNOWN": "0" if self.spec["backend"] == "remote" else "1",
            "PYTHONDONTWRITEBYTECODE": "1",   # keep the source tree clean
        })
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (SCENARIOS, os.environ.get("PYTHONPATH")) if p)
        if self.port:
            env["GDBHUB_TCP"] = "127.0.0.1:%d" % self.port
        if self.audit:
            env["GDBHUB_AUDIT"] = self.audit
        cmd = [self.args.gdb, "-batch", "-nx", "-x", script]
        log("gdb %s: %s" % (label, " ".join(cmd)))
        with open(gdb_log, "ab") as out:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                    env=env, start_new_session=True)
        self.gdbs.append((label, proc, gdb_log))
        return proc, ready

    def run_gdb(self, index, phase):
        log("gdb session %d (%s)" % (index, phase))
        proc, ready = self.start_gdb(str(index), os.path.join(SCENARIOS, self.name + ".py"),
                                     self.client_sock(), {"GDBHUB_PHASE": str(index)})

        if phase in ("kill_gdb", "kill_qemu"):
            self.wait_for("gdb session %d signals ready" % index,
                          lambda: os.path.exists(ready), self.remaining(), proc)
            time.sleep(ACTION_DELAY)
            if proc.poll() is not None:
                raise Failure("gdb session %d exited (status %d) before the runner acted"
                              % (index, proc.returncode))
        if phase == "kill_gdb":
            log("kill -9 gdb session %d (pid %d)" % (index, proc.pid))
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return
        if phase == "kill_qemu":
            if not self.daemon_qemus:
                raise Failure("no QEMU pid in " + self.pidfile)
            pid = self.daemon_qemus[-1]
            log("kill -9 the daemon's QEMU (pid %d)" % pid)
            os.kill(pid, signal.SIGKILL)
        rc = self.wait_proc(proc, "gdb session %d" % index)
        if rc != 0:
            raise Failure("gdb session %d exited with status %d (number of failed checks)"
                          % (index, rc))
        log("gdb session %d passed" % index)

    def signal(self, name):
        signal_file(self.tmp, name)

    def run_clients(self):
        """Spec "clients": every client's gdb at once; all must exit 0."""
        procs = {}
        for name in self.spec["clients"]:
            script = os.path.join(SCENARIOS, "%s_%s.py" % (self.name, name))
            procs[name] = self.start_gdb(name, script, self.client_sock_of(name),
                                         {"GDBHUB_CLIENT": name})
        victim = self.spec["kill"]
        done, failed = set(), []
        while len(done) < len(procs):
            self.remaining()
            for name, (proc, ready) in procs.items():
                if name in done:
                    continue
                if proc.poll() is None:
                    if name == victim and os.path.exists(ready):
                        self.kill_client(name, proc)
                        done.add(name)
                    continue
                done.add(name)
                if name == victim:
                    failed.append("gdb %s exited (status %d) before the runner killed it"
                                  % (name, proc.returncode))
                elif proc.returncode != 0:
                    failed.append("gdb %s exited with status %d (number of failed checks)"
                                  % (name, proc.returncode))
                else:
                    log("gdb %s passed" % name)
                if failed and not os.path.exists(os.path.join(self.tmp, "signal-abort")):
                    self.signal("abort")     # the others need not wait for it
            time.sleep(0.05)
        if failed:
            raise Failure("; ".join(failed))

    def kill_client(self, name, proc):
        """Spec "kill": kill -9 the gdb of client name, which called ready()."""
        time.sleep(ACTION_DELAY)
        if proc.poll() is not None:
            raise Failure("gdb %s exited (status %d) before the runner killed it"
                          % (name, proc.returncode))
        log("kill -9 gdb %s (pid %d)" % (name, proc.pid))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        self.signal(name + "-killed")

    # -- all of it

    def run(self):
        failure = None
        try:
            self.start()
            if self.spec["clients"]:
                self.run_clients()
            else:
                for index, phase in enumerate(self.spec["phases"]):
                    if index:
                        time.sleep(ACTION_DELAY)
                    self.run_gdb(index, phase)
            if not self.direct:
                self.stop_daemon()
                self.check_no_qemu_left()
            if self.qemu is not None:
                self.check_own_qemu()
        except Failure as e:
            failure = str(e)
        finally:
            self.watching = False
            for _, proc, _ in self.gdbs:
                kill_group(proc)
            kill_group(self.daemon_b)
            kill_group(self.daemon)
            kill_group(self.qemu)
            for pid in set(self.daemon_qemus) | set(children_named("qemu")):
                if is_live_qemu(pid):
                    os.kill(pid, signal.SIGKILL)
        self.report(failure)
        if self.args.keep:
            log("scratch directory kept: " + self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return failure is None

    def report(self, failure):
        def dump(title, path):
            print("======== %s (%s)" % (title, path))
            try:
                with open(path, errors="replace") as f:
                    text = f.read()
            except OSError:
                text = "(no such file)\n"
            text = text or "(empty)\n"
            sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
        for label, _, path in self.gdbs:
            dump("gdb %s output" % label, path)
        if failure:
            if self.audit:
                dump("audit log", self.audit)
            if not self.direct:
                dump("gdbhub stderr", self.daemon_log)
                if self.daemon_b is not None:
                    dump("gdbhub B stderr", self.chain_log)
            if self.qemu is not None:
                dump("QEMU output (started by the runner)", self.qemu_log)
            dump("guest serial log", self.serial)
            print("======== FAIL: %s: %s" % (self.name, failure), flush=True)
        else:
            print("======== PASS: %s%s" % (self.name, " (direct)" if self.direct else ""),
                  flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gdbhub", help="the gdbhub executable (not needed with --direct)")
    ap.add_argument("--guests-dir", required=True, help="folder holding demo.elf and spin.elf")
    ap.add_argument("--direct", action="store_true",
                    help="gdb talks to QEMU's own gdbstub; no daemon")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    ap.add_argument("--gdb", default=shutil.which("gdb"))
    ap.add_argument("--qemu", default=shutil.which("qemu-system-i386"))
    ap.add_argument("test", choices=sorted(SPECS))
    args = ap.parse_args()

    spec = dict(DEFAULTS, **SPECS[args.test])
    if spec["clients"]:
        spec["direct"] = False   # QEMU's own stub takes one client at a time
    for tool, path in (("gdb", args.gdb), ("qemu-system-i386", args.qemu)):
        if not path:
            print("SKIP: %s not found" % tool)
            return SKIP
    if args.direct and not spec["direct"]:
        print("SKIP: %s means nothing without the daemon" % args.test)
        return SKIP
    if not args.direct and not args.gdbhub:
        ap.error("--gdbhub is required unless --direct")
    args.guests_dir = os.path.abspath(args.guests_dir)
    if args.gdbhub:
        args.gdbhub = os.path.abspath(args.gdbhub)
    set_child_subreaper()
    return 0 if Test(args, args.test, spec).run() else 1


if __name__ == "__main__":
    sys.exit(main())
