# Proves gdbhub-kvm's rule for software breakpoints in pages user mode may use, with paging.elf through the daemon: stopped at a breakpoint in high_checks_ok (paging on), gdb sets the user bit in the page tables for guest_exit's page and then `break guest_exit`; where `monitor kvm` says software breakpoints are port writes (the host hands int3 to the guest: nested KVM) gdb cannot insert it (user-mode code there would take a #GP, not stop), elsewhere (int3) the guest stops at guest_exit; either way, with the bits put back and the breakpoint gone, the guest ends with its own output and status (37). Fails if a port write is planted in a user page, if a supervisor page is refused, or if the refusal loses the session.
import gdb

import check
import kvm_guest
from check import expect_eq, expect_in, value

PAGE = 4096
PTE_USER = 0x4
EXPECTED = ("paging: start\npaging: paging on\npaging: in higher half\n"
            "paging: high_counter=106 high_calls=3\npaging: aliases ok\n")


def set_user_bit(entries, on):
    """Set or clear the user bit in each page table entry named."""
    for entry in entries:
        op = "| %d" % PTE_USER if on else "& ~%d" % PTE_USER
        check.run("set var %s = %s %s" % (entry, entry, op))


def scenario():
    check.connect()
    port_writes = "a port write" in check.monitor("kvm")
    check.run("break high_checks_ok")
    check.run("continue")
    expect_eq("stopped in high_checks_ok (paging on)", check.function(), "high_checks_ok")
    check.run("delete")
    exit_page = kvm_guest.address("guest_exit") // PAGE
    entries = ["page_directory[0]", "low_page_table[%d]" % exit_page]
    set_user_bit(entries, True)
    check.run("break guest_exit")
    if port_writes:
        mark = check.log_mark()
        try:
            check.run("continue")
        except gdb.error:
            pass
        text = check.log_since(mark)
        expect_in("gdb could not insert the breakpoint in a user page",
                  "Cannot insert breakpoint 2", text)
        expect_eq("the guest did not run past it: still in high_checks_ok",
                  check.function(), "high_checks_ok")
    else:
        check.run("continue")
        expect_eq("an int3 in a user page stops the guest", check.function(), "guest_exit")
    check.run("delete")
    set_user_bit(entries, False)
    expect_eq("the user bit is off again", value("low_page_table[%d]" % exit_page) & PTE_USER, 0)
    check.continue_to_exit(37)
    kvm_guest.expect_serial("the guest's own output", EXPECTED)


if __name__ == "__main__":
    check.main(scenario)
