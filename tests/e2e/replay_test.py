#!/usr/bin/env python3
"""Run one replay end-to-end test: record the demo guest with `gdbhub record`,
then a real gdb debugs the recording backwards through the daemon.

usage: replay_test.py --gdbhub PATH --guests-dir DIR [--keep] TESTNAME

The runner records build/tests/guests/demo.elf into a recording folder in a
scratch directory, writes a config whose target "demo" is a "replay" target
of that recording (or, for tests marked backend "tcg", the plain tcg target
that was recorded), starts `gdbhub serve`, and runs
`gdb -batch -nx -x replay/TESTNAME.py`. The pieces are run_test.py's: the
same checks (gdb exits 0, the daemon exits 0 on SIGTERM, no QEMU left).
Exit status: 0 pass, 1 fail, 77 skip (gdb or gdb-multiarch, the QEMU,
qemu-img or the guest missing, or QEMU 7.2's replay deadlock, below).

QEMU 7.2 sometimes deadlocks while it loads a snapshot to go backwards: its
main thread waits in do_run_on_cpu while holding the replay mutex, and the
vCPU thread waits for that mutex (backends/replay/README.md). When a gdb
session does not end in time, the runner looks at the replaying QEMU's
threads with gdb; if that is what they show, the test reports itself
skipped with the backtraces as the reason: the daemon was not at fault,
and nothing was verified. Any other hang fails.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys

import run_test
from run_test import Failure, Test, log, set_child_subreaper

HERE = os.path.dirname(os.path.abspath(__file__))
REPLAY_SCENARIOS = os.path.join(HERE, "replay")
RECORD_TIMEOUT = 60   # s: the demo guest records in well under a second
GDB_SESSION_LIMIT = 60  # s: well inside run_test's hard timeout, so that a
                        # hung QEMU can still be looked at

# gdbhub record turns kvmvapic off on x86 unless the target sets it; which
# way gdbhub-replay steps back follows (its log line says)
VAPIC_ON = ["-global", "apic-common.vapic=on"]
VAPIC_OFF = ["-global", "apic-common.vapic=off"]
LIVE_PATH = "reverse steps in the running QEMU"
COPY_PATH = "reverse steps by a QEMU started from a checkpoint copy"

# backend  "replay": the target replays the recording; "tcg": the recorded
#          target itself (no reverse execution)
SPECS = {
    "replay_reverse": {"backend": "replay"},
    "replay_trace":   {"backend": "replay"},
    "reverse_refused": {"backend": "tcg"},
    # clients: one gdb per client at once (replay/TESTNAME_CLIENT.py), as
    # run_test's spec "clients"
    "replay_seek":    {"backend": "replay", "clients": {"a": "control", "c": "observe"}},
    # "sharing": "fork": each client its own replay, all gone once they left
    "replay_fork":    {"backend": "replay", "clients": {"a": "control", "b": "control"},
                       "target": {"sharing": "fork"}, "forks": True},
    # a long recording (the spin guest cut by a limit) where reverse steps
    # go through gdbhub-replay's checkpoints; "sup_log": the line the
    # supervisor must log (which way it steps back)
    "replay_checkpoints": {"backend": "replay", "guest": "spin",
                           "record_args": ["--max-icount", "200000000"],
                           "sup_log": LIVE_PATH},
    # the same on a recording made with kvmvapic (the target asks for it):
    # steps back by QEMUs started from checkpoint copies, as for recordings
    # made before gdbhub record turned it off
    "replay_checkpoints_copy": {"backend": "replay", "guest": "spin", "scenario":
                                "replay_checkpoints",
                                "record_args": ["--max-icount", "200000000"],
                                "qemu_args": VAPIC_ON, "sup_log": COPY_PATH},
    # "checkpoints": {"max": 3}: a long session keeps no more than that,
    # in the live QEMU's disk or as copies ("max_on_disk": the runner
    # counts them after the session; the VM stays stopped then, else its
    # run would be taking more, and a count could fall between a copy and
    # the thinning after it)
    "replay_checkpoint_cap": {"backend": "replay", "guest": "spin",
                              "record_args": ["--max-icount", "200000000"],
                              "target": {"checkpoints": {"every": 10000000, "max": 3},
                                         "on_last_detach": "stay"},
                              "max_on_disk": 3, "sup_log": LIVE_PATH},
    # coarse checkpoints while one continue runs, unseen by gdb
    "replay_continue_checkpoints": {"backend": "replay", "guest": "spin",
                                    "record_args": ["--max-icount", "600000000"],
                                    "target": {"checkpoints": {"every": 50000000}},
                                    "sup_log": LIVE_PATH},
    # reverse-continue to a breakpoint on the instruction just behind
    "replay_reverse_adjacent": {"backend": "replay", "guest": "spin",
                                "record_args": ["--max-icount", "20000000"],
                                "sup_log": LIVE_PATH},
    # reverse-continue to a hit behind every checkpoint (QEMU walks back
    # through them). Live way only: on the copy way QEMU's own bc replays
    # from init and hits QEMU 7.2's bc hang whenever the host is busy
    # (README.md)
    "replay_reverse_far": {"backend": "replay", "guest": "spin",
                           "record_args": ["--max-icount", "200000000"],
                           "target": {"checkpoints": {"every": 20000000}},
                           "sup_log": LIVE_PATH},
}

# the checkpoint scenario, with a reverse-continue, on QEMU's virt machines
# (no kvmvapic: their running replay loads late snapshots, so the live
# way). "arch": the guest's (ARCH/spin.elf under --guests-dir, debugged
# with gdb-multiarch; VIRT_TOOLS)
for _arch in ("aarch64", "riscv64"):
    SPECS["replay_checkpoints_" + _arch] = {
        "backend": "replay", "guest": "spin", "arch": _arch,
        "scenario": "replay_checkpoints_virt",
        "record_args": ["--max-icount", "300000000"], "sup_log": LIVE_PATH}
VIRT_TOOLS = {"aarch64": ("gdb-multiarch", "qemu-system-aarch64"),
              "riscv64": ("gdb-multiarch", "qemu-system-riscv64")}

# the short reverse scenarios both ways: QEMU stepping back itself, and
# (recorded with kvmvapic) by QEMUs started from checkpoint copies
for _name in ("replay_reverse", "replay_trace", "replay_checkpoint_cap",
              "replay_continue_checkpoints"):
    SPECS[_name]["sup_log"] = LIVE_PATH
    SPECS[_name + "_copy"] = dict(SPECS[_name], scenario=_name, qemu_args=VAPIC_ON,
                                  sup_log=COPY_PATH)


class ReplayTest(Test):
    def __init__(self, args, name, spec):
        super().__init__(args, name, dict(run_test.DEFAULTS, **spec))
        self.recording = os.path.join(self.tmp, "rec")
        self.record_config = os.path.join(self.tmp, "record.json")
        self.replay_backend = spec["backend"] == "replay"
        self.arch = spec.get("arch", "i386")
        if self.arch in VIRT_TOOLS:
            self.elf = os.path.join(args.guests_dir, self.arch, spec["guest"] + ".elf")

    def tcg_target(self):
        return {"backend": "tcg", "arch": self.arch, "kernel": self.elf,
                "memory_mb": 64, "cpus": 1, "serial": self.serial,
                "qemu_args": self.spec.get("qemu_args", [])}

    def record(self):
        """gdbhub record the demo guest; the folder must hold what it promises."""
        rec = record_target(self.args.gdbhub, self.run_dir, self.record_config,
                            dict(name=run_test.TARGET, **self.tcg_target()), self.recording,
                            self.spec.get("record_args", []))
        # x86 recordings are made without kvmvapic, unless the target says
        # otherwise (a running replay can then load its late snapshots);
        # the virt machines have none, and get no option
        args = rec["guest"]["qemu_args"]
        want = self.spec.get("qemu_args") or ([] if self.arch in VIRT_TOOLS else VAPIC_OFF)
        if args != want or not contains(rec["qemu_command"], want) or \
                (not want and any("vapic" in a for a in rec["qemu_command"])):
            raise Failure("recording.json: qemu_args %s, command %s; expected %s in both"
                          % (args, rec["qemu_command"], want))
        if rec["guest"]["arch"] != self.arch:
            raise Failure("recording.json: arch %s, expected %s" % (rec["guest"]["arch"], self.arch))
        for name in ("replay.bin", "disk.qcow2", "serial.log", os.path.basename(self.elf)):
            if not os.path.isfile(os.path.join(self.recording, name)):
                raise Failure("the recording has no " + name)
        if "record_args" in self.spec:
            if rec["end"] != "limit" or not rec["icount_exact"]:
                raise Failure("recording.json: end %s, exact %s; expected the limit"
                              % (rec["end"], rec["icount_exact"]))
            return
        if rec["end"] != "exit" or rec["exit_status"] != 15:
            raise Failure("recording.json: end %s, status %s; expected the guest's exit, 15"
                          % (rec["end"], rec["exit_status"]))
        if rec["icount"] <= 0 or not rec["icount_exact"] or rec["guest"]["arch"] != "i386":
            raise Failure("recording.json: icount %s (exact %s), arch %s"
                          % (rec["icount"], rec["icount_exact"], rec["guest"]["arch"]))
        with open(os.path.join(self.recording, "serial.log")) as f:
            if "demo: exit 7" not in f.read():
                raise Failure("the recording's serial.log lacks the guest's output")

    def start_daemon(self):
        self.record()
        if self.replay_backend:
            self.write_config({"backend": "replay", "recording": self.recording})
        else:
            self.write_config(self.tcg_target())
        self.daemon = self.spawn_daemon(self.config, self.daemon_log)
        self.watching = True
        run_test.threading.Thread(target=self.watch_pidfile, daemon=True).start()

    def start_gdb(self, label, script, sock, env):
        # run_test's multi-client runner names scripts in its own folder.
        if os.path.dirname(script) == run_test.SCENARIOS:
            script = os.path.join(REPLAY_SCENARIOS, os.path.basename(script))
        return super().start_gdb(label, script, sock, env)

    def run_clients(self):
        super().run_clients()
        if self.spec.get("forks"):
            self.check_forks_gone()

    def check_forks_gone(self):
        """Every client's own replay ended with its client: no NAME@cID
        file in the runtime folder, and the configured target's QEMU the
        daemon's only one."""
        deadline = run_test.time.time() + 20
        while True:
            files = [f for f in os.listdir(self.run_dir) if "@c" in f]
            qemus = run_test.children_of(self.daemon.pid, lambda comm: "qemu" in comm or comm == "gdbhub-replay")
            if not files and len(qemus) == 1:
                log("the clients' replays are gone (daemon's QEMUs: %s)" % qemus)
                return
            if run_test.time.time() > deadline:
                raise Failure("clients' replays left behind: files %s, QEMUs %s"
                              % (files, qemus))
            run_test.time.sleep(0.1)

    def check_checkpoints_on_disk(self, cap):
        """No more than cap checkpoints besides init: as snapshots in the
        QEMUs' disks (live way) and as checkpoint copies (copy way)."""
        disks = [f for f in os.listdir(self.run_dir) if re.search(r"\.q\d+\.qcow2$", f)]
        copies = [f for f in os.listdir(self.run_dir) if re.search(r"\.ck\d+\.qcow2$", f)]
        if len(copies) > cap:
            raise Failure("%d checkpoint copies on disk, more than %d: %s" % (len(copies), cap, copies))
        for disk in disks:
            out = subprocess.run(["qemu-img", "snapshot", "-l", "-U", os.path.join(self.run_dir, disk)],
                                 capture_output=True, text=True, check=False).stdout
            # QEMU 7.2 lists each snapshot of a replay's disk twice
            tags = set(re.findall(r"^\d+\s+(\S+)", out, re.M)) - {"init"}
            if len(tags) > cap:
                raise Failure("%s holds %d snapshots besides init, more than %d: %s"
                              % (disk, len(tags), cap, sorted(tags)))
        log("checkpoints on disk: %d copies; disks %s hold no more than %d besides init"
            % (len(copies), disks, cap))

    def supervised_qemus(self):
        """The QEMUs of the daemon's gdbhub-replay supervisors."""
        sups = run_test.children_of(self.daemon.pid, lambda comm: comm == "gdbhub-replay")
        return [q for p in sups for q in run_test.children_of(p, lambda comm: "qemu" in comm)]

    def run_gdb(self, index, phase):
        log("gdb session %d (%s)" % (index, phase))
        proc, _ = self.start_gdb(str(index), os.path.join(REPLAY_SCENARIOS,
                                                              self.spec.get("scenario", self.name) + ".py"),
                                 self.client_sock(), {"GDBHUB_PHASE": str(index),
                                                      "GDBHUB_RECORDING": self.recording})
        try:
            rc = self.wait_proc(proc, "gdb session %d" % index, GDB_SESSION_LIMIT)
        except Failure:
            self.qemu_deadlock = qemu_replay_deadlock(self.daemon_qemus + self.supervised_qemus())
            raise
        if rc != 0:
            raise Failure("gdb session %d exited with status %d (number of failed checks)"
                          % (index, rc))
        # gdb exits 0 when its final `quit N` fails on a lost connection:
        # the checks' own lines decide too.
        with open(self.gdbs[-1][2], errors="replace") as f:
            failed = [l for l in f if l.startswith("FAIL:")]
        if failed:
            raise Failure("gdb session %d: %d failed check(s), though gdb exited 0"
                          % (index, len(failed)))
        log("gdb session %d passed" % index)
        if "max_on_disk" in self.spec:
            self.check_checkpoints_on_disk(self.spec["max_on_disk"])
        if "sup_log" in self.spec:
            with open(self.daemon_log, errors="replace") as f:
                if self.spec["sup_log"] not in f.read():
                    raise Failure("gdbhub-replay did not log %r" % self.spec["sup_log"])


