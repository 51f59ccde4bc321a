# Proves gdb debugs a guest of another architecture through the daemon: the target description QEMU sends reaches gdb unchanged (gdb's architecture and a part only QEMU's has), add()'s arguments are in the arch's argument registers at its first instruction, stepi moves $pc by one instruction, finish returns a+b, a hardware watchpoint on counter stops with old and new value, and a memory write decides the exit status QEMU ends with (9, x86: 19); fails if the daemon rewrites or drops qXfer:features, relays no Z0/Z2/vCont;s, or invents the exit status.
import gdb

import check
from check import expect_eq, expect_in, expect_true, value
from arch_info import INFO, qemu_status, serial_log


def target_description():
    check.expect_eq("gdb's architecture, from the target description",
                    gdb.selected_frame().architecture().name(), INFO["gdb_arch"])
    xml = gdb.execute("maint print xml-tdesc", to_string=True)
    expect_in("QEMU's target description came through", INFO["tdesc_mark"], xml)


def at_entry_of_add():
    check.run("break *add")
    with check.Stops() as ev:
        check.run("continue")
    expect_eq("stop events", ev.describe(), ["breakpoint ['*add']"])
    expect_eq("$pc is add's first instruction", check.pc(), value("(long)&add"))
    first, second = INFO["arg_regs"]
    expect_eq("first argument in $" + first, value("$" + first), 0)
    expect_eq("second argument in $" + second, value("$" + second), 100)
    check.run("delete")


def in_add():
    check.run("break add")
    check.run("continue")
    expect_eq("function", check.function(), "add")
    expect_eq("a", value("a"), 0)
    expect_eq("b", value("b"), 100)
    expect_eq("counter", value("counter"), 1)
    check.run("delete")

    arch = gdb.selected_frame().architecture()
    before = check.pc()
    insn = arch.disassemble(before, count=1)[0]
    with check.Stops() as ev:
        check.run("stepi")
    expect_eq("stepi: stop events", ev.describe(), ["StopEvent"])
    expect_eq("stepi over %r (%d bytes): $pc" % (insn["asm"], insn["length"]),
              hex(check.pc()), hex(before + insn["length"]))

    text = check.run("finish")
    expect_in("finish prints the return value", "Value returned is", text)
    expect_eq("value returned ($)", value("$"), 100)
    expect_eq("after finish: function", check.function(), "kmain")


def watch_counter():
    text = check.run("watch counter")
    expect_in("a hardware watchpoint", "Hardware watchpoint", text)
    with check.Stops() as ev:
        text = check.run("continue")
    expect_eq("watch: stop events", ev.describe(), ["breakpoint ['counter']"])
    expect_in("gdb reports the old and new value", "Old value = 1\nNew value = 2", text)
    expect_eq("counter", value("counter"), 2)
    check.run("delete")


def scenario():
    check.connect()
    target_description()
    at_entry_of_add()
    in_add()
    watch_counter()
    check.run("set var exit_value = 9")
    expect_eq("exit_value read back", value("exit_value"), 9)
    check.continue_to_exit(qemu_status(9))
    serial = serial_log()
    expect_in("the guest's UART output", "demo: counter=10\ndemo: total=1045\n", serial)
    expect_true("the guest exits with the value written", serial.endswith("demo: exit 9\n"),
                repr(serial[-40:]))


if __name__ == "__main__":
    check.main(scenario)
