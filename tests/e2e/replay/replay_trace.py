# Proves reverse-stepi retraces stepi exactly through the daemon on a replay: from a breakpoint in add late in the run, 40 forward stepi record the pc and eax after each; 40 reverse-stepi must visit the same pcs and eax values in reverse order back to the start, and stepping forward again reproduces the trace; fails if bs is not forwarded, a reverse stop is lost or lands elsewhere.
import check
from check import expect_eq, value

STEPS = 40


def state():
    return (check.pc(), value("$eax"))


def scenario():
    check.connect()
    check.run("break add if a == 8")
    check.run("continue")
    expect_eq("function", check.function(), "add")
    expect_eq("add's a", value("a"), 8)
    check.run("delete")

    forward = [state()]
    for _ in range(STEPS):
        check.run("stepi")
        forward.append(state())
    expect_eq("the trace moves (distinct pcs)", len(set(p for p, _ in forward)) > 5, True)

    backward = [state()]
    for _ in range(STEPS):
        check.run("reverse-stepi")
        backward.append(state())
    expect_eq("reverse-stepi retraces stepi", backward, list(reversed(forward)))

    again = [state()]
    for _ in range(STEPS):
        check.run("stepi")
        again.append(state())
    expect_eq("stepi after going back repeats the trace", again, forward)


if __name__ == "__main__":
    check.main(scenario)
