# Proves detach and reattach on every backend and arch: gdb #1 stops the spin guest at spin_loop, plants a breakpoint on guest_exit and detaches (the guest runs on); gdb #2 attaches later, finds it spinning in spin_loop with ticks counted, stops it with Ctrl-C, releases it and sees it exit (3) with no stop at gdb #1's breakpoint; fails if detach does not resume the guest or leaves gdb #1's breakpoint in, or gdb #2 gets a stale stop or no working interrupt.
import check
from check import expect_eq, expect_gt, value
import conf


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
    check.continue_to_exit(conf.status(3))


if __name__ == "__main__":
    check.main(first if check.PHASE == 0 else second)
