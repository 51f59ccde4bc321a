# Proves the daemon respects the ack protocol with a client that keeps acks on: across a whole break/continue/step session, gdb's `set debug remote 1` log never shows "Packet instead of Ack" (a reply sent before the '+' for the request, or a packet where an ack was due); fails if the daemon forwards upstream no-ack behaviour to the client or interleaves replies and acks wrongly.
import os

import check
from check import expect_eq, expect_in, expect_not_in, value


def scenario():
    # Keep acks for the whole session (no QStartNoAckMode), so every packet
    # of it is checked, not just the handshake.
    check.run("set remote noack-packet off")
    check.run("set debug remote 1")
    check.connect()
    check.run("break add")
    check.run("continue")
    expect_eq("function", check.function(), "add")
    check.run("stepi")
    check.run("next")
    check.run("continue")
    expect_eq("a on the second hit", value("a"), 1)
    check.run("step")
    check.run("delete")
    check.continue_to_exit(15)
    check.run("set debug remote 0")

    with open(os.environ["GDBHUB_GDB_LOG"], errors="replace") as f:
        log = f.read()
    expect_in("acks were in use", "[remote] Received Ack", log)
    expect_in("the log covers the session", "Sending packet: $Z0,", log)
    expect_not_in("no packet instead of an ack", "Packet instead of Ack", log)
    expect_not_in("no NAKs", "Received Nak", log)


if __name__ == "__main__":
    check.main(scenario)
