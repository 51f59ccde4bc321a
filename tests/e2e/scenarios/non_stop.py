# Proves gdb in non-stop mode works through the daemon over QEMU's all-stop stub: the daemon offers QNonStop+ and vCont;t, answers a resume with OK at once, and reports stops as %Stop notifications that gdb drains with vStopped; a breakpoint stop, Ctrl-C (vCtrlC) and the guest's exit all reach gdb. Fails if QNonStop is refused (gdb aborts the connection), if a resume waits for the stop (gdb times out waiting for OK), or if a notification is missing (gdb's continue never returns).
import re

import check
from check import expect_eq, expect_gt, expect_in, value

import gdb


def wire_of(fn):
    """Run fn with gdb's remote debug log on; return what crossed the wire."""
    gdb.execute("set debug remote 1")
    mark = check.log_mark()
    try:
        fn()
    finally:
        gdb.execute("set debug remote 0")
    return check.log_since(mark)


def scenario():
    gdb.execute("set non-stop on")
    check.connect()
    check.daemon_log_wait(r"client \d+: non-stop mode", "QNonStop:1 accepted")
    wire = wire_of(check.stop_at_spin_loop)
    check.expect_true("the resume is answered OK at once",
                      re.search(r"Sending packet: \$vCont;c[^#]*#..\n.*Packet received: OK\n", wire),
                      wire)
    expect_in("the stop comes as a %Stop notification", "Stop:T05", wire)
    expect_in("gdb drains it with vStopped", "vStopped", wire)
    expect_eq("the thread is stopped in gdb's view", gdb.selected_thread().is_stopped(), True)
    wire = wire_of(check.interrupt_continue)
    expect_in("Ctrl-C in non-stop is vCtrlC", "vCtrlC", wire)
    expect_eq("function after the interrupt", check.function(), "spin_loop")
    expect_gt("ticks", value("ticks"), 0)
    check.run("set var release = 1")
    check.continue_to_exit(7)


if __name__ == "__main__":
    check.main(scenario)
