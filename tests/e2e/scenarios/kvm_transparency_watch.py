# Proves a write watchpoint the guest never triggers leaves it as it would run alone, with no breakpoint needed: gdb watches the last word of traps.elf's .bss (never changed: the start code only zeroes it), which shares its page with every counter the guest's trap handlers keep; traps.elf is continued from its first instruction to its exit, and its serial output and exit status must equal those of the same guest in gdbhub-kvm --run with no debugger (kvm_test.py's baseline), exactly; fails if a store next to a watched word is lost or changed (where gdbhub-kvm watches by a read-only memslot, as on PVM and nested KVM, it completes every store to that page itself), if the watch stops the guest where gdb sees it, or if it disturbs the guest's own traps.
import check
import kvm_guest
from check import expect_eq, expect_in

PAGE = 4096


def scenario():
    alone, status = kvm_guest.baseline()
    kvm_guest.expect_own_traps(alone)
    check.connect()
    expect_eq("attached at the kernel's entry", check.function(), "_start")
    word = kvm_guest.address("__bss_end") - 4
    expect_eq("the watched word shares its page with int3_count",
              hex(word // PAGE * PAGE), hex(kvm_guest.address("int3_count") // PAGE * PAGE))
    text = check.run("watch *(unsigned *)0x%x" % word)
    expect_in("the watchpoint is a hardware one", "Hardware watchpoint", text)
    check.continue_to_exit(status)
    kvm_guest.expect_serial("serial output, as with no debugger", alone)


if __name__ == "__main__":
    check.main(scenario)
