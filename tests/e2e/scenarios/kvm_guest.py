# Helpers for the kvm scenarios that run the KVM test guests (traps.elf,
# timer.elf, smp.elf; tests/guests/README.md): their serial output, the
# baseline kvm_test.py made without a debugger, the guest exceptions the
# daemon gave back, and a spin of our own to stop a guest where we want
# without a breakpoint (under nested KVM none fires; scripts/nested-kvm).
import os
import re
from signal import SIGINT
import threading
import time

import gdb

import check
from check import expect_eq

JMP_SELF = b"\xeb\xfe"   # jmp . : the vCPU spins on this instruction
SERIAL_WAIT = 30         # s: how long the guest may take to print a line


def _tmp(name):
    return os.path.join(os.environ["GDBHUB_TMP"], name)


def serial():
    """What the guest wrote to COM1 so far (the target's serial log)."""
    try:
        with open(_tmp("serial.log"), errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def baseline():
    """(serial output, exit status) of the guest run by gdbhub-kvm --run with
    no debugger (kvm_test.py spec "baseline")."""
    with open(_tmp("baseline-serial.log"), errors="replace") as f:
        text = f.read()
    with open(_tmp("baseline-status")) as f:
        return text, int(f.read())


def expect_own_traps(text):
    """traps.elf's output in text counts all its int3 and TF traps and no
    stray #DB. Only its DR0 and DR1 traps depend on the host (PVM and
    nested KVM fire neither), so a fault that the baseline shares with the
    run under the debugger, e.g. int3s lost by gdbhub-kvm with or without
    one, still shows here."""
    m = re.search(r"int3=3 tf=4 dr_exec=\d+ dr_write=\d+ other=0\n", text)
    check.expect_true("the guest counted its 3 int3 and 4 TF traps and nothing else",
                      m, m.group(0).strip() if m else "its output:\n" + text)


def expect_serial(what, expected):
    """The guest's whole serial output must be exactly expected."""
    actual = serial()
    if not expect_eq(what, actual, expected):
        print("  serial output, line by line:", flush=True)
        for line in actual.splitlines():
            print("    | " + line, flush=True)


def given_back():
    """{vector: count} of the guest exceptions the daemon gave back to the
    guest unseen (its -v log; kvm_test.py runs it so for a baseline test)."""
    counts = {}
    with open(os.environ["GDBHUB_DAEMON_LOG"], errors="replace") as f:
        for m in re.finditer(r"vector (\d+) on thread \S+ is the guest's", f.read()):
            counts[int(m.group(1))] = counts.get(int(m.group(1)), 0) + 1
    print("(guest exceptions the daemon gave back, by vector: %r)" % counts, flush=True)
    return counts


def address(symbol):
    """The address of a function or variable, with or without debug info."""
    return int(gdb.parse_and_eval("(unsigned long)&%s" % symbol))


def function_range(name):
    """[start, end) of a function's code, from its debug info."""
    block = gdb.block_for_pc(address(name))
    while block is not None and block.function is None:
        block = block.superblock
    if block is None or block.function.name != name:
        raise RuntimeError("no debug info block for function %s" % name)
    return block.start, block.end


def patch_code(symbol, code, what):
    """Put code (named what) over symbol's first bytes, checked by reading
    them back.  Returns the bytes it replaced, for unspin()."""
    where = address(symbol)
    saved = check.read_memory(where, len(code))
    gdb.selected_inferior().write_memory(where, code)
    expect_eq("%s written at %s" % (what, symbol), check.read_memory(where, len(code)).hex(),
              code.hex())
    return saved


def spin_at(symbol):
    """Make the vCPU that reaches symbol spin there: put `jmp .` over its
    first bytes, which gdb can stop with Ctrl-C.  Returns the bytes it
    replaced, for unspin()."""
    return patch_code(symbol, JMP_SELF, "jmp .")


def unspin(symbol, saved):
    """Put back what spin_at(symbol) or patch_code replaced; the guest runs
    on as built."""
    where = address(symbol)
    gdb.selected_inferior().write_memory(where, saved)
    check.refresh()
    expect_eq("%s's code restored (the ELF's bytes)" % symbol,
              check.read_memory(where, len(saved)).hex(),
              check.elf_bytes(where, len(saved)).hex())


def wait_serial(text, timeout=SERIAL_WAIT):
    """Wait until the guest's serial output holds text (from a thread)."""
    end = time.monotonic() + timeout
    while text not in serial():
        if time.monotonic() > end:
            raise RuntimeError("the guest did not print %r within %d s; it printed %r"
                               % (text, timeout, serial()))
        time.sleep(0.05)


def interrupt_after_serial(text, delay):
    """continue, and press Ctrl-C delay s after the guest printed text: the
    guest must stop with SIGINT (and nothing else before it)."""
    def kick():
        try:
            wait_serial(text)
            time.sleep(delay)
        except RuntimeError as e:
            check.expect_true("the guest printed %r before Ctrl-C" % text, False, str(e))
        print("(sending SIGINT to gdb)", flush=True)
        os.kill(os.getpid(), SIGINT)
    thread = threading.Thread(target=kick, daemon=True)
    thread.start()
    with check.Stops() as ev:
        check.run("continue")
    thread.join()
    expect_eq("stop events after Ctrl-C", ev.describe(), ["signal SIGINT"])
