# Proves Ctrl-C stops an SMP guest whose every vCPU is halted in HLT with interrupts off, through the daemon (which drives gdbhub-kvm in non-stop mode and so stops each vCPU on its own): smp.elf on 4 vCPUs, with `cli; hlt; jmp` written at guest_exit, parks its 3 APs in cpu_halt_forever (cli; hlt) and then halts the BSP too; Ctrl-C after "parked=3" stops the VM: 4 threads, each just after a hlt with IF clear (thread 1 in guest_exit, the others in ap_main's cpu_halt_forever); with guest_exit's code put back and thread 1's $pc set to its start, the halted BSP runs from there and the guest ends as it does without a debugger (exit 33); fails if a halted vCPU is never kicked out of KVM_RUN (the Ctrl-C would hang until the runner's timeout), a thread's registers are wrong, or a halted vCPU whose pc the debugger moved stays halted.
import re

import check
import kvm_guest
from check import expect_eq, expect_true, value

CPUS = 4
HALT = b"\xfa\xf4\xeb\xfd"   # cli; hlt; jmp back to the hlt
EXPECTED_SERIAL = "smp: start cpus=4\nsmp: cpus=4 arrived=3\nsmp: parked=3\n"
SMP_EXIT = 33
IF = 1 << 9


def expect_halted(num):
    check.run("thread %d" % num)
    pc = value("$pc")
    expect_eq("thread %d: the byte before $pc is a hlt" % num,
              check.read_memory(pc - 1, 1).hex(), "f4")
    expect_true("thread %d: interrupts off" % num, not value("$eflags") & IF, hex(value("$eflags")))
    want = "guest_exit" if num == 1 else "cpu_halt_forever"
    expect_eq("thread %d: function" % num, check.function(), want)


def scenario():
    check.connect()
    saved = kvm_guest.patch_code("guest_exit", HALT, "cli; hlt; jmp")
    kvm_guest.interrupt_after_serial("parked=", delay=1.0)
    text = check.run("info threads")
    expect_eq("info threads: one row per vCPU",
              len(re.findall(r"^\*?\s+\d+\s+Thread ", text, re.M)), CPUS)
    for num in range(1, CPUS + 1):
        expect_halted(num)
    check.run("thread 1")
    kvm_guest.unspin("guest_exit", saved)
    check.run("set var $pc = 0x%x" % kvm_guest.address("guest_exit"))
    check.continue_to_exit(SMP_EXIT)
    kvm_guest.expect_serial("serial output", EXPECTED_SERIAL)


if __name__ == "__main__":
    check.main(scenario)
