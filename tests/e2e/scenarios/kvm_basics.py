# Proves a kvm target (gdbhub-kvm, 2 vCPUs) answers gdb through the daemon with no breakpoint needed: `info threads` lists one thread per vCPU and the second one's registers are its own; `x/4i $pc` shows the ELF's bytes; a register written reads back from the VM; each `stepi` moves $pc by one instruction; `monitor kvm` reaches gdbhub-kvm; `set var exit_value = 9` makes the guest exit with 9, so gdb reports code 023; fails if the daemon drops threads, misroutes Hg, invents memory or registers, does not relay monitor commands it does not know, or loses the VM's exit status.
import re

import gdb

import check
from check import expect_eq, expect_in, expect_ne, expect_not_in, value

CPUS = 2
BRANCHES = ("j", "call", "ret", "loop", "int", "iret", "lcall", "ljmp", "lret")


def threads():
    text = check.run("info threads")
    rows = re.findall(r"^\*?\s+\d+\s+Thread ", text, re.M)
    expect_eq("info threads: one row per vCPU", len(rows), CPUS)
    expect_eq("threads gdb knows", len(gdb.selected_inferior().threads()), CPUS)
    boot_pc = check.pc()
    check.run("thread 2")
    expect_ne("the second vCPU has a $pc of its own (not started)", check.pc(), boot_pc)
    check.run("thread 1")
    expect_eq("back on the first vCPU", check.pc(), boot_pc)


def memory():
    pc = check.pc()
    text = check.run("x/4i $pc")
    rows = re.findall(r"^(?:=> |   )0x[0-9a-f]+", text, re.M)
    expect_eq("x/4i shows four instructions", len(rows), 4)
    expect_in("x/4i starts at $pc", "=> 0x%x" % pc, text)
    expect_eq("the 16 bytes at $pc are the ELF's", check.read_memory(pc, 16).hex(),
              check.elf_bytes(pc, 16).hex())


def registers():
    saved = value("$ecx")
    check.run("set var $ecx = 0x5a5a5a5a")
    check.refresh()
    expect_eq("$ecx read back from the VM", hex(value("$ecx") & 0xffffffff), "0x5a5a5a5a")
    check.run("set var $ecx = %d" % saved)
    check.refresh()
    expect_eq("$ecx restored", value("$ecx"), saved)


def stepi(count):
    arch = gdb.selected_frame().architecture()
    for n in range(count):
        before = check.pc()
        insn = arch.disassemble(before, count=1)[0]
        with check.Stops() as ev:
            check.run("stepi")
        expect_eq("stepi %d: stop events" % n, ev.describe(), ["StopEvent"])
        if insn["asm"].split()[0].startswith(BRANCHES):
            expect_ne("stepi %d over %r: $pc moved" % (n, insn["asm"]), check.pc(), before)
        else:
            expect_eq("stepi %d over %r (%d bytes): $pc" % (n, insn["asm"], insn["length"]),
                      hex(check.pc()), hex(before + insn["length"]))


def monitor_kvm():
    text = check.monitor("kvm")
    expect_in("monitor kvm: gdbhub-kvm describes the host", "host KVM:", text)
    expect_not_in("monitor kvm is not refused", "unknown monitor command", text)


def scenario():
    check.connect()
    threads()
    memory()
    registers()
    stepi(3)
    monitor_kvm()
    expect_eq("exit_value before the write", value("exit_value"), 7)
    check.run("set var exit_value = 9")
    expect_eq("exit_value read back", value("exit_value"), 9)
    check.continue_to_exit(19)


if __name__ == "__main__":
    check.main(scenario)
