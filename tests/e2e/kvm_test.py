#!/usr/bin/env python3
"""Run one gdbhub end-to-end scenario against a kvm target: the daemon starts
gdbhub-kvm (a VM on /dev/kvm) instead of QEMU.

usage: kvm_test.py --gdbhub PATH --gdbhub-kvm PATH --guests-dir DIR [--keep] TESTNAME

The scenarios and the runner are run_test.py's (see there); only the target
differs: backend "kvm" with the spec's guest and "cpus".  A gdbhub-kvm that
outlives the daemon fails the test, as a QEMU would.

Exit status: 0 pass, 1 fail, 77 skip: when /dev/kvm cannot be opened for
reading and writing, or gdb or gdbhub-kvm is missing.  Without KVM these
tests never pass.

The daemon finds gdbhub-kvm in its own build tree (proxy/../backends/kvm/),
which this test relies on: GDBHUB_KVM is set only when --gdbhub-kvm is not
that file.

By hand, from the source tree (inside the nested VM on a machine without KVM):
  scripts/nested-kvm/run.sh -- tests/e2e/kvm_test.py --gdbhub build/proxy/gdbhub \\
      --gdbhub-kvm build/backends/kvm/gdbhub-kvm --guests-dir build/tests/guests kvm_basics
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run_test  # noqa: E402
from run_test import Failure, children_of, log, proc_state, set_child_subreaper  # noqa: E402

SKIP = 77
VMM = "gdbhub-kvm"    # also its comm in /proc, which holds 15 characters

# What each test needs, on top of run_test.py's SPECS (the same keys; a name
# not in SPECS starts from DEFAULTS) and:
#   cpus     vCPUs of the target (default 1)
#   stops_vm True: the VM still runs when the runner stops the daemon, whose
#            log must then show gdbhub-kvm ended by SIGTERM, not killed
#   guest_int3 True: the scenario needs the guest's own int3 to reach
#            gdbhub-kvm. meson puts those in suite e2e-kvm-break, the others
#            in e2e-kvm: under nested KVM on QEMU's emulated SVM
#            (scripts/nested-kvm) int3 goes straight to the guest (our own
#            breakpoints are port writes there), so only e2e-kvm can pass.
#   baseline True: before the daemon starts, the runner boots the guest in
#            gdbhub-kvm --run alone (no daemon, no debugger) and leaves its
#            serial output and exit status in the scratch directory
#            (baseline-serial.log, baseline-status) for the scenario to
#            compare with; the daemon runs with -v, so its log names each
#            guest exception it gave back to the guest
#   alone    True: no daemon; the runner starts gdbhub-kvm itself and gdb
#            talks to its stub directly (GDBHUB_SOCK), for what the daemon
#            does not drive upstream yet (non-stop); gdbhub-kvm must then
#            end by itself, with the status the scenario wrote to
#            expect-vmm-status
#   kernel   the guest ELF the VM boots when it is not the one gdb loads
#            (long.elf, an ELF32 wrapper, and long64.elf's symbols)
#   arch     the target's arch, "i386" unless "x86_64"
#   console  True: the target's "console" (COM1's input) is the FIFO
#            console.fifo in the scratch directory, which the scenario writes
#   mi       True: scenarios/TESTNAME.py is not a gdb script but a Python
#            program that starts `gdb -i=mi3` itself and drives it over
#            GDB/MI (gdb_mi.py), for waits on asynchronous stops; it gets
#            gdb's path in GDBHUB_GDB and the daemon's log in GDBHUB_DAEMON_LOG,
#            and exits with its failure count
KVM_SPECS = {
    # Without breakpoints.
    "kvm_basics":       {"cpus": 2},
    "kvm_interrupt":    {"guest": "spin"},
    "detach_resumes":   {},
    "kvm_left_running": {"guest": "spin", "stops_vm": True},
    "kvm_watch":        {},
    "kvm_rwatch":       {},
    "kvm_paging":       {"guest": "paging"},
    "kvm_transparency_step": {"guest": "traps", "baseline": True},
    "kvm_transparency_watch": {"guest": "traps", "baseline": True},
    "kvm_guest_dr":     {"guest": "traps", "baseline": True},
    "kvm_timer_step":   {"guest": "timer"},
    "kvm_smp_interrupt": {"guest": "smp", "cpus": 4},
    "kvm_halt_interrupt": {"guest": "smp", "cpus": 4},
    "kvm_non_stop":     {"guest": "smp", "cpus": 4, "alone": True, "mi": True},
    "kvm_non_stop_daemon": {"guest": "smp", "cpus": 4, "mi": True},
    "kvm_console":      {"guest": "echo", "console": True},
    "kvm_long":         {"guest": "long64", "kernel": "long", "arch": "x86_64"},
    # They stop at a breakpoint first.
    "memory_bulk":      {},
    "qemu_dies":        {},   # the runner kills gdbhub-kvm
    "kvm_transparency": {"guest": "traps", "baseline": True},
    "kvm_thread_break": {"guest": "smp", "cpus": 4},
    "kvm_user_page_break": {"guest": "paging"},
    "kvm_step_guest_int3": {"guest": "traps", "baseline": True, "guest_int3": True},
}
KVM_DEFAULTS = {"cpus": 1, "guest_int3": False, "stops_vm": False, "baseline": False,
                "alone": False, "mi": False, "console": False, "kernel": None,
                "arch": "i386"}
BASELINE_TIMEOUT = 30   # s: the guests that need one end in well under a second


def kvm_usable():
    """None if /dev/kvm opens for reading and writing, else why not."""
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC))
        return None
    except OSError as e:
        return e.strerror


def is_live_vmm(pid):
    if proc_state(pid) in (None, "Z", "X"):
        return False
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip() == VMM
    except OSError:
        return False


def vmm_children_of(parent):
    """Live gdbhub-kvm processes whose parent is parent."""
    return children_of(parent, lambda comm: comm == VMM)


def run_alone(gdbhub_kvm, elf, cpus, folder):
    """Boot elf in gdbhub-kvm --run with no debugger and no daemon, with the
    options the daemon gives it for KvmTest's target (kvm_cmdline.c); leave
    its serial output in folder/baseline-serial.log and its exit status in
    folder/baseline-status.  Raises Failure if it does not end by itself."""
    serial = os.path.join(folder, "baseline-serial.log")
    cmd = [gdbhub_kvm, "--kernel", elf, "--gdb", "unix:" + os.path.join(folder, "alone.sock"),
           "--arch", "i386", "--memory-mb", "64", "--cpus", str(cpus),
           "--serial", serial, "--run"]
    log("baseline: " + " ".join(cmd))
    with open(os.path.join(folder, "baseline.log"), "wb") as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    try:
        status = proc.wait(BASELINE_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise Failure("gdbhub-kvm --run alone: the guest did not exit within %d s"
                      % BASELINE_TIMEOUT)
    with open(os.path.join(folder, "baseline-status"), "w") as f:
        f.write("%d\n" % status)
    with open(serial, errors="replace") as f:
        log("baseline: exit status %d, serial output:\n%s" % (status, f.read()))


class KvmTest(run_test.Test):
    """run_test's Test with a kvm target; daemon_qemus holds gdbhub-kvm pids."""

    def start(self):
        if self.spec["baseline"]:
            run_alone(self.args.gdbhub_kvm, self.elf, self.spec["cpus"], self.tmp)
        super().start()

    def start_daemon(self):
        if self.spec["alone"]:
            self.start_vmm_alone()
            return
        kernel = self.elf if self.spec["kernel"] is None else \
            os.path.join(self.args.guests_dir, self.spec["kernel"] + ".elf")
        target = {"backend": "kvm", "arch": self.spec["arch"], "kernel": kernel,
                  "memory_mb": 64, "cpus": self.spec["cpus"], "serial": self.serial}
        if self.spec["console"]:
            target["console"] = os.path.join(self.tmp, "console.fifo")
            os.mkfifo(target["console"], 0o600)
        self.write_config(target)
        self.daemon = self.spawn_daemon(self.config, self.daemon_log)
        self.watching = True
        threading.Thread(target=self.watch_pidfile, daemon=True).start()

    def spawn_daemon(self, config, log_path):
        """run_test's, with -v for a test with a baseline: the daemon's log
        then names every guest exception it gave back unseen."""
        if not self.spec["baseline"]:
            return super().spawn_daemon(config, log_path)
        cmd = [self.args.gdbhub, "serve", "-c", config, "-v"]
        log("starting " + " ".join(cmd))
        with open(log_path, "ab") as out:
            return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=out, start_new_session=True)

    def start_vmm_alone(self):
        """Spec "alone": gdbhub-kvm with the options the daemon would give
        it, its stub on the target socket; it stands in for the daemon."""
        cmd = [self.args.gdbhub_kvm, "--kernel", self.elf, "--gdb", "unix:" + self.sock,
               "--arch", "i386", "--memory-mb", "64", "--cpus", str(self.spec["cpus"]),
               "--serial", self.serial]
        log("starting " + " ".join(cmd))
        with open(self.daemon_log, "ab") as out:
            self.daemon = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                           stderr=out, start_new_session=True)
        self.daemon_qemus.append(self.daemon.pid)

    def check_vmm_alone(self):
        """gdbhub-kvm ended by itself when gdb was done, with the status
        the scenario expects."""
        rc = self.wait_proc(self.daemon, "gdbhub-kvm after gdb was done", 10)
        try:
            with open(os.path.join(self.tmp, "expect-vmm-status")) as f:
                expected = int(f.read())
        except (OSError, ValueError) as e:
            raise Failure("no exit status in expect-vmm-status: %s" % e)
        if rc != expected:
            raise Failure("gdbhub-kvm exited with status %d, expected %d" % (rc, expected))
        log("gdbhub-kvm exited with status %d, as expected" % rc)

    def run_gdb(self, index, phase):
        if self.spec["mi"]:
            self.run_mi_scenario(index)
        else:
            super().run_gdb(index, phase)

    def run_mi_scenario(self, index):
        """Spec "mi": run the scenario as a program of its own, which
        drives gdb over GDB/MI; it must exit 0.  Its transcript of the MI
        session (gdb-mi.log) joins the report when it fails."""
        out = os.path.join(self.tmp, "gdb-%d.log" % index)
        env = dict(os.environ, GDBHUB_SOCK=self.client_sock(), GDBHUB_ELF=self.elf,
                   GDBHUB_TMP=self.tmp, GDBHUB_GDB=self.args.gdb,
                   GDBHUB_DAEMON_LOG=self.daemon_log,
                   PYTHONDONTWRITEBYTECODE="1")
        cmd = [sys.executable, os.path.join(run_test.SCENARIOS, self.name + ".py")]
        log("MI scenario %d: %s" % (index, " ".join(cmd)))
        with open(out, "ab") as f:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=f, stderr=f,
                                    env=env, cwd=self.tmp, start_new_session=True)
        self.gdbs.append((str(index), proc, out))
        rc = self.wait_proc(proc, "MI scenario %d" % index)
        if rc != 0:
            self.gdbs.append(("%d MI transcript" % index, proc,
                              os.path.join(self.tmp, "gdb-mi.log")))
            raise Failure("MI scenario %d exited with status %d (number of failed checks)"
                          % (index, rc))
        log("MI scenario %d passed" % index)

    def watch_pidfile(self):
        """gdbhub-kvm writes no pidfile: remember the daemon's VMM children."""
        while self.watching:
            for pid in vmm_children_of(self.daemon.pid):
                if pid not in self.daemon_qemus:
                    self.daemon_qemus.append(pid)
                    log("daemon's gdbhub-kvm is pid %d" % pid)
            time.sleep(0.05)

    def stop_daemon(self):
        if self.spec["alone"]:
            self.check_vmm_alone()
            return
        super().stop_daemon()
        if not self.spec["stops_vm"]:
            return
        with open(self.daemon_log, errors="replace") as f:
            text = f.read()
        if "did not end on SIGTERM" in text:
            raise Failure("the daemon had to SIGKILL gdbhub-kvm")
        if "gdbhub-kvm stopped" not in text:
            raise Failure("the daemon's log does not say it stopped gdbhub-kvm")
        log("the daemon stopped the running gdbhub-kvm with SIGTERM")

    def check_no_qemu_left(self):
        """No gdbhub-kvm the daemon started may outlive it.  Orphans come to
        this runner (a subreaper), so they are our children now."""
        self.watching = False
        if not self.daemon_qemus:
            raise Failure("never saw the daemon's gdbhub-kvm")
        end = time.monotonic() + 5
        alive = [p for p in set(self.daemon_qemus) | set(vmm_children_of(os.getpid()))
                 if is_live_vmm(p)]
        while alive and time.monotonic() < end:
            time.sleep(0.05)
            alive = [p for p in alive if is_live_vmm(p)]
        if alive:
            for pid in alive:
                os.kill(pid, signal.SIGKILL)
            raise Failure("gdbhub-kvm still alive 5 s after the daemon exited: pid %s" % alive)
        log("no gdbhub-kvm left (the daemon's: %s)" % self.daemon_qemus)

    def run(self):
        try:
            return super().run()
        finally:
            for pid in set(self.daemon_qemus) | set(vmm_children_of(os.getpid())):
                if is_live_vmm(pid):
                    os.kill(pid, signal.SIGKILL)


