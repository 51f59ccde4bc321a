# The break_args checks, shared by the tests that reach the target another way (tcp_listener, hub_listener, remote_backend, garbage_resilience); no test of its own (conformance/break_args.py runs its checks on every backend and arch). Proves a software breakpoint stops the guest with the right arguments and that register and memory reads reach the guest; fails if Z0, the stop reply, `g`/`p` or `m` are not relayed (or are answered from stale state), e.g. the second hit must see a=1, not the first stop again.
import check
from check import expect_eq, expect_in, value


def scenario(address=None):
    check.connect(address)
    check.run("break add")

    with check.Stops() as ev:
        text = check.run("continue")
    expect_eq("stop events, first continue", ev.describe(), ["breakpoint ['add']"])
    expect_in("gdb reports the breakpoint", "Breakpoint 1, add (a=0, b=100)", text)
    expect_eq("function", check.function(), "add")
    expect_eq("a", value("a"), 0)
    expect_eq("b", value("b"), 100)
    expect_eq("counter", value("counter"), 1)
    expect_eq("exit_value", value("exit_value"), 7)

    with check.Stops() as ev:
        text = check.run("continue")
    expect_eq("stop events, second continue", ev.describe(), ["breakpoint ['add']"])
    expect_in("gdb reports the breakpoint again", "Breakpoint 1, add (a=1, b=100)", text)
    expect_eq("a", value("a"), 1)
    expect_eq("b", value("b"), 100)
    expect_eq("counter", value("counter"), 2)
    expect_eq("total", value("total"), 100)

