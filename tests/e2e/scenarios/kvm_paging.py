# Proves a paging, higher-half guest is debugged by virtual address through gdbhub-kvm's page walk, with no breakpoint needed: before paging is on, `monitor phys on` lets gdb put `jmp .` over high_bump's first bytes at their physical address (its higher-half address means nothing yet); after "paging: in higher half" Ctrl-C finds the guest spinning there, $pc and the frame name the higher-half function, high_counter and high_calls read by their higher-half symbols (100, 0), the same word reads alike through the identity map and the 4 MiB PSE window the guest's tables set up, a write through the higher-half address shows through both aliases; with high_bump's bytes restored by its virtual address the guest runs to its exit with its own output and status (37). Fails if memory goes by physical address while paging is on (higher-half reads fail), if monitor phys is ignored, or if the walk mistakes 4 KiB and 4 MiB pages.
import gdb

import check
import kvm_guest
from check import expect_eq, value

HIGH_OFFSET = 0xC0000000
PSE_WINDOW = 0xD0000000
EXPECTED = ("paging: start\npaging: paging on\npaging: in higher half\n"
            "paging: high_counter=106 high_calls=3\npaging: aliases ok\n")


def word_at(addr):
    return int.from_bytes(check.read_memory(addr, 4), "little")


def scenario():
    check.connect()
    high_bump = kvm_guest.address("high_bump")
    phys = high_bump - HIGH_OFFSET
    check.monitor("phys on")
    saved = check.read_memory(phys, 2)
    expect_eq("high_bump's bytes at its physical address are the ELF's",
              saved.hex(), check.elf_bytes(high_bump, 2).hex())
    gdb.selected_inferior().write_memory(phys, kvm_guest.JMP_SELF)
    check.monitor("phys off")
    check.refresh()

    kvm_guest.interrupt_after_serial("paging: in higher half\n", delay=0.5)
    expect_eq("$pc is high_bump's higher-half address", check.pc(), high_bump)
    expect_eq("the frame is high_bump", check.function(), "high_bump")
    expect_eq("high_counter by its higher-half symbol", value("high_counter"), 100)
    expect_eq("high_calls by its higher-half symbol", value("high_calls"), 0)
    counter = kvm_guest.address("high_counter")
    expect_eq("high_counter through the identity map", word_at(counter - HIGH_OFFSET), 100)
    expect_eq("high_counter through the PSE window",
              word_at(counter - HIGH_OFFSET + PSE_WINDOW), 100)
    check.run("set var high_counter = 200")
    check.refresh()
    expect_eq("a higher-half write seen through the identity map",
              word_at(counter - HIGH_OFFSET), 200)
    expect_eq("and through the PSE window", word_at(counter - HIGH_OFFSET + PSE_WINDOW), 200)
    check.run("set var high_counter = 100")

    kvm_guest.unspin("high_bump", saved)
    check.continue_to_exit(37)
    kvm_guest.expect_serial("the guest's own output", EXPECTED)


if __name__ == "__main__":
    check.main(scenario)
