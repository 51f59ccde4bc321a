#!/usr/bin/env python3
"""End-to-end tests of gdbhub's SSH door with the real OpenSSH client.

usage: ssh_test.py --gdbhub PATH --guests-dir DIR CASE

Each CASE starts a daemon with an ssh listener on loopback, users whose keys
the test makes with ssh-keygen, access rules, and one tcg target "demo"
booting demo.elf, then drives real `ssh` and real `gdb` through it:

  exec       gdb: `target remote | ssh alice@host attach demo`; `list`;
             the host key is kept across a daemon restart
  forward    gdb: `target remote :LPORT` through `ssh -L LPORT:demo:1` (OpenSSH refuses port 0; any port will do); a
             forwarding to a real host:port is refused
  refusals   an unknown key, an unknown user, a user with no rule, a rule
             with role "none", a bad command: each refused with a reason
  observer   bob (observe) reads over SSH but `set var` and `continue` are
             refused; alice's session is unaffected
  limits     login_grace_time, max_startups and max_auth_tries
  stalled    an ssh client that floods requests and reads nothing is dropped;
             another user's gdb over SSH works meanwhile
  reach      a TCP listener on a non-loopback address without
             allow_unauthenticated stops the daemon from starting

Exit status: 0 pass, 1 fail, 77 skip (ssh, ssh-keygen, gdb or QEMU missing).
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_test import (Failure, free_tcp_port, is_live_qemu, kill_group,  # noqa: E402
                      set_child_subreaper, tcp_listening)

SKIP = 77
LIMIT = 60   # s: how long any one step may take; only a hang takes that long


def log(msg):
    print("ssh_test: " + msg, flush=True)


class Case:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="gdbhub-ssh-")
        self.port = free_tcp_port()
        self.elf = os.path.abspath(os.path.join(args.guests_dir, "demo.elf"))
        self.config = os.path.join(self.tmp, "config.json")
        self.daemon_log = os.path.join(self.tmp, "gdbhub.log")
        self.known_hosts = os.path.join(self.tmp, "known_hosts")
        self.daemon = None
        self.procs = []
        self.failures = 0

    # -- results

    def expect(self, what, ok, detail=""):
        log(("PASS" if ok else "FAIL") + ": " + what + ((": " + str(detail)) if detail else ""))
        if not ok:
            self.failures += 1
        return ok

    def expect_in(self, what, needle, text):
        return self.expect(what, needle in text,
                           "" if needle in text else "expected %r in:\n%s" % (needle, text))

    # -- keys and config

    def keygen(self, name):
        path = os.path.join(self.tmp, name)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path],
                       check=True, stdin=subprocess.DEVNULL)
        return path

    def authorized_keys(self, user, *keys):
        path = os.path.join(self.tmp, user + ".keys")
        with open(path, "w") as f:
            f.write("# keys of %s\n\n" % user)
            for k in keys:
                with open(k + ".pub") as pub:
                    f.write(pub.read())
        return path

    def write_config(self, users, access, extra=None, listen=None, target=None):
        config = {
            "runtime_dir": os.path.join(self.tmp, "run"),
            "state_dir": os.path.join(self.tmp, "state"),
            "users": users,
            "access": access,
            "listen": listen if listen is not None else [{"ssh": "127.0.0.1:%d" % self.port}],
            "targets": [{"name": "demo", "backend": "tcg", "arch": "i386", "kernel": self.elf,
                         "serial": os.path.join(self.tmp, "serial.log"), **(target or {})}],
        }
        config.update(extra or {})
        with open(self.config, "w") as f:
            json.dump(config, f, indent=2)

    def standard_config(self, extra=None, target=None):
        """alice controls demo, bob observes it, carol has a key and no rule,
        dave's rule says none; mallory's key is nobody's."""
        self.keys = {n: self.keygen(n) for n in ("alice", "bob", "carol", "dave", "mallory")}
        users = [{"name": n, "authorized_keys": self.authorized_keys(n, self.keys[n])}
                 for n in ("alice", "bob", "carol", "dave")]
        access = [{"users": ["alice"], "targets": "de*", "role": "control"},
                  {"users": ["dave"], "targets": "*", "role": "none"},
                  {"users": ["bob", "dave"], "targets": "*", "role": "observe"}]
        self.write_config(users, access, extra, target=target)

    # -- processes

    def start_daemon(self, expect_listen=True):
        cmd = [self.args.gdbhub, "serve", "-c", self.config]
        log("starting " + " ".join(cmd))
        out = open(self.daemon_log, "ab")
        self.daemon = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                       start_new_session=True)
        if not expect_listen:
            return
        end = time.monotonic() + LIMIT
        while not tcp_listening(self.port):
            if self.daemon.poll() is not None:
                raise Failure("the daemon exited (%d): %s" % (self.daemon.returncode,
                                                               self.read_log()))
            if time.monotonic() > end:
                raise Failure("the ssh listener did not come up")
            time.sleep(0.05)

    def stop_daemon(self):
        if self.daemon is None:
            return
        self.daemon.terminate()
        try:
            status = self.daemon.wait(20)
        except subprocess.TimeoutExpired:
            kill_group(self.daemon)
            raise Failure("the daemon did not exit on SIGTERM")
        self.daemon = None
        # Non-zero also when a sanitizer found something at exit.
        if status != 0:
            raise Failure("the daemon exited with status %d" % status)

    def read_log(self):
        with open(self.daemon_log, errors="replace") as f:
            return f.read()

    def wait_log(self, pattern, what):
        end = time.monotonic() + LIMIT
        while time.monotonic() < end:
            m = re.search(pattern, self.read_log())
            if m:
                return m
            time.sleep(0.05)
        raise Failure("%s: no %r in the daemon log" % (what, pattern))

    def ssh_argv(self, user, key, *extra, host_check="accept-new"):
        return ["ssh", "-F", "/dev/null", "-p", str(self.port), "-i", key,
                "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=" + host_check,
                "-o", "UserKnownHostsFile=" + self.known_hosts,
                "-o", "ConnectTimeout=30", *extra, user + "@127.0.0.1"]

    def ssh(self, user, key, command, *extra, host_check="accept-new"):
        argv = self.ssh_argv(user, key, *extra, host_check=host_check) + [command]
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=LIMIT)
        log("%s -> %d\n  stdout: %r\n  stderr: %r" % (command, r.returncode, r.stdout, r.stderr))
        return r

    def gdb(self, remote, *commands):
        """Run gdb in batch mode on demo.elf; returns its combined output."""
        argv = ["gdb", "-batch", "-nx", "-ex", "set confirm off", "-ex", "set pagination off",
                "-ex", "set remotetimeout 30", "-ex", "target remote " + remote]
        for c in commands:
            argv += ["-ex", c]
        argv.append(self.elf)
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=LIMIT * 2)
        out = r.stdout + r.stderr
        log("gdb %s -> %d\n%s" % (remote, r.returncode, out))
        return out

    def ssh_remote(self, user, command):
        """The `target remote | ...` argument for user running command."""
        return "| " + " ".join(self.ssh_argv(user, self.keys[user])) + " " + command

    def cleanup(self):
        for p in self.procs:
            kill_group(p)
        if self.daemon is not None:
            # After a failure: SIGTERM lets the daemon quit its QEMU; a
            # SIGKILL would leave the QEMU (in its own session) running.
            self.daemon.terminate()
            try:
                self.daemon.wait(20)
            except subprocess.TimeoutExpired:
                kill_group(self.daemon)
        run = os.path.join(self.tmp, "run")
        for name in os.listdir(run) if os.path.isdir(run) else []:
            if name.endswith(".qemu.pid"):
                try:
                    with open(os.path.join(run, name)) as f:
                        pid = int(f.read().strip())
                    if is_live_qemu(pid):  # not a pid reused since
                        os.kill(pid, signal.SIGKILL)
                except (OSError, ValueError):
                    pass
        if self.failures == 0 and not self.args.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            log("kept " + self.tmp)


