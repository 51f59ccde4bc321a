#!/usr/bin/env python3
"""Run one gdbhub end-to-end test with lldb: lldb's gdb-remote client drives a
real QEMU through the daemon.

usage: lldb_test.py --gdbhub PATH --guests-dir DIR [--direct] [--keep] TESTNAME

The daemon, its config and the checks on QEMU come from run_test.py (its
Test class); this driver adds a TCP listener to the target (lldb's
`gdb-remote HOST:PORT`) and runs `lldb --batch -s SCRIPT` on
lldb/SCRIPT.lldb.  A script is lldb commands with checks under each command:

    continue
    #> stop reason = breakpoint 1\\.1      the command's output must match
    #! Process 1 exited                    ... must not match
    #>daemon exited with status = 19       only through the daemon
    #>direct lost connection               only with --direct

(regular expressions, searched in the output between that command's echo and
the next one's).  A command whose output says "error:" fails unless one of its
checks expects an error.  Before lldb runs, ${...} in the script is replaced:
${elf}, ${connect} (host:port), ${exit_status} (what lldb must report at the
guest's exit after exit_value = 9), ${src} (the guest's C file), ${line:TEXT}
(the number of its first line holding TEXT; ${next:TEXT}: the line after
it), ${sym:NAME} (NAME's address from the ELF:
0x... in a command, a regular expression for it with any leading zeros in a
check), ${signal:NAME} and ${wait:NAME} (a `platform shell` command that
creates or waits for the scratch directory's signal-NAME, the files
scenarios/check.py's signal() and wait_for() use).

A test with a "gdb" script also runs gdb at the same time, on a control
listener of its own, with scenarios/check.py (GDBHUB_SOCK is its socket);
once lldb has exited, the driver signals "lldb-done".  lldb and gdb take turns
through signals.  The test passes when every check holds, lldb and gdb exit
0, the daemon exits 0 on SIGTERM and no QEMU is left.  Exit status: 0 pass,
1 fail, 77 skip (lldb, gdb, QEMU or the guest missing).

By hand, from the source tree:
  tests/e2e/lldb_test.py --gdbhub build/proxy/gdbhub --guests-dir build/tests/guests lldb_basics
  tests/e2e/lldb_test.py --direct --guests-dir build/tests/guests --keep lldb_basics

--wait FILE (used by ${wait:NAME}): wait until FILE exists, at most 60 s.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time

import kvm_test
import run_test
from run_test import Failure, log

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "lldb")
WAIT = 60            # s, for ${wait:NAME}, as check.wait_for
LLDB_TIMEOUT = 120   # s, one lldb session

# Per architecture: the QEMU that --direct starts, with what the tcg backend
# adds for the guest's exit (the daemon builds its own from the config's
# arch), and the guest's exit status after exit_value = 9 (isa-debug-exit:
# status * 2 + 1; aarch64 semihosting SYS_EXIT: the status itself).
X86_EXIT = ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
ARCHES = {
    "i386": {"qemu": "qemu-system-i386", "args": X86_EXIT, "exit_status": 19},
    "x86_64": {"qemu": "qemu-system-x86_64", "args": X86_EXIT, "exit_status": 19},
    "aarch64": {"qemu": "qemu-system-aarch64",
                "args": ["-M", "virt", "-cpu", "cortex-a57",
                         "-semihosting-config", "enable=on,target=native"],
                "exit_status": 9},
}
GUESTS_SRC = os.path.join(HERE, "..", "guests")

# What each test needs.
#   script   lldb/SCRIPT.lldb, lldb's commands and checks
#   arch     the target's arch (ARCHES)
#   guest    the kernel QEMU boots: an ELF in --guests-dir, without .elf
#   symbols  the ELF lldb (and gdb) load, if not the kernel (x86_64: QEMU
#            boots an ELF32 rewrap of the x86-64 link)
#   source   the guest's C file in tests/guests (${src}, ${line:...})
#   gdb      lldb/GDB.py, a gdb scenario run at the same time (no --direct)
#   backend  "kvm": the target is gdbhub-kvm (the test skips without a
#            usable /dev/kvm, and has no --direct); default "tcg"
I386 = {"arch": "i386", "guest": "demo", "source": "demo.c"}
X86_64 = {"arch": "x86_64", "guest": "x86_64/demo", "symbols": "x86_64/demo64",
          "source": "demo.c"}
AARCH64 = {"arch": "aarch64", "guest": "aarch64/demo", "source": "demo_virt.c"}
SPECS = {
    "lldb_basics":          dict(I386, script="basics"),
    "lldb_with_gdb":        dict(I386, script="with_gdb", gdb="with_gdb"),
    "lldb_basics_x86_64":   dict(X86_64, script="basics"),
    "lldb_with_gdb_x86_64": dict(X86_64, script="with_gdb", gdb="with_gdb"),
    "lldb_basics_aarch64":  dict(AARCH64, script="basics"),
    "lldb_kvm":             dict(I386, script="kvm", backend="kvm"),
}


# ---------------------------------------------------------------- scripts

def symbols(elf):
    """{name: address} of the ELF's symbols, from nm."""
    out = subprocess.run(["nm", elf], check=True, capture_output=True, text=True).stdout
    table = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == 3:
            table[fields[2]] = int(fields[0], 16)
    return table