def record_target(gdbhub, run_dir, config_path, target, out_dir, extra_args=()):
    """Run `gdbhub record` on target (a tcg target's config, with its name)
    through a config file at config_path, into out_dir; return its
    recording.json. Raises Failure if record fails."""
    with open(config_path, "w") as f:
        json.dump({"runtime_dir": run_dir, "targets": [target]}, f)
    cmd = [gdbhub, "record", "-c", config_path, target["name"], "--out", out_dir] + \
        list(extra_args)
    log("recording: " + " ".join(cmd))
    out = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                         timeout=RECORD_TIMEOUT)
    log("gdbhub record: status %d\n%s%s" % (out.returncode, out.stdout, out.stderr))
    if out.returncode != 0:
        raise Failure("gdbhub record exited with status %d" % out.returncode)
    with open(os.path.join(out_dir, "recording.json")) as f:
        return json.load(f)


def contains(seq, part):
    """Whether list seq holds part as consecutive items."""
    return any(seq[i:i + len(part)] == part for i in range(len(seq) - len(part) + 1))


def qemu_replay_deadlock(pids):
    """The backtraces of the first of pids (the replaying QEMUs) that shows
    QEMU 7.2's load-snapshot deadlock, or None."""
    gdb = shutil.which("gdb")
    for pid in pids:
        if not gdb or not run_test.is_live_qemu(pid):
            continue
        try:
            text = subprocess.run([gdb, "-nx", "-batch", "-p", str(pid),
                                   "-ex", "thread apply all bt 8"], capture_output=True,
                                  text=True, timeout=30).stdout
        except subprocess.TimeoutExpired:
            continue
        threads = text.split("\nThread ")
        main_waits = any("do_run_on_cpu" in t for t in threads)
        vcpu_waits = any("replay_mutex_lock" in t for t in threads)
        if main_waits and vcpu_waits:
            return text
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gdbhub", required=True)
    ap.add_argument("--guests-dir", required=True)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--gdb")
    ap.add_argument("--qemu")
    ap.add_argument("test", choices=sorted(SPECS))
    args = ap.parse_args()
    args.direct = False
    arch = SPECS[args.test].get("arch", "i386")
    gdb_name, qemu_name = VIRT_TOOLS.get(arch, ("gdb", "qemu-system-i386"))
    args.gdb = args.gdb or shutil.which(gdb_name)
    args.qemu = args.qemu or shutil.which(qemu_name)
    for tool, path in ((gdb_name, args.gdb), (qemu_name, args.qemu),
                       ("qemu-img", shutil.which("qemu-img"))):
        if not path:
            print("SKIP: %s not found" % tool)
            return run_test.SKIP
    args.guests_dir = os.path.abspath(args.guests_dir)
    if arch in VIRT_TOOLS:
        guest = os.path.join(args.guests_dir, arch, SPECS[args.test]["guest"] + ".elf")
        if not os.path.isfile(guest):
            print("SKIP: guest %s not built (its cross compiler is missing?)" % guest)
            return run_test.SKIP
    args.gdbhub = os.path.abspath(args.gdbhub)
    set_child_subreaper()
    test = ReplayTest(args, args.test, SPECS[args.test])
    if test.run():
        return 0
    if getattr(test, "qemu_deadlock", None):
        print(test.qemu_deadlock)
        print("SKIP: QEMU 7.2 deadlocked loading a replay snapshot (main thread in "
              "do_run_on_cpu, vCPU thread in replay_mutex_lock; backtraces above)")
        return run_test.SKIP
    return 1


if __name__ == "__main__":
    sys.exit(main())
