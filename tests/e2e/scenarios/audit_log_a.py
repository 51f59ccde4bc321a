# Proves the audit log ("audit_log" in the config) records, in order and before
# the daemon acts, what each client did: controller A connects, plants a
# breakpoint at add, continues to it, writes counter (`set var`) and eax, steps
# and deletes the breakpoint; observer C (audit_log_c.py) is refused a write and
# detaches; A detaches. A then reads the file and checks every line's event and
# fields, with addresses from the ELF's symbols. Fails if the file is missing
# (no audit log), a line is missing, extra or out of order, or a field is wrong.
# Client A (control).
import json
import os
import re
import time

import gdb

import check
from check import expect_eq, expect_true

SOCK_DIR = os.environ["GDBHUB_TMP"]
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
COMMON = ("time", "event", "client", "user", "peer", "target")


def symbol_address(name):
    return int(gdb.lookup_global_symbol(name).value().address)


def read_lines(want_last):
    """The audit file's lines, once one satisfies want_last (the daemon writes
    A's disconnect after gdb's detach has returned)."""
    path = os.environ["GDBHUB_AUDIT"]
    end = time.monotonic() + check.WAIT
    while True:
        if os.path.exists(path):
            with open(path) as f:
                lines = [json.loads(text) for text in f]
            if lines and want_last(lines[-1]):
                return lines
        if time.monotonic() > end:
            raise RuntimeError("the audit log %s never got its last line" % path)
        time.sleep(0.05)


def expected(a, c):
    """What the file must hold: (client, event, target, {field: value})."""
    add, counter = "0x%x" % symbol_address("add"), "0x%x" % symbol_address("counter")
    bp = {"type": "sw", "address": add, "kind": 1}
    denied = {"request": "write", "reason": "observers may not write memory or registers"}
    return [
        (a, "connect", None, {}),
        (a, "attach", "demo", {"role": "control"}),
        (a, "breakpoint_insert", "demo", bp),
        (a, "resume", "demo", {"action": "continue", "signal": None}),
        # gdb takes its breakpoints out at every stop; `delete` sends nothing.
        (a, "breakpoint_remove", "demo", bp),
        # gdb's zero-length X (its probe for binary writes) changes nothing
        # and is not logged.
        (a, "memory_write", "demo", {"address": counter, "length": 4}),
        (a, "register_write", "demo", {"register": 0, "length": 4}),
        (a, "resume", "demo", {"action": "step", "signal": None}),
        (c, "connect", None, {}),
        (c, "attach", "demo", {"role": "observe"}),
        # Refused twice: gdb's zero-length X probe, then the write itself.
        (c, "denied", "demo", denied),
        (c, "denied", "demo", denied),
        (c, "detach", "demo", {"why": "detach", "reason": None}),
        (c, "disconnect", None, {"why": "detached"}),
        (a, "detach", "demo", {"why": "detach", "reason": None}),
        (a, "disconnect", None, {"why": "detached"}),
    ]


def check_line(n, line, want):
    client, event, target, fields = want
    what = "line %d (%s of client %d)" % (n + 1, event, client)
    expect_eq(what + ": event and client", (line.get("event"), line.get("client")),
              (event, client))
    expect_true(what + ": UTC time with milliseconds", TIME.match(str(line.get("time"))),
                repr(line.get("time")))
    expect_eq(what + ": user (a trusted listener)", line.get("user"), "")
    peer = "unix:" + os.path.join(SOCK_DIR, ("a" if client == want_ids[0] else "c") + ".sock")
    expect_eq(what + ": peer", line.get("peer"), peer)
    expect_eq(what + ": target", line.get("target"), target)
    for key, value in fields.items():
        expect_eq("%s: %s" % (what, key), line.get(key), value)
    extra = set(line) - set(COMMON) - set(fields) - {"packet"}
    expect_eq(what + ": no other fields", sorted(extra), [])


def scenario():
    global want_ids
    me = check.attach_as("control")
    check.run("break *add")
    with check.Stops() as ev:
        check.run("continue")
    expect_eq("A stops at add", ev.describe(), ["breakpoint ['*add']"])
    check.run("set var counter = 5")
    check.run("set $eax = 0x1234")     # gdb sends nothing if the value is already there
    check.run("stepi")
    check.run("delete")
    check.signal("a-ready")
    c = int(check.wait_for("c-done"))
    check.run("detach")
    want_ids = (me.id, c)
    lines = read_lines(lambda l: l.get("client") == me.id and l.get("event") == "disconnect")
    want = expected(me.id, c)
    expect_eq("the audit log's events, in order", [(l.get("client"), l.get("event")) for l in lines],
              [(w[0], w[1]) for w in want])
    for n, (line, w) in enumerate(zip(lines, want)):
        check_line(n, line, w)
    resumes = [l.get("packet") for l in lines if l.get("event") == "resume"]
    expect_true("the resumes' packets as gdb sent them", len(resumes) == 2 and
                re.match(r"^(vCont;c(:p1\.-1)?|c)$", resumes[0] or "") and
                re.match(r"^(vCont;s(:p1\.1)?|s)$", resumes[1] or ""), repr(resumes))
    times = [l.get("time") for l in lines]
    expect_eq("times never go back", times, sorted(times))


want_ids = (0, 0)

if __name__ == "__main__":
    check.main(scenario)