def parse_script(text):
    """[(command, [(kind, where, regex), ...]), ...]: kind ">" must match,
    "!" must not; where is "", "daemon" or "direct"."""
    steps = []
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r"#([>!])(daemon|direct)? (.*)$", line)
        if m:
            if not steps:
                raise Failure("script line %d: a check before any command" % n)
            steps[-1][1].append((m.group(1), m.group(2) or "", m.group(3)))
        elif line.strip() and not line.lstrip().startswith("#"):
            steps.append((line.strip(), []))
    return steps


def split_output(text, commands):
    """The output of each command: what follows its echo `(lldb) COMMAND` up
    to the next echo.  Fails if the echoes are not the commands in order
    (lldb stopped early or read something else)."""
    parts = re.split(r"^\(lldb\) (.*)$", text, flags=re.MULTILINE)
    echoed, outputs = parts[1::2], parts[2::2]
    if echoed and echoed[0].startswith("command source "):   # lldb's -s itself
        echoed, outputs = echoed[1:], outputs[1:]
    if [e.strip() for e in echoed] != commands[:len(echoed)]:
        raise Failure("lldb's echoed commands are not the script's:\n  %s\n  %s"
                      % (echoed, commands))
    if len(echoed) < len(commands):
        raise Failure("lldb ran %d of %d commands; it stopped after %r"
                      % (len(echoed), len(commands), echoed[-1] if echoed else None))
    return outputs


