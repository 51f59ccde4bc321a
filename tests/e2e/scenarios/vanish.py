# Proves a client that vanishes (kill -9, no detach, no z packets) leaves no breakpoint upstream: gdb #1 plants breakpoints on serial_puts (hardware) and guest_exit and continues, the runner kills it, gdb #2 releases the guest, which must reach its exit without stopping; fails if the daemon keeps the dead client's breakpoints (a SIGTRAP stop) or wedges after the disconnect.
import check
from check import expect_eq, expect_gt, value


def first():
    check.connect()
    check.stop_at_spin_loop()
    check.run("break guest_exit")
    check.run("hbreak serial_puts")
    check.ready()
    check.run("continue")
    check.expect_true("gdb #1 is killed while the guest runs", False,
                      "continue returned: the guest stopped")


def second():
    check.connect()
    expect_eq("function on attach", check.function(), "spin_loop")
    expect_gt("ticks", value("ticks"), 0)
    check.run("set var release = 1")
    check.continue_to_exit(7)


if __name__ == "__main__":
    check.main(first if check.PHASE == 0 else second)
