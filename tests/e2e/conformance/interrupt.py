# Proves Ctrl-C stops a running guest on every backend and arch: with the spin guest busy in spin_loop, a SIGINT to gdb makes the guest stop with SIGINT inside spin_loop with ticks counted, and after `set var release = 1` it runs to its exit (3); fails if the interrupt byte is not relayed upstream or its stop never reaches gdb (gdb would hang until the runner's timeout).
import check
from check import expect_eq, expect_gt, value
import conf


def scenario():
    check.connect()
    check.stop_at_spin_loop()
    check.interrupt_continue()
    expect_eq("function after the interrupt", check.function(), "spin_loop")
    expect_gt("ticks", value("ticks"), 0)
    check.run("set var release = 1")
    check.continue_to_exit(conf.status(3))


if __name__ == "__main__":
    check.main(scenario)
