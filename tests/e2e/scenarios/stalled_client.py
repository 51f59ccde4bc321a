# Proves a client that stops reading cannot hold up the daemon or anyone else, and that a debugger attaching to a VM that runs gets a correct target description: a raw controller connection shrinks its receive buffer, pipelines a flood of 64 KiB memory reads and reads nothing; the daemon drops it with a log line and, as it was the last controller, lets the spin guest run; gdb then attaches to the running VM, reads registers with the right layout, and releases the guest to its exit (code 7); fails if the daemon blocks on the stalled client (gdb hangs), keeps it forever, or can only fetch the target description from a stopped VM (gdb falls back to a default layout and rejects the `g` reply).
import os
import socket
import time

import check
from check import expect_in, expect_true

READ = b"m100000,10000"   # 64 KiB: a 128 KiB hex reply each
FLOOD = 200


def frame(payload):
    return b"$" + payload + b"#" + (b"%02x" % (sum(payload) & 0xff))


def stall():
    """Connect, ask for far more than anyone would read, and read nothing."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(os.environ["GDBHUB_SOCK"])
    s.sendall(frame(b"QStartNoAckMode"))
    s.setblocking(False)
    sent = 0
    for _ in range(FLOOD):
        try:
            s.send(frame(READ))
            sent += 1
        except BlockingIOError:
            break
        except (BrokenPipeError, ConnectionResetError):
            break  # the daemon already dropped it
    print("stalled client sent %d reads and reads nothing" % sent, flush=True)
    return s


def wait_serial(text, timeout=60):
    """Wait until the guest printed text on its serial port."""
    path = os.path.join(os.environ["GDBHUB_TMP"], "serial.log")
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.path.exists(path) and text in open(path, errors="replace").read():
            return True
        time.sleep(0.05)
    return False


def scenario():
    stalled = stall()
    check.daemon_log_wait(r"closed: (stalled|too many packets)",
                          "the daemon drops the stalled client")
    expect_true("the guest runs on once its last controller is gone",
                wait_serial("spin: start"), "no 'spin: start' on the serial port")
    check.connect()
    func = check.function()
    expect_true("gdb stops the running guest in its loop", func in ("spin_loop", "kmain"),
                "stopped in %r" % func)
    expect_in("registers read with the right layout", "eip",
              check.run("info registers eip"))
    check.run("set var release = 1")
    check.continue_to_exit(7)
    stalled.close()


if __name__ == "__main__":
    check.main(scenario)