# ---------------------------------------------------------------- cases

def case_exec(t):
    # "stay": the first session's detach must not let the guest run away.
    t.standard_config(target={"on_last_detach": "stay"})
    t.start_daemon()
    r = t.ssh("alice", t.keys["alice"], "list")
    t.expect("alice's list names demo with her role", r.returncode == 0 and
             re.search(r"^demo\tcontrol\t", r.stdout, re.M) is not None, repr(r.stdout))
    # The plain name works as well as "attach NAME"; registers come from the VM.
    out = t.gdb(t.ssh_remote("alice", "demo"), "info registers eip", "detach")
    t.expect("`ssh ... demo` attaches and reads registers",
             re.search(r"^eip\s+0x[0-9a-f]+", out, re.M) is not None, out)
    out = t.gdb(t.ssh_remote("alice", "attach demo"),
                "break add", "continue", "print a", "print b", "continue", "print a",
                "delete", "print counter", "detach")
    t.expect_in("the breakpoint is hit over ssh", "Breakpoint 1, add (a=0, b=100)", out)
    t.expect_in("a second hit sees the next call", "Breakpoint 1, add (a=1, b=100)", out)
    t.expect_in("memory reads work over ssh", "$4 = 2", out)
    t.wait_log(r"client \d+ connected from ssh:127\.0\.0\.1:\d+ as alice", "alice's client")
    t.wait_log(r"ssh 127\.0\.0\.1:\d+: alice logged in", "the login is logged")
    # Restart: the same host key, so a strict known_hosts check still passes.
    key_file = os.path.join(t.tmp, "state", "ssh_host_ed25519_key")
    t.expect("the host key is in state_dir, private", os.path.exists(key_file) and
             (os.stat(key_file).st_mode & 0o077) == 0)
    t.stop_daemon()
    t.start_daemon()
    r = t.ssh("alice", t.keys["alice"], "list", host_check="yes")
    t.expect("the host key survives a restart", r.returncode == 0 and "demo" in r.stdout,
             r.stderr)


