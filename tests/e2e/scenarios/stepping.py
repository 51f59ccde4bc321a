# Proves single-stepping and the commands built on it: `next` moves one source line in kmain, `step` enters add, `finish` prints "Value returned" with a+b, and each `stepi` moves $pc by exactly the instruction's length; fails if vCont;s/s is not relayed, steps more or less than one instruction, or the stop after a step is lost.
import gdb

import check
from check import expect_eq, expect_in, expect_ne, value

BRANCHES = ("j", "call", "ret", "loop", "int", "iret", "lcall", "ljmp", "lret")


def stepi_checks(count):
    arch = gdb.selected_frame().architecture()
    for n in range(count):
        before = check.pc()
        check.run("x/2i $pc")
        insn = arch.disassemble(before, count=1)[0]
        with check.Stops() as ev:
            check.run("stepi")
        expect_eq("stepi %d: stop events" % n, ev.describe(), ["StopEvent"])
        mnemonic = insn["asm"].split()[0]
        if mnemonic.startswith(BRANCHES):
            expect_ne("stepi %d over %r: $pc moved" % (n, insn["asm"]), check.pc(), before)
        else:
            expect_eq("stepi %d over %r (%d bytes): $pc" % (n, insn["asm"], insn["length"]),
                      hex(check.pc()), hex(before + insn["length"]))


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

    check.run("print 12345")   # so that `$` is new only if finish prints a value
    text = check.run("finish")
    expect_in("finish prints the return value", "Value returned is", text)
    expect_eq("value returned ($)", value("$"), 100)
    expect_eq("after finish: function", check.function(), "kmain")
    expect_eq("after finish: line", check.line(), total_line)

    stepi_checks(3)

    # `next` over a whole iteration, including the call of add.
    check.run("tbreak %s:%d" % (source, total_line))
    check.run("continue")
    expect_eq("second iteration: line", check.line(), total_line)
    expect_eq("second iteration: counter", value("counter"), 2)
    check.run("next")
    expect_eq("next over add: function", check.function(), "kmain")
    expect_eq("next over add: total", value("total"), 201)

    check.run("delete")
    check.continue_to_exit(15)


if __name__ == "__main__":
    check.main(scenario)
