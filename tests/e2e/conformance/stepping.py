# Proves single-stepping and the commands built on it on every backend and arch: `next` moves one source line in kmain, `step` enters add with a=0 b=100, three `stepi` in add each move $pc by exactly the instruction's length, `finish` prints "Value returned" with a+b = 100 and returns to kmain's line, `next` steps over a whole call of add (total 201), and the guest then runs to its exit; fails if single steps (vCont;s / s) are not relayed, step more or less than one instruction, or their stop is lost.
import gdb

import check
from check import expect_eq, expect_in, value
import conf


def scenario():
    check.connect()
    counter_line = check.source_line("counter++;")
    total_line = check.source_line("total += add(i, 100);")
    source = gdb.lookup_global_symbol("kmain").symtab.filename

    check.run("tbreak %s:%d" % (source, counter_line))
    check.run("continue")
    expect_eq("function", check.function(), "kmain")
    expect_eq("line", check.line(), counter_line)
    expect_eq("counter", value("counter"), 0)

    check.run("next")
    expect_eq("after next: function", check.function(), "kmain")
    expect_eq("after next: line", check.line(), total_line)
    expect_eq("after next: counter", value("counter"), 1)

    check.run("step")
    expect_eq("after step: function", check.function(), "add")
    expect_eq("after step: a", value("a"), 0)
    expect_eq("after step: b", value("b"), 100)

    for n in range(3):
        conf.stepi_one(n)
    expect_eq("after three stepi: function", check.function(), "add")

    check.run("print 12345")   # so that `$` is new only if finish prints a value
    text = check.run("finish")
    expect_in("finish prints the return value", "Value returned is", text)
    expect_eq("value returned ($)", value("$"), 100)
    expect_eq("after finish: function", check.function(), "kmain")
    expect_eq("after finish: line", check.line(), total_line)

    check.run("tbreak %s:%d" % (source, total_line))
    check.run("continue")
    expect_eq("second iteration: line", check.line(), total_line)
    expect_eq("second iteration: counter", value("counter"), 2)
    check.run("next")
    expect_eq("next over add: function", check.function(), "kmain")
    expect_eq("next over add: total", value("total"), 201)

    check.run("delete")
    check.continue_to_exit(conf.status(7))


if __name__ == "__main__":
    check.main(scenario)