def case_forward(t):
    t.standard_config()
    t.start_daemon()
    lport = free_tcp_port()
    fwd = subprocess.Popen(t.ssh_argv("alice", t.keys["alice"], "-N", "-o",
                                      "ExitOnForwardFailure=yes", "-L",
                                      "127.0.0.1:%d:demo:1" % lport),
                           stdin=subprocess.DEVNULL, start_new_session=True)
    t.procs.append(fwd)
    end = time.monotonic() + LIMIT
    while not tcp_listening(lport):
        if fwd.poll() is not None or time.monotonic() > end:
            raise Failure("ssh -L did not start (status %s)" % fwd.poll())
        time.sleep(0.05)
    out = t.gdb("127.0.0.1:%d" % lport, "break factorial", "continue", "print n", "detach")
    t.expect_in("gdb stops at factorial through ssh -L", "Breakpoint 1, factorial (n=5)", out)
    t.wait_log(r"alice forwards to demo", "the forwarding is logged")
    # A forwarding to a real address is never opened: the daemon's own port here.
    lport2 = free_tcp_port()
    fwd2 = subprocess.Popen(t.ssh_argv("alice", t.keys["alice"], "-N", "-L",
                                       "127.0.0.1:%d:127.0.0.1:%d" % (lport2, t.port)),
                            stdin=subprocess.DEVNULL, start_new_session=True)
    t.procs.append(fwd2)
    end = time.monotonic() + LIMIT
    while not tcp_listening(lport2):
        if time.monotonic() > end:
            raise Failure("the second ssh -L did not start")
        time.sleep(0.05)
    with socket.create_connection(("127.0.0.1", lport2), timeout=LIMIT) as s:
        data = s.recv(100)
    t.expect("a forwarding to 127.0.0.1:PORT carries nothing", data == b"", repr(data))
    t.wait_log(r"forwarding to 127\.0\.0\.1 refused", "the refusal is logged")


def audit_events(t):
    with open(os.path.join(t.tmp, "audit.jsonl")) as f:
        return [json.loads(line) for line in f]


def case_refusals(t):
    t.standard_config({"audit_log": os.path.join(t.tmp, "audit.jsonl")})
    t.start_daemon()
    r = t.ssh("alice", t.keys["mallory"], "list", "-v")
    t.expect("an unknown key is refused", r.returncode == 255 and
             "Permission denied" in r.stderr, r.stderr)
    # Refused at the probe already, so no signature is asked for.
    t.expect("the probe of an unknown key is refused", "Server accepts key" not in r.stderr)
    t.wait_log(r"login as alice refused: key not in the user's authorized_keys",
               "the unknown key is logged")
    r = t.ssh("nobody", t.keys["alice"], "list")
    t.expect("an unknown user is refused", r.returncode == 255 and
             "Permission denied" in r.stderr, r.stderr)
    t.wait_log(r"login as nobody refused: no such user", "the unknown user is logged")
    r = t.ssh("carol", t.keys["carol"], "attach demo")
    t.expect("a user without a rule is refused with a reason", r.returncode == 1 and
             r.stderr.startswith("gdbhub: no target demo that carol may use"), r.stderr)
    t.wait_log(r"carol may not attach to demo: no access rule gives carol target demo",
               "the log says which rule (none) decided")
    r = t.ssh("carol", t.keys["carol"], "list")
    t.expect("carol's list is empty", r.returncode == 0 and r.stdout == "", repr(r.stdout))
    r = t.ssh("dave", t.keys["dave"], "demo")
    t.expect("a rule with role none refuses", r.returncode == 1 and
             "no target demo that dave may use" in r.stderr, r.stderr)
    t.wait_log(r"dave may not attach to demo: access\[1\] denies dave target demo",
               "the log names the rule that denied")
    r = t.ssh("alice", t.keys["alice"], "attach nosuch")
    t.expect("an unknown target is refused", r.returncode == 1 and
             "no target nosuch" in r.stderr, r.stderr)
    r = t.ssh("alice", t.keys["alice"], "rm -rf /")
    t.expect("a bad command gets usage", r.returncode == 2 and "commands:" in r.stderr,
             r.stderr)
    r = subprocess.run(t.ssh_argv("alice", t.keys["alice"], "-tt"), input="", text=True,
                       capture_output=True, timeout=LIMIT)
    t.expect("no shell", r.returncode != 0, "status %d: %r" % (r.returncode, r.stderr))
    # The daemon is still serving after all that.
    r = t.ssh("alice", t.keys["alice"], "list")
    t.expect("still serving", r.returncode == 0 and "demo" in r.stdout)
    ev = [(e["event"], e["user"], e["target"], e.get("reason")) for e in audit_events(t)]
    t.expect("the audit log has the refused key",
             ("login_denied", "alice", None, "key not in the user's authorized_keys") in ev, ev)
    t.expect("the audit log has the unknown user",
             ("login_denied", "nobody", None, "no such user") in ev, ev)
    t.expect("the audit log has carol's login and refused attach",
             ("login", "carol", None, None) in ev and
             ("denied", "carol", "demo", "no access rule gives carol target demo") in ev, ev)
    t.expect("the audit log has dave's refusal by rule",
             ("denied", "dave", "demo", "access[1] denies dave target demo") in ev, ev)


