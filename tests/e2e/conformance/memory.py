# Proves memory reads and writes on every backend and arch: stopped in add, 64 bytes of add's code read as the ELF holds them and exit_value's bytes read as 7; 1 KiB of every byte value written to unused stack below $sp reads back whole and in 64-byte pieces with the bytes around it untouched; a raw 4-byte write of 9 to exit_value reads back through gdb's expression and makes the guest exit with 9; fails if m/M/X are not relayed, are cut short, shifted or land elsewhere.
import struct

import gdb

import check
from check import expect_eq, value
import conf

PATTERN = bytes(range(256)) * 4
PIECE = 64


def write(address, data):
    gdb.selected_inferior().write_memory(address, data)


def scenario():
    check.connect()
    check.run("break add")
    check.run("continue")
    expect_eq("function", check.function(), "add")
    check.run("delete")

    add = value("(long)&add")
    expect_eq("add's code in memory = the ELF's", check.read_memory(add, 64).hex(),
              check.elf_bytes(add, 64).hex())
    exit_value = value("(long)&exit_value")
    expect_eq("exit_value's bytes", check.read_memory(exit_value, 4), struct.pack("<I", 7))

    base = (value("$sp") - 2048) & ~0xf      # unused stack: the stacks are 16 KiB
    below = check.read_memory(base - 32, 32)
    above = check.read_memory(base + len(PATTERN), 32)
    write(base, PATTERN)
    expect_eq("1 KiB read back whole", check.read_memory(base, len(PATTERN)), PATTERN)
    pieces = b"".join(check.read_memory(a, PIECE)
                      for a in range(base, base + len(PATTERN), PIECE))
    expect_eq("1 KiB read back in %d-byte pieces" % PIECE, pieces, PATTERN)
    expect_eq("the bytes below are untouched", check.read_memory(base - 32, 32), below)
    expect_eq("the bytes above are untouched",
              check.read_memory(base + len(PATTERN), 32), above)

    write(exit_value, struct.pack("<I", 9))
    check.refresh()
    expect_eq("exit_value after a raw write", value("exit_value"), 9)
    check.continue_to_exit(conf.status(9))


if __name__ == "__main__":
    check.main(scenario)
