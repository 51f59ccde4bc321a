# Proves an audit log that cannot be written (audit_log is /dev/full: every
# write fails with ENOSPC) stops every action that would change the VM
# unrecorded: gdb's breakpoint insert (so its continue), a memory write and a
# register write are refused and the VM does not move, while reads still work;
# the daemon logs the failure once, not once per line. Fails if any of those
# actions goes through, or the error is logged per line or not at all.
import check
from check import expect_eq, expect_in


def scenario():
    check.connect()
    start = check.pc()
    before = check.value("counter")
    check.run("break add")
    with check.Stops() as ev:
        text = check.expect_refused("continue (its breakpoint insert is refused)", "continue")
    expect_in("gdb could not insert the breakpoint", "Cannot insert breakpoint", text)
    expect_eq("no stop", ev.describe(), [])
    check.run("delete")
    check.expect_refused("a memory write", "set var counter = 5")
    check.expect_refused("a register write", "set $eax = 0x1234")
    check.refresh()
    expect_eq("the VM did not move", check.pc(), start)
    expect_eq("counter is unchanged (reads still work)", check.value("counter"), before)
    line = check.daemon_log_wait(r"refused: the audit log /dev/full cannot be written",
                                 "the daemon says why it refused")
    expect_in("the client gets E05", "error 05", line)
    with open(check.os.environ["GDBHUB_DAEMON_LOG"]) as f:
        errors = [l for l in f if "audit log /dev/full: cannot write" in l]
    expect_eq("the write failure is logged once", len(errors), 1)
    check.run("detach")


if __name__ == "__main__":
    check.main(scenario)
