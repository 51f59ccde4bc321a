# Proves reverse execution works through the daemon on a replay of the demo guest: from a breakpoint late in the run (factorial), reverse-continue with a watchpoint on counter goes back to its last write and then the one before (counter 10, then 9), reverse-continue reaches an earlier breakpoint hit (add with a=7, the last call before counter became 9), reverse-finish returns to the caller, reverse-step and reverse-next move back by lines, and running forward past the end reports the recorded exit (15); fails if bs/bc are not offered or forwarded, or the stops are not relayed.
import check
from check import expect_eq, expect_in, value


def scenario():
    check.connect()
    text = check.run("maint packet qSupported")
    expect_in("the daemon offers reverse step", "ReverseStep+", text)
    expect_in("the daemon offers reverse continue", "ReverseContinue+", text)

    check.run("break factorial")
    check.run("continue")
    expect_eq("function", check.function(), "factorial")
    expect_eq("counter at factorial", value("counter"), 10)
    check.run("delete")

    # QEMU stops after the write it finds, as a plain SIGTRAP.
    check.run("watch counter")
    for want in (10, 9):
        check.run("reverse-continue")
        expect_eq("function after reverse-continue to the watch", check.function(), "kmain")
        expect_eq("counter after reverse-continue to the watch", value("counter"), want)
    check.run("delete")

    check.run("break add")
    with check.Stops() as ev:
        check.run("reverse-continue")
    expect_eq("stop events", ev.describe(), ["breakpoint ['add']"])
    expect_eq("function", check.function(), "add")
    expect_eq("add's a: the last call before counter became 9", value("a"), 7)
    check.run("delete")

    check.run("reverse-finish")
    expect_eq("reverse-finish returns to the caller", check.function(), "kmain")
    expect_eq("counter in the caller", value("counter"), 8)
    call_line = check.line()
    # The first reverse-next goes to the start of the call's line, the
    # second to the increment before it.
    check.run("reverse-next")
    expect_eq("reverse-next: the start of the call's line", check.line(), call_line)
    check.run("reverse-next")
    expect_eq("reverse-next: the line before the call", check.line(), call_line - 1)
    expect_eq("counter before its increment", value("counter"), 7)
    # reverse-step goes back line by line (the loop's header) and into the
    # previous iteration's call of add, from its end.
    for _ in range(4):
        check.run("reverse-step")
        if check.function() == "add":
            break
    expect_eq("reverse-step into the previous iteration's call of add", check.function(), "add")
    expect_eq("add's a one iteration earlier", value("a"), 6)

    check.continue_to_exit(15)


if __name__ == "__main__":
    check.main(scenario)
