# Proves `delete` really removes a breakpoint upstream and the guest's exit reaches gdb as "exited with code 017" ($_exitcode 15, QEMU's real status); fails if z0 is not relayed (the next call of add would stop again) or the daemon does not turn QEMU's exit into a W packet.
import check
from check import expect_eq


def scenario():
    check.connect()
    check.run("break add")
    with check.Stops() as ev:
        check.run("continue")
    expect_eq("stop events", ev.describe(), ["breakpoint ['add']"])
    expect_eq("function", check.function(), "add")
    check.run("delete")
    check.continue_to_exit(15)


if __name__ == "__main__":
    check.main(scenario)