def case_observer(t):
    t.standard_config()
    t.start_daemon()
    # alice stops the VM at add and leaves it stopped there (her gdb stays).
    remote = t.ssh_remote("alice", "attach demo")
    alice = subprocess.Popen(["gdb", "-batch", "-nx", "-ex", "set confirm off",
                              "-ex", "target remote " + remote, "-ex", "break add",
                              "-ex", "continue", "-ex", "shell sleep 600", t.elf],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    t.procs.append(alice)
    t.wait_log(r"alice logged in", "alice's login")
    # Wait until the VM is stopped at add: bob's reads need a stopped VM.
    end = time.monotonic() + LIMIT
    while True:
        out = t.gdb(t.ssh_remote("bob", "attach demo"), "print a", "detach")
        if "$1 = 0" in out or time.monotonic() > end:
            break
        time.sleep(0.5)
    out = t.gdb(t.ssh_remote("bob", "attach demo"), "print b", "print counter = 99",
                "print counter", "continue", "detach")
    t.expect_in("the observer reads over ssh", "$1 = 100", out)
    t.expect_in("the observer's write is refused", "Cannot access memory at address", out)
    t.expect_in("and the variable is unchanged", "$2 = 1\n", out)
    t.expect_in("the observer's continue is refused", "Remote failure reply: E0d", out)
    t.wait_log(r"observers may not write", "the refused write is logged")
    t.wait_log(r"observers may not (resume|run)", "the refused continue is logged")
    t.wait_log(r"client \d+ user bob attached to demo as observe \(access\[2\] gives bob "
               r"observe on demo\)", "the log says why bob observes")


def rsp_frame(payload):
    return b"$" + payload + b"#" + (b"%02x" % (sum(payload) & 0xff))


def case_stalled(t):
    """alice's ssh asks for far more than it reads (200 reads of 64 KiB, in
    batches the daemon serves as they come) and reads nothing: SSH flow
    control backs the replies up into the daemon, which drops her client past
    its output bound (or, if it serves slower than she asks, its bound on
    queued requests); bob's gdb over SSH works meanwhile."""
    t.standard_config(target={"on_last_detach": "stay"})
    t.start_daemon()
    stalled = subprocess.Popen(t.ssh_argv("alice", t.keys["alice"]) + ["attach", "demo"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    t.procs.append(stalled)
    try:
        stalled.stdin.write(rsp_frame(b"QStartNoAckMode"))
        for _ in range(10):
            stalled.stdin.write(rsp_frame(b"m100000,10000") * 20)
            stalled.stdin.flush()
            time.sleep(0.3)
        log("the stalled ssh sent 200 reads of 64 KiB and reads nothing")
    except BrokenPipeError:
        # The daemon may drop her before she is done asking (its bound on
        # queued requests, on a loaded machine): that is the outcome the
        # log check below wants, not a failure of the test.
        log("the stalled ssh was closed before it sent all its reads")
    out = t.gdb(t.ssh_remote("bob", "attach demo"), "info registers eip", "detach")
    t.expect("bob's session works while alice's is stalled",
             re.search(r"^eip\s+0x[0-9a-f]+", out, re.M) is not None, out)
    # Usually the output bound; on a loaded machine the daemon may serve the
    # reads slower than they come and hit its bound on queued requests first.
    t.wait_log(r"client \d+ \(ssh:127\.0\.0\.1:\d+\) closed: (stalled|too many packets)",
               "the daemon drops the stalled SSH client")
    r = t.ssh("bob", t.keys["bob"], "list")
    t.expect("the daemon still serves", r.returncode == 0 and "demo" in r.stdout, r.stderr)


def raw_connect(t):
    s = socket.create_connection(("127.0.0.1", t.port), timeout=LIMIT)
    return s


def case_limits(t):
    t.standard_config({"ssh": {"login_grace_time": 2, "max_startups": 2, "max_auth_tries": 2}})
    t.start_daemon()
    a = raw_connect(t)
    b = raw_connect(t)
    t.expect("a login starts with the SSH banner", a.recv(4) == b"SSH-")
    b.recv(4)
    c = raw_connect(t)
    t.expect("past max_startups a connection is closed at once", c.recv(100) == b"")
    t.wait_log(r"refused: 2 connections are still logging in \(max_startups\)",
               "max_startups is logged")
    # Within the grace time nobody logged in on a and b: both are closed.
    a.settimeout(LIMIT)
    rest = b""
    while True:
        chunk = a.recv(4096)
        if not chunk:
            break
        rest += chunk
    t.expect("an idle login is closed after login_grace_time", True)
    t.wait_log(r"closed: not logged in within the grace time", "the grace time is logged")
    for s in (a, b, c):
        s.close()
    wrong = [t.keys["mallory"], t.keys["carol"]]
    r = subprocess.run(t.ssh_argv("alice", wrong[0], "-i", wrong[1], "-i", t.keys["alice"])
                       + ["list"], capture_output=True, text=True, timeout=LIMIT)
    t.expect("two wrong keys use up max_auth_tries=2", r.returncode == 255, r.stderr)
    t.wait_log(r"\(2 of 2 tries\)", "the tries are counted")
    r = subprocess.run(t.ssh_argv("alice", wrong[0], "-i", t.keys["alice"]) + ["list"],
                       capture_output=True, text=True, timeout=LIMIT)
    t.expect("one wrong key, then the right one, logs in", r.returncode == 0 and
             "demo" in r.stdout, r.stderr)


def case_reach(t):
    t.keys = {"alice": t.keygen("alice")}
    users = [{"name": "alice", "authorized_keys": t.authorized_keys("alice", t.keys["alice"])}]
    t.write_config(users, [], listen=[{"tcp": "0.0.0.0:%d" % t.port}])
    t.start_daemon(expect_listen=False)
    try:
        status = t.daemon.wait(LIMIT)
    except subprocess.TimeoutExpired:
        raise Failure("the daemon started with an unauthenticated 0.0.0.0 listener")
    t.daemon = None
    text = t.read_log()
    t.expect("the daemon refuses to start", status != 0, "status %d" % status)
    t.expect_in("and says why", "refusing to listen on tcp 0.0.0.0:%d: other hosts could "
                "connect without authentication" % t.port, text)
    t.expect("nothing listens", not tcp_listening(t.port))
    # With the flag, it starts.
    t.write_config(users, [], listen=[{"tcp": "0.0.0.0:%d" % t.port,
                                       "allow_unauthenticated": True}])
    t.start_daemon()
    t.expect("allow_unauthenticated lets it start", t.daemon.poll() is None)


CASES = {"exec": case_exec, "forward": case_forward, "refusals": case_refusals,
         "observer": case_observer, "limits": case_limits, "reach": case_reach,
         "stalled": case_stalled}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gdbhub", required=True)
    ap.add_argument("--guests-dir", required=True)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("case", choices=sorted(CASES))
    args = ap.parse_args()
    for tool in ("ssh", "ssh-keygen", "gdb", "qemu-system-i386"):
        if shutil.which(tool) is None:
            log("skip: %s is not installed" % tool)
            return SKIP
    set_child_subreaper()
    t = Case(args)
    try:
        CASES[args.case](t)
        t.stop_daemon()
    except (Failure, subprocess.TimeoutExpired) as e:
        t.failures += 1
        log("FAIL: %s" % e)
    finally:
        if t.failures:
            log("daemon log:\n" + t.read_log() if os.path.exists(t.daemon_log) else "no log")
        t.cleanup()
    log("%s: %s" % (args.case, "failed" if t.failures else "passed"))
    return 1 if t.failures else 0


if __name__ == "__main__":
    sys.exit(main())
