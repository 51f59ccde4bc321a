# What differs per architecture, for the scenarios in this folder: the
# entry of arch_test.py's ARCHES for the target's arch (GDBHUB_ARCH_INFO).
import json
import os

INFO = json.loads(os.environ["GDBHUB_ARCH_INFO"])


def qemu_status(guest_status):
    """QEMU's exit status when the guest exits with guest_status."""
    return (guest_status << 1) | 1 if INFO["exit_shift"] else guest_status


def serial_log():
    """What the guest has written to its UART so far."""
    with open(os.environ["GDBHUB_SERIAL"], errors="replace") as f:
        return f.read()
