# Proves the daemon offers each architecture's hardware slots (x86_64 4, aarch64 4, riscv64 2; qemu_arch_hw_slots) and refuses one more at insert time: N hbreaks are inserted, the N+1st fails when gdb inserts it, `monitor hw` counts N slots with none free, the N hold and stop the guest, and freed slots serve a watchpoint; fails with a wrong count for the arch (QEMU's TCG itself takes any number, so nothing else refuses the extra one).
import check
from check import expect_eq, expect_in, expect_true
from arch_info import INFO, qemu_status

# Functions of demo_virt.c / demo.c, add() called first; kmain is the extra.
FUNCTIONS = ["add", "factorial", "serial_put_dec", "guest_exit"]


def scenario():
    check.connect()
    slots = INFO["hw_slots"]
    for func in FUNCTIONS[:slots]:
        check.run("hbreak " + func)
    check.run("hbreak kmain")
    mark = check.log_mark()
    out, err = check.try_run("continue")
    expect_true("hardware breakpoint %d is refused when inserted" % (slots + 1),
                err is not None, "continue went through: %r" % out)
    expect_in("gdb names the breakpoint it could not insert",
              "Cannot insert hardware breakpoint %d" % (slots + 1), check.log_since(mark))
    text = check.monitor("hw")
    expect_in("monitor hw counts the arch's slots",
              "%d hardware debug slots, 0 free" % slots, text)
    expect_eq("monitor hw lists a holder per slot", text.count("client(s) "), slots)

    check.run("delete %d" % (slots + 1))
    with check.Stops() as ev:
        check.run("continue")
    expect_eq("with %d, the run stops at the first one hit" % slots,
              ev.describe(), ["breakpoint ['add']"])
    expect_eq("function", check.function(), "add")

    check.run("delete")
    expect_in("monitor hw: all free again", "%d hardware debug slots, %d free" % (slots, slots),
              check.monitor("hw"))
    check.run("watch counter")
    with check.Stops() as ev:
        check.run("continue")
    expect_eq("a freed slot serves a watchpoint", ev.describe(), ["breakpoint ['counter']"])
    check.run("delete")
    check.continue_to_exit(qemu_status(7))


if __name__ == "__main__":
    check.main(scenario)
