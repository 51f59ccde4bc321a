# What differs per backend and architecture, for the conformance scenarios:
# conformance_test.py's conf_facts() for the test's pair (GDBHUB_CONF).
import json
import os
import re

import gdb

import check

FACTS = json.loads(os.environ["GDBHUB_CONF"])


def status(guest_status):
    """The exit status gdb must see when the guest exits with guest_status:
    x86's isa-debug-exit makes QEMU (and gdbhub-kvm) exit (v << 1) | 1."""
    return (guest_status << 1) | 1 if FACTS["exit_shift"] else guest_status


def expect_arch():
    """gdb took the architecture from the target description it got, which
    is QEMU's, unchanged (a part gdb's own default lacks came through)."""
    check.expect_eq("gdb's architecture, from the target description",
                    gdb.selected_frame().architecture().name(), FACTS["gdb_arch"])
    if FACTS["tdesc_mark"]:
        xml = gdb.execute("maint print xml-tdesc", to_string=True)
        check.expect_in("QEMU's target description came through", FACTS["tdesc_mark"], xml)


def stepi_one(n):
    """One stepi: one stop, and $pc moved by the instruction's length (or,
    for a branch, moved at all)."""
    before = check.pc()
    insn = gdb.selected_frame().architecture().disassemble(before, count=1)[0]
    with check.Stops() as ev:
        check.run("stepi")
    check.expect_eq("stepi %d: stop events" % n, ev.describe(), ["StopEvent"])
    if re.match(FACTS["branches"], insn["asm"].split()[0]):
        check.expect_ne("stepi %d over %r: $pc moved" % (n, insn["asm"]), check.pc(), before)
    else:
        check.expect_eq("stepi %d over %r (%d bytes): $pc" % (n, insn["asm"], insn["length"]),
                        hex(check.pc()), hex(before + insn["length"]))


def serial_log():
    """What the guest has written to its UART so far."""
    with open(os.environ["GDBHUB_SERIAL"], errors="replace") as f:
        return f.read()
