# Proves the hardware slot limit of each backend and arch holds at insert time: N hbreaks are accepted (N: 4, riscv64 QEMU 2), the N+1st is refused when gdb inserts it, with gdb naming it, before anything runs; the daemon's log said at launch how many the target has; `monitor hw` shows the N slots all taken (or, on kvm, that gdbhub-kvm keeps them); the N then hold and stop the guest at the first one hit (add), and freed slots serve a watchpoint; fails if the limit is wrong or missing (QEMU's TCG takes any number, so only the daemon refuses the extra one) or the refusal comes late.
import os

import check
from check import expect_eq, expect_in, expect_true
import conf

# Functions of demo.c / demo_virt.c, add() called first; kmain is the extra.
FUNCTIONS = ["add", "factorial", "serial_put_dec", "guest_exit"]


def expect_log_names_slots():
    """The daemon's log says at launch what the target offers."""
    with open(os.environ["GDBHUB_DAEMON_LOG"], errors="replace") as f:
        log = f.read()
    if conf.FACTS["slots_kept_by"] == "stub":
        expect_in("the log: the stub gives out the slots", "hardware slots are the stub's", log)
    else:
        expect_in("the log counts the slots", "%d hardware breakpoint/watchpoint slots"
                  % conf.FACTS["hw_slots"], log)


def expect_monitor_hw(free):
    slots = conf.FACTS["hw_slots"]
    text = check.monitor("hw")
    if conf.FACTS["slots_kept_by"] == "stub":
        expect_in("monitor hw: the stub keeps the slots", "managed by the stub", text)
        expect_in("monitor hw: x86's four", "4 debug registers (DR0-3)", text)
        return
    expect_in("monitor hw counts the slots", "%d hardware debug slots, %d free"
              % (slots, free), text)
    expect_eq("monitor hw lists a holder per taken slot", text.count("client(s) "),
              slots - free)


def scenario():
    check.connect()
    expect_log_names_slots()
    slots = conf.FACTS["hw_slots"]
    for func in FUNCTIONS[:slots]:
        check.run("hbreak " + func)
    check.run("hbreak kmain")
    mark = check.log_mark()
    out, err = check.try_run("continue")
    expect_true("hardware breakpoint %d is refused when inserted" % (slots + 1),
                err is not None, "continue went through: %r" % out)
    expect_in("gdb names the breakpoint it could not insert",
              "Cannot insert hardware breakpoint %d" % (slots + 1), check.log_since(mark))
    expect_monitor_hw(0)

    check.run("delete %d" % (slots + 1))
    with check.Stops() as ev:
        check.run("continue")
    expect_eq("with %d, the run stops at the first one hit" % slots,
              ev.describe(), ["breakpoint ['add']"])
    expect_eq("function", check.function(), "add")

    check.run("delete")
    expect_monitor_hw(slots)
    check.run("watch counter")
    with check.Stops() as ev:
        check.run("continue")
    expect_eq("a freed slot serves a watchpoint", ev.describe(), ["breakpoint ['counter']"])
    check.run("delete")
    check.continue_to_exit(conf.status(7))


if __name__ == "__main__":
    check.main(scenario)
