# Proves Ctrl-C works through the daemon: a SIGINT to gdb while the guest spins makes gdb send 0x03 and the guest stops with SIGINT inside spin_loop, and it can then be released to its exit; fails if the interrupt byte is not relayed upstream or the stop it causes never reaches gdb (gdb would hang until the runner's timeout).
import check
from check import expect_eq, expect_gt, value


def scenario():
    check.connect()
    check.stop_at_spin_loop()
    check.interrupt_continue()
    expect_eq("function after the interrupt", check.function(), "spin_loop")
    expect_gt("ticks", value("ticks"), 0)
    check.run("set var release = 1")
    check.continue_to_exit(7)


if __name__ == "__main__":
    check.main(scenario)
