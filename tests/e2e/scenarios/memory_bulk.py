# Proves bulk memory transfers survive the daemon's splitting: gdb, offered PacketSize=0x20000, reads 100 KiB from the kernel's load address and writes 40 KiB of every byte value at 0x800000 in big packets, which the daemon must cut into pieces QEMU's 4096-byte packets take and join in order; fails if a piece is lost, repeated, reordered or cut short (the bytes would differ from the ELF's PT_LOAD segments and from 256-byte reads), if a write stops early or spills past its end, if gdb never gets a big packet through, or if the VM does not run on to exit code 19 afterwards.
import os
import random
import re
import struct

import gdb

import check
from check import expect_eq, expect_true, value

KERNEL = 0x100000       # where guest.ld links the image (1 MiB)
READ_LEN = 100 * 1024
FREE = 0x800000         # 8 MiB: unused RAM in a 64 MiB guest
WRITE_LEN = 40 * 1024
SMALL = 256             # small transfers: one short packet each
BIG = 0x800             # QEMU's stub takes 4096-byte packets: at most 0x7f8 bytes per `m`
PT_LOAD = 1
PF_X = 1


def elf_segments(path):
    """[(paddr, flags, file bytes)] of the PT_LOAD segments of a 32-bit ELF."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 1 or data[5] != 1:
        raise gdb.GdbError("%s: not a 32-bit little-endian ELF" % path)
    phoff, = struct.unpack_from("<I", data, 28)
    phentsize, phnum = struct.unpack_from("<HH", data, 42)
    segments = []
    for i in range(phnum):
        (p_type, offset, _vaddr, paddr, filesz, _memsz, flags,
         _align) = struct.unpack_from("<8I", data, phoff + i * phentsize)
        if p_type == PT_LOAD and filesz > 0:
            segments.append((paddr, flags, data[offset:offset + filesz]))
    return segments


def read(addr, n):
    return bytes(gdb.selected_inferior().read_memory(addr, n))


def read_small(addr, n):
    """addr..addr+n in SMALL-byte reads: one short `m` each, no splitting."""
    return b"".join(read(a, min(SMALL, addr + n - a)) for a in range(addr, addr + n, SMALL))


def expect_same(what, actual, expected, base):
    """Byte strings equal; on a difference, name the first differing address."""
    if actual == expected:
        return expect_true(what, True, "%d bytes equal" % len(expected))
    if len(actual) != len(expected):
        return expect_true(what, False, "%d bytes, expected %d" % (len(actual), len(expected)))
    first = next(i for i in range(len(expected)) if actual[i] != expected[i])
    count = sum(1 for a, b in zip(actual, expected) if a != b)
    return expect_true(what, False,
                       "%d byte(s) differ, the first at 0x%x: 0x%02x, expected 0x%02x"
                       % (count, base + first, actual[first], expected[first]))


def requests(log, kind):
    """(addr, len) of every `m` or `X`/`M` request in gdb's remote debug log."""
    pattern = r"Sending packet: \$%s([0-9a-f]+),([0-9a-f]+)[#:]" % kind
    return [(int(a, 16), int(n, 16)) for a, n in re.findall(pattern, log)]


def logged(fn):
    """Run fn with `set debug remote 1`; return its result and the log lines."""
    mark = check.log_mark()
    gdb.execute("set debug remote 1")
    try:
        result = fn()
    finally:
        gdb.execute("set debug remote 0")
    return result, check.log_since(mark)


def check_big_packets(what, reqs, total):
    """gdb used at least one packet bigger than the stub's, and they cover total."""
    print("%s requests (addr, len): %s" % (what, ["0x%x,0x%x" % r for r in reqs]), flush=True)
    if check.DIRECT:
        return   # QEMU's own stub offers 4096-byte packets: nothing big to see
    expect_true("gdb sent a %s request for more than 0x%x bytes" % (what, BIG),
                any(n > BIG for _, n in reqs), "lengths %s" % [hex(n) for _, n in reqs])
    expect_eq("%s requests cover the transfer" % what, sum(n for _, n in reqs), total)


def scenario():
    check.connect()
    # At kmain's entry the image is as loaded: only .bss has been zeroed.
    check.run("tbreak kmain")
    check.run("continue")
    expect_eq("function", check.function(), "kmain")

    # -- read 100 KiB from the load address in one call
    big, log = logged(lambda: read(KERNEL, READ_LEN))
    expect_eq("bytes read in one call", len(big), READ_LEN)
    check_big_packets("m", [r for r in requests(log, "m") if r[0] >= KERNEL], READ_LEN)

    segments = elf_segments(os.environ["GDBHUB_ELF"])
    expect_true("the ELF has an executable PT_LOAD segment (.text)",
                any(flags & PF_X for _, flags, _ in segments))
    for paddr, flags, data in segments:
        off = paddr - KERNEL
        if off < 0 or off + len(data) > READ_LEN:
            expect_true("PT_LOAD segment at 0x%x lies in the read window" % paddr, False)
            continue
        expect_same("guest memory = the ELF's PT_LOAD segment at 0x%x (%d bytes%s)"
                    % (paddr, len(data), ", .text" if flags & PF_X else ""),
                    big[off:off + len(data)], data, paddr)
    expect_eq("exit_value (in .data) as linked", value("exit_value"), 7)
    expect_same("one 100 KiB read = %d-byte reads" % SMALL,
                big, read_small(KERNEL, READ_LEN), KERNEL)

    # -- write 40 KiB at free RAM, every byte value (escapes in X packets)
    rng = random.Random(20240901)
    pattern = bytes(range(256)) * 4 + rng.randbytes(WRITE_LEN - 1024)
    after_before = read(FREE + WRITE_LEN, 64)
    expect_true("free RAM does not hold the pattern yet",
                read(FREE, WRITE_LEN) != pattern)
    _, log = logged(lambda: gdb.selected_inferior().write_memory(FREE, pattern))
    check_big_packets("X", [r for r in requests(log, "[XM]") if r[1] > 0], WRITE_LEN)

    expect_same("40 KiB read back in one read", read(FREE, WRITE_LEN), pattern, FREE)
    expect_same("40 KiB read back in %d-byte reads" % SMALL,
                read_small(FREE, WRITE_LEN), pattern, FREE)
    expect_same("the bytes after the write are untouched",
                read(FREE + WRITE_LEN, 64), after_before, FREE + WRITE_LEN)

    # -- the VM still runs: a write to .data steers its exit
    check.run("set var exit_value = 9")
    expect_eq("exit_value read back", value("exit_value"), 9)
    check.continue_to_exit(19)


if __name__ == "__main__":
    check.main(scenario)
