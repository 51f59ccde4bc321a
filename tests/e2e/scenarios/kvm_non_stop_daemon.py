#!/usr/bin/env python3
# Proves the daemon drives gdbhub-kvm in non-stop mode, so that one vCPU
# stops while the others run: kvm_non_stop's scenario (same guest, smp.elf on
# 4 vCPUs with the BSP held by a `jmp .`, same GDB/MI steps and checks) with
# gdb talking to the daemon instead of the stub.  A gdb with `set non-stop on`
# connects and sees four stopped threads; -exec-continue --all answers at
# once and memory reads through a running thread work (the daemon lets them
# go up: the stub pauses the vCPUs around them); interrupting thread 1 and
# then thread 2 stops just those while the other APs count on per_cpu_ticks
# and thread 2's registers stand still; continuing thread 2 lets only it count
# again; -exec-interrupt --all stops every thread and the counters freeze;
# stepping one thread moves only that thread's pc; continuing all runs the
# guest to its exit (33) as a %Stop:W notification.  The daemon's log must
# say the upstream went non-stop.  Fails if the daemon stops every vCPU
# for one thread's interrupt (it did over an all-stop upstream: the other
# APs then stand still), refuses reads while threads run, loses or doubles a
# stop, or misses the exit.  Exit status: the number of failed checks.
import os
import sys
import traceback

import kvm_non_stop as ns
from gdb_mi import Gdb, MiError


def daemon_log():
    with open(os.environ["GDBHUB_DAEMON_LOG"], errors="replace") as f:
        return f.read()


def connect(s):
    mi = s.mi
    mi.command("-gdb-set mi-async on")
    mi.command("-gdb-set non-stop on")
    wire = s.wire(lambda: mi.command("-target-select remote " + os.environ["GDBHUB_SOCK"],
                                     ns.WAIT))
    ns.expect_in("the daemon offers non-stop", "QNonStop+", wire)
    ns.expect_in("gdb turns it on", "QNonStop:1", wire)
    for thread in range(1, ns.CPUS + 1):
        s.wait_stopped(thread)
    ns.expect_eq("on connect every vCPU is a stopped thread", s.threads(),
                 {n: "stopped" for n in range(1, ns.CPUS + 1)})
    ns.expect_in("the daemon put gdbhub-kvm in non-stop mode", "upstream in non-stop mode",
                 daemon_log())


def scenario(s):
    connect(s)
    where, saved = ns.spin_bsp(s)
    ns.run_all(s)
    ns.interrupt_and_continue(s)
    ns.interrupt_all(s)
    ns.stepi_one(s, 3)
    ns.stepi_one(s, 2)
    ns.run_to_exit(s, where, saved)


def main():
    mi = Gdb(os.environ["GDBHUB_GDB"], [os.environ["GDBHUB_ELF"]],
             os.path.join(ns.TMP, "gdb-mi.log"), ns.TMP)
    try:
        scenario(ns.Session(mi))
    except (MiError, KeyError, TypeError, ValueError, IndexError, OSError):
        traceback.print_exc()
        ns.expect("the scenario ran to its end", False, "see the traceback above")
    status = mi.close()
    print("gdb exited with status %s; %d check(s) failed" % (status, ns.failures), flush=True)
    return min(ns.failures, 125)


if __name__ == "__main__":
    sys.exit(main())
