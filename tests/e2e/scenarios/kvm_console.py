# Proves a kvm target's "console" feeds COM1's input, needing no breakpoint: the target's console is a FIFO (kvm_test.py spec "console"); echo.elf polls COM1's line status for a line, so after "echo: ready" Ctrl-C finds it still waiting in serial_getc with nothing received; a line written to the FIFO while the VM is stopped is then what the guest reads when it runs on: it prints it back and exits with its length (12: QEMU's status 25); fails if the daemon drops the key, gdbhub-kvm ignores --console, LSR never reports data ready, or a byte is lost or doubled.
import os

import gdb

import check
import kvm_guest
from check import expect_eq, expect_in, value

LINE = "hello gdbhub"


def main():
    check.connect()
    kvm_guest.interrupt_after_serial("echo: ready\n", delay=0.5)
    # At -O0 the stop may be inside inb(), called by serial_getc().
    expect_in("stopped while polling COM1", "serial_getc", gdb.execute("bt", to_string=True))
    expect_eq("nothing received before the console is written", value("line_len"), 0)
    fd = os.open(os.path.join(os.environ["GDBHUB_TMP"], "console.fifo"),
                 os.O_WRONLY | os.O_NONBLOCK)
    os.write(fd, (LINE + "\n").encode())
    os.close(fd)
    check.continue_to_exit(len(LINE) * 2 + 1)
    kvm_guest.expect_serial("the guest's output", "echo: ready\necho: got %s\n" % LINE)


check.main(main)
