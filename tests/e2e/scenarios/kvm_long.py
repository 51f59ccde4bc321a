# Proves gdbhub-kvm serves a guest that switches to long mode with x86-64 registers (target arch "x86_64": gdbhub-kvm --arch x86_64), with no breakpoint needed: gdb loads long64.elf's symbols and finds the 64-bit layout; `jmp .` over mul64's first bytes, then Ctrl-C after "long: in long mode" finds the guest spinning there in 64-bit code, with mul64's 64-bit arguments whole in $rdi and $rsi (0x100000001 and 1000003) and long_counter (a uint64_t) read as 10; restored, the guest runs to its exit with its own output and status (41). Fails if the stub keeps the i386 layout (no $rdi, truncated values), if 64-bit page tables are walked wrongly (the reads fail), or the switch to long mode breaks under gdbhub-kvm.
import gdb

import check
import kvm_guest
from check import expect_eq, expect_in, value

EXPECTED = "long: in long mode\nlong: counter=10\nlong: product=4294980181901891\n"


def scenario():
    check.connect()
    expect_in("gdb's architecture is x86-64", "i386:x86-64",
              gdb.execute("show architecture", to_string=True))
    saved = kvm_guest.spin_at("mul64")
    kvm_guest.interrupt_after_serial("long: in long mode\n", delay=0.5)
    expect_eq("spinning at mul64", check.pc(), kvm_guest.address("mul64"))
    expect_eq("the frame is mul64", check.function(), "mul64")
    expect_eq("first argument, all 64 bits", value("$rdi"), 0x100000001)
    expect_eq("second argument", value("$rsi"), 1000003)
    expect_eq("long_counter, a uint64_t", value("long_counter"), 10)
    kvm_guest.unspin("mul64", saved)
    check.continue_to_exit(41)
    kvm_guest.expect_serial("the guest's own output", EXPECTED)


if __name__ == "__main__":
    check.main(scenario)