def point_daemon_at(gdbhub, gdbhub_kvm):
    """Let the daemon find gdbhub-kvm in its build tree, as it would without
    us; only a gdbhub-kvm elsewhere goes through GDBHUB_KVM."""
    beside = os.path.join(os.path.dirname(gdbhub), "..", "backends", "kvm", VMM)
    if os.path.exists(beside) and os.path.samefile(beside, gdbhub_kvm):
        os.environ.pop("GDBHUB_KVM", None)
    else:
        os.environ["GDBHUB_KVM"] = gdbhub_kvm


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gdbhub", required=True, help="the gdbhub executable")
    ap.add_argument("--gdbhub-kvm", required=True, help="the gdbhub-kvm executable")
    ap.add_argument("--guests-dir", required=True,
                    help="folder holding the guests (demo.elf, spin.elf, traps.elf, ...)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    ap.add_argument("--gdb", default=shutil.which("gdb"))
    ap.add_argument("test", choices=sorted(KVM_SPECS))
    args = ap.parse_args()

    why = kvm_usable()
    if why is not None:
        print("SKIP: /dev/kvm cannot be opened for reading and writing (%s)" % why)
        return SKIP
    if not args.gdb:
        print("SKIP: gdb not found")
        return SKIP
    if not os.access(args.gdbhub_kvm, os.X_OK):
        print("SKIP: %s is not an executable" % args.gdbhub_kvm)
        return SKIP
    spec = dict(run_test.DEFAULTS, **run_test.SPECS.get(args.test, {}))
    spec.update(KVM_DEFAULTS)
    spec.update(KVM_SPECS[args.test])
    spec["backend"] = "kvm"
    args.direct = False
    args.qemu = None
    args.guests_dir = os.path.abspath(args.guests_dir)
    args.gdbhub = os.path.abspath(args.gdbhub)
    args.gdbhub_kvm = os.path.abspath(args.gdbhub_kvm)
    point_daemon_at(args.gdbhub, args.gdbhub_kvm)
    set_child_subreaper()
    if KvmTest(args, args.test, spec).run():
        return 0
    if spec["guest_int3"]:
        print("NOTE: %s needs the guest's own int3 to reach gdbhub-kvm, which it does not"
              " under nested KVM on QEMU's emulated SVM (`monitor kvm` says so)" % args.test)
    return 1


if __name__ == "__main__":
    sys.exit(main())
