# Proves memory writes reach the guest and the exit status gdb sees is QEMU's real one: after `set var exit_value = 9` the guest exits with 9, QEMU with 19, so $_exitcode must be 19; fails if `M`/`X` writes are dropped (15 would come out) or the daemon invents the status.
import check
from check import expect_eq, value


def scenario():
    check.connect()
    check.run("break add")
    check.run("continue")
    expect_eq("function", check.function(), "add")
    expect_eq("exit_value before the write", value("exit_value"), 7)
    check.run("set var exit_value = 9")
    expect_eq("exit_value read back", value("exit_value"), 9)
    check.run("delete")
    check.continue_to_exit(19)


if __name__ == "__main__":
    check.main(scenario)
