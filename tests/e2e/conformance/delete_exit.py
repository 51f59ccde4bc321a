# Proves `delete` removes every breakpoint and watchpoint upstream and the guest's exit reaches gdb with the right code on every backend and arch: with breakpoints on add and factorial and a watchpoint on total, the first stop is add; after `delete` the guest runs to its exit with no stop on the way and gdb gets the exit code (7, x86: 15) in $_exitcode, and its UART output is whole; fails if z0/z2 are not relayed (a later call or write would stop again) or the daemon does not turn the backend's exit into a W packet with its status.
import check
from check import expect_eq, expect_in
import conf


def scenario():
    check.connect()
    check.run("break add")
    check.run("break factorial")
    check.run("watch total")
    with check.Stops() as ev:
        check.run("continue")
    expect_eq("stop events", ev.describe(), ["breakpoint ['add']"])
    check.run("delete")
    expect_in("nothing left", "No breakpoints or watchpoints.", check.run("info breakpoints"))
    check.continue_to_exit(conf.status(7))
    expect_in("the guest's UART output", "demo: counter=10\ndemo: total=1045\n"
              "demo: last_fact=120\ndemo: exit 7\n", conf.serial_log())


if __name__ == "__main__":
    check.main(scenario)