class LldbTest(run_test.Test):
    def __init__(self, args, name, spec):
        super().__init__(args, name, spec)
        self.arch = spec["arch"]
        self.kernel = self.elf
        if spec.get("symbols"):
            self.elf = os.path.join(args.guests_dir, spec["symbols"] + ".elf")
        self.syms = symbols(self.elf)
        with open(os.path.join(GUESTS_SRC, spec["source"])) as f:
            self.source = f.read().splitlines()
        self.failures = 0
        self.passes = 0

    # -- the daemon's config: the test's arch instead of run_test's i386

    def start_daemon(self):
        self.write_config({"backend": self.spec["backend"], "arch": self.arch,
                           "kernel": self.kernel, "memory_mb": 64, "cpus": 1,
                           "serial": self.serial})
        self.daemon = self.spawn_daemon(self.config, self.daemon_log)
        self.watching = True
        run_test.threading.Thread(target=self.watch_pidfile, daemon=True).start()

    def start_own_qemu(self, gdb_dev):
        """--direct: QEMU for the test's arch with its own gdbstub."""
        cmd = [self.args.qemu, "-kernel", self.kernel, "-m", "64", "-smp", "1", "-S",
               "-gdb", gdb_dev] + ARCHES[self.arch]["args"] + [
               "-display", "none", "-nodefaults", "-serial", "file:" + self.serial]
        log("starting " + " ".join(cmd))
        with open(self.qemu_log, "ab") as out:
            self.qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=out, start_new_session=True)

    # -- scripts

    def substitute(self, text, in_check):
        def one(m):
            key, _, arg = m.group(1).partition(":")
            if key == "sym":
                name, _, off = arg.partition("+")
                if name not in self.syms:
                    raise Failure("${sym:%s}: no such symbol in %s" % (arg, self.elf))
                addr = self.syms[name] + (int(off, 0) if off else 0)
                return "0x0*%x\\b" % addr if in_check else "0x%x" % addr
            if key in ("line", "next"):
                return str(self.line_of(arg) + (key == "next"))
            if key == "signal":
                return "platform shell touch " + os.path.join(self.tmp, "signal-" + arg)
            if key == "wait":
                return "platform shell %s %s --wait %s" % (
                    sys.executable, os.path.abspath(__file__),
                    os.path.join(self.tmp, "signal-" + arg))
            values = {"elf": self.elf, "connect": "127.0.0.1:%d" % self.port,
                      "exit_status": str(ARCHES[self.arch]["exit_status"]),
                      "src": self.spec["source"]}
            if key not in values:
                raise Failure("unknown ${%s} in the script" % m.group(1))
            return re.escape(values[key]) if in_check else values[key]
        return re.sub(r"\$\{([^}]*)\}", one, text)

    def line_of(self, text):
        """The number of the guest source's first line holding text."""
        for n, line in enumerate(self.source, 1):
            if text in line:
                return n
        raise Failure("${line:%s}: not in %s" % (text, self.spec["source"]))

    def result(self, ok, what):
        if ok:
            self.passes += 1
        else:
            self.failures += 1
        log(("PASS: " if ok else "FAIL: ") + what)

    def check_outputs(self, steps, outputs):
        where = "direct" if self.direct else "daemon"
        for (command, checks), out in zip(steps, outputs):
            command = self.substitute(command, False)
            wanted_error = False
            for kind, only, regex in checks:
                if only and only != where:
                    continue
                regex = self.substitute(regex, True)
                wanted_error |= kind == ">" and "error" in regex
                found = re.search(regex, out, re.MULTILINE) is not None
                self.result(found == (kind == ">"), "%s: %s %s" % (
                    command, "output has" if kind == ">" else "output lacks", regex))
            if not wanted_error and re.search(r"^error:", out, re.MULTILINE):
                self.result(False, "%s: no error expected, got:\n%s" % (command, out))

    def run_lldb(self, script):
        with open(os.path.join(SCRIPTS, script + ".lldb")) as f:
            steps = parse_script(f.read())
        # lldb's own settings first: no ~/.lldbinit, the packets to a log
        # (printed when the test fails).
        packets = os.path.join(self.tmp, "lldb-packets.log")
        steps = [("settings set interpreter.echo-comment-commands false", []),
                 ("log enable -f %s gdb-remote packets" % packets, [])] + steps
        commands = [self.substitute(cmd, False) for cmd, _ in steps]
        path = os.path.join(self.tmp, script + ".lldb")
        with open(path, "w") as f:
            f.write("\n".join(commands) + "\n")
        lldb_log = os.path.join(self.tmp, "lldb.log")
        cmd = [self.args.lldb, "--no-lldbinit", "--batch", "-s", path]
        log("lldb: " + " ".join(cmd))
        with open(lldb_log, "wb") as out:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        self.gdbs.append(("lldb", proc, lldb_log))
        rc = self.wait_proc(proc, "lldb", LLDB_TIMEOUT)
        with open(lldb_log, errors="replace") as f:
            text = f.read()
        self.check_outputs(steps, split_output(text, commands))
        self.result(rc == 0, "lldb exited with status %d" % rc)

    # -- all of it

    def run_all(self):
        gdb = None
        self.start()
        if self.spec.get("gdb"):
            gdb, _ = self.start_gdb("gdb", os.path.join(SCRIPTS, self.spec["gdb"] + ".py"),
                                    self.client_sock_of("gdb"), {"GDBHUB_CLIENT": "gdb"})
        try:
            self.run_lldb(self.spec["script"])
        finally:
            if gdb is not None:
                self.signal("lldb-done" if self.failures == 0 else "abort")
        if gdb is not None:
            rc = self.wait_proc(gdb, "gdb")
            self.result(rc == 0, "gdb exited with status %d (its failed checks)" % rc)
        if self.failures:
            raise Failure("%d check(s) failed" % self.failures)
        if not self.direct:
            self.stop_daemon()
            self.check_no_qemu_left()
        if self.qemu is not None:
            self.check_own_qemu()

    def run(self):
        failure = None
        try:
            self.run_all()
        except Failure as e:
            failure = str(e)
        finally:
            self.watching = False
            for _, proc, _ in self.gdbs:
                run_test.kill_group(proc)
            run_test.kill_group(self.daemon)
            run_test.kill_group(self.qemu)
            for pid in set(self.daemon_qemus) | set(run_test.children_named("qemu")):
                if run_test.is_live_qemu(pid):
                    os.kill(pid, run_test.signal.SIGKILL)
        if failure:
            self.report_packets()
        self.report(failure)
        if self.args.keep:
            log("scratch directory kept: " + self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return failure is None

    def report_packets(self):
        """The last packets lldb exchanged: where a failure usually shows."""
        try:
            with open(os.path.join(self.tmp, "lldb-packets.log"), errors="replace") as f:
                lines = f.readlines()[-60:]
        except OSError:
            return
        print("======== lldb's last packets")
        sys.stdout.write("".join(line[:200] + ("\n" if len(line) > 200 else "")
                                 for line in lines))


class LldbKvmTest(LldbTest):
    """lldb against a kvm target: the daemon's gdbhub-kvm stands where its
    QEMU would, tracked and checked as kvm_test.py does."""
    watch_pidfile = kvm_test.KvmTest.watch_pidfile
    check_no_qemu_left = kvm_test.KvmTest.check_no_qemu_left

    def run(self):
        try:
            return super().run()
        finally:
            for pid in kvm_test.vmm_children_of(os.getpid()):
                os.kill(pid, run_test.signal.SIGKILL)


def wait_file(path):
    end = time.monotonic() + WAIT
    while not os.path.exists(path):
        if os.path.exists(os.path.join(os.path.dirname(path), "signal-abort")):
            print("wait: aborted while waiting for " + path)
            return 1
        if time.monotonic() > end:
            print("wait: no %s within %d s" % (path, WAIT))
            return 1
        time.sleep(0.05)
    return 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--wait":
        return wait_file(sys.argv[2])
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gdbhub", help="the gdbhub executable (not needed with --direct)")
    ap.add_argument("--guests-dir", required=True, help="folder holding the guest ELFs")
    ap.add_argument("--direct", action="store_true",
                    help="lldb talks to QEMU's own gdbstub; no daemon")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    ap.add_argument("--lldb", default=shutil.which("lldb"))
    ap.add_argument("--gdb", default=shutil.which("gdb"))
    ap.add_argument("test", choices=sorted(SPECS))
    args = ap.parse_args()

    spec = dict(run_test.DEFAULTS, tcp=True, **SPECS[args.test])
    arch = ARCHES[spec["arch"]]
    args.qemu = shutil.which(arch["qemu"])
    if spec["backend"] == "kvm":
        unusable = kvm_test.kvm_usable()
        if unusable is not None or args.direct:
            print("SKIP: a kvm target needs the daemon and /dev/kvm (%s)"
                  % (unusable or "--direct"))
            return run_test.SKIP
    if spec.get("gdb"):
        spec["clients"] = {"gdb": "control"}
    tools = [("lldb", args.lldb), (arch["qemu"], args.qemu)]
    if spec.get("gdb"):
        tools.append(("gdb", args.gdb))
    for tool, path in tools:
        if not path:
            print("SKIP: %s not found" % tool)
            return run_test.SKIP
    if args.direct and spec.get("gdb"):
        print("SKIP: %s needs the daemon (QEMU's stub serves one client)" % args.test)
        return run_test.SKIP
    if not args.direct and not args.gdbhub:
        ap.error("--gdbhub is required unless --direct")
    args.guests_dir = os.path.abspath(args.guests_dir)
    for guest in (spec["guest"], spec.get("symbols")):
        elf = os.path.join(args.guests_dir, guest + ".elf") if guest else None
        if elf and not os.path.exists(elf):
            print("SKIP: no guest %s (not built: a cross compiler missing?)" % elf)
            return run_test.SKIP
    if args.gdbhub:
        args.gdbhub = os.path.abspath(args.gdbhub)
    run_test.set_child_subreaper()
    test_class = LldbKvmTest if spec["backend"] == "kvm" else LldbTest
    return 0 if test_class(args, args.test, spec).run() else 1


if __name__ == "__main__":
    sys.exit(main())
