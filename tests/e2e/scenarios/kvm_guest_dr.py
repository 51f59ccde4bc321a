# Proves gdbhub-kvm sees the guest's own debug registers and leaves them to it, with no breakpoint needed: a 16-byte write watch (by read-only memslot on every host, since no debug register watches 16 bytes) stops traps.elf in dr_target, where the guest has set DR0 and DR7 itself; `monitor kvm` must say DR0 is the guest's own (KVM_GET_DEBUGREGS read through the stub, the slot our breakpoints avoid); after `delete` the guest runs to its exit and its serial output and exit status equal the baseline's with no debugger, exactly; fails if the stub does not read the guest's DR7 per vCPU, if the watch disturbs the guest's traps, or if the stop is not the guest's first store to dr_target_calls.
import check
import kvm_guest
from check import expect_eq, expect_in


def scenario():
    alone, status = kvm_guest.baseline()
    kvm_guest.expect_own_traps(alone)
    check.connect()
    start = kvm_guest.address("other_db_count")
    expect_eq("dr_target_calls is the second word of the watched 16 bytes",
              kvm_guest.address("dr_target_calls"), start + 4)
    check.run("watch *(char (*)[16])0x%x" % start)
    check.run("continue")
    expect_eq("the watch stops the guest in dr_target", check.function(), "dr_target")
    expect_eq("at its first store to dr_target_calls", check.value("dr_target_calls"), 1)
    text = check.monitor("kvm")
    expect_in("monitor kvm: DR0 holds the guest's own breakpoint", "DR0: the guest's own", text)
    expect_in("monitor kvm: DR2 is free", "DR2: free", text)
    check.run("delete")
    check.continue_to_exit(status)
    kvm_guest.expect_serial("serial output, as with no debugger", alone)


if __name__ == "__main__":
    check.main(scenario)
