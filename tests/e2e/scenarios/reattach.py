# Proves a client can detach and another attach later: gdb #1 stops at spin_loop, plants a breakpoint on guest_exit and detaches (the guest runs on); gdb #2 finds the guest spinning, can interrupt it with Ctrl-C and releases it to its exit with no stop on the way; fails if detach does not resume the guest or remove gdb #1's breakpoints, or if gdb #2 gets a stale stop or no working interrupt.
import check
from check import expect_eq, expect_gt, value


def first():
    check.connect()
    check.stop_at_spin_loop()
    expect_eq("ticks at the entry of spin_loop", value("ticks"), 0)
    check.run("break guest_exit")
    check.run("detach")


def second():
    check.connect()
    expect_eq("function on attach", check.function(), "spin_loop")
    expect_gt("ticks (the guest ran after gdb #1 detached)", value("ticks"), 0)
    check.interrupt_continue()
    expect_eq("function after the interrupt", check.function(), "spin_loop")
    check.run("set var release = 1")
    check.continue_to_exit(7)


if __name__ == "__main__":
    check.main(first if check.PHASE == 0 else second)
