# Proves Ctrl-C stops a kvm target through the daemon with no breakpoint needed: gdb continues the spin guest from its first instruction, a SIGINT to gdb makes the daemon send 0x03 to gdbhub-kvm, the guest stops with SIGINT inside spin_loop with `ticks` counting, and `set var release = 1` lets it run to its exit (code 7); fails if the interrupt is not relayed, its stop never reaches gdb (a hang until the runner's timeout), or the VM does not resume after it.
import check
from check import expect_eq, expect_gt, value


def scenario():
    check.connect()
    # Long enough for the guest to be past its start code, which clears .bss.
    check.interrupt_continue(delay=2.0)
    expect_eq("function after the interrupt", check.function(), "spin_loop")
    expect_gt("ticks", value("ticks"), 0)
    check.run("set var release = 1")
    check.continue_to_exit(7)


if __name__ == "__main__":
    check.main(scenario)
