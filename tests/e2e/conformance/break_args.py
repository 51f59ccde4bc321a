# Proves a breakpoint at a function stops there with its arguments readable on every backend and arch: `break add` stops at add with a=0 b=100 (gdb's report and `info args`), globals read from memory; the second continue stops again with a=1, counter 2, total 100; and gdb took the arch from the target description, which came through unchanged; and at its first instruction (`break *add`) the arguments are where the arch's calling convention puts them; fails if Z0, the stop reply, register or memory reads are not relayed, or a stale stop is replayed (the second stop would show a=0).
import check
from check import expect_eq, expect_in, value
import conf


def stop_at_add(n, a, counter):
    with check.Stops() as ev:
        text = check.run("continue")
    expect_eq("stop events, continue %d" % n, ev.describe(), ["breakpoint ['add']"])
    expect_in("gdb reports the breakpoint with add's arguments",
              "Breakpoint 2, add (a=%d, b=100)" % a, text)
    expect_in("info args", "a = %d\nb = 100" % a, check.run("info args"))
    expect_eq("function", check.function(), "add")
    expect_eq("a", value("a"), a)
    expect_eq("b", value("b"), 100)
    expect_eq("counter", value("counter"), counter)


def at_first_instruction():
    """At add's first instruction, before its prologue: the arguments where
    the arch's calling convention puts them."""
    check.run("break *add")
    with check.Stops() as ev:
        check.run("continue")
    expect_eq("stop events at *add", ev.describe(), ["breakpoint ['*add']"])
    expect_eq("$pc is add's first instruction", check.pc(), value("(long)&add"))
    for expr, expected in zip(conf.FACTS["entry_args"], (0, 100)):
        expect_eq("argument at entry, " + expr, value(expr), expected)
    check.run("delete")


def scenario():
    check.connect()
    conf.expect_arch()
    at_first_instruction()
    check.run("break add")
    stop_at_add(1, 0, 1)
    expect_eq("exit_value", value("exit_value"), 7)
    stop_at_add(2, 1, 2)
    expect_eq("total", value("total"), 100)


if __name__ == "__main__":
    check.main(scenario)
