# Proves a target that cannot execute in reverse (plain tcg: QEMU offers no ReverseStep there) refuses it clearly and forwards nothing: the daemon does not offer ReverseStep+/ReverseContinue+ to gdb, so reverse-stepi fails with gdb's "does not support" error; a raw client's bs and bc get E2a and the daemon logs why; monitor replay info is refused as not a replay target; the VM has not moved (same pc) and still runs to its exit; fails if bs/bc reach QEMU or a refusal is silent.
import os
import socket

import check
from check import expect_eq, expect_in, expect_not_in, expect_true


def checksum(payload):
    return "%02x" % (sum(payload.encode()) & 0xff)


def rsp_request(sock, payload):
    """Send one packet in ack mode; return the reply's payload."""
    sock.sendall(("$%s#%s" % (payload, checksum(payload))).encode())
    data = b""
    while not (b"#" in data and len(data) >= data.index(b"#") + 3):
        chunk = sock.recv(4096)
        if not chunk:
            raise RuntimeError("connection closed")
        data += chunk
    sock.sendall(b"+")
    text = data.decode()
    return text[text.index("$") + 1:text.index("#")]


def scenario():
    check.connect()
    text = check.run("maint packet qSupported")
    expect_not_in("no ReverseStep+ for a tcg target", "ReverseStep", text)
    pc = check.pc()
    _, err = check.try_run("reverse-stepi")
    expect_true("reverse-stepi fails", err is not None, "it ran")
    expect_in("gdb says why", "does not support this command", err or "")

    # A client that sends bs/bc anyway gets an error, not a forwarded packet.
    raw = socket.socket(socket.AF_UNIX)
    raw.settimeout(30)
    raw.connect(os.environ["GDBHUB_SOCK"])
    supported = rsp_request(raw, "qSupported:multiprocess+")
    expect_not_in("raw client: no ReverseContinue+", "ReverseContinue", supported)
    expect_eq("raw client: bs refused", rsp_request(raw, "bs"), "E2a")
    expect_eq("raw client: bc refused", rsp_request(raw, "bc"), "E2a")
    raw.close()
    check.daemon_log_wait("bc: target demo cannot execute in reverse",
                          "the daemon logs the refusal")
    text = check.expect_refused("monitor replay on a tcg target", "monitor replay info")
    expect_in("the daemon says why", "demo is not a replay target", text)
    check.refresh()
    expect_eq("the VM did not move", check.pc(), pc)
    check.continue_to_exit(15)


if __name__ == "__main__":
    check.main(scenario)
