# The gdb of lldb_with_gdb (see with_gdb.lldb): a controller attached the
# whole time lldb is.  It breaks at factorial, lets lldb stop the guest in
# add and reads the same state lldb sees; after lldb has quit (its `k`), the
# VM still runs for gdb, lldb's breakpoint at add is gone (gdb's continue
# stops at factorial, not at add) and the guest exits with 15; fails if
# lldb's packets (no-ack mode, `?`, thread suffixes, `k`) change gdb's
# session: a lost breakpoint, a wrong stop, a dead connection.
import os

import check
from check import expect_eq, value


def scenario():
    check.connect(os.environ["GDBHUB_SOCK"])
    check.run("break factorial")
    check.signal("gdb-ready")
    check.wait_for("lldb-stopped")
    check.refresh()
    expect_eq("gdb sees lldb's stop in add", check.function(), "add")
    expect_eq("a at lldb's stop", value("a"), 0)
    expect_eq("counter at lldb's stop", value("counter"), 1)
    check.signal("gdb-checked")
    check.wait_for("lldb-done")
    check.refresh()
    expect_eq("gdb sees lldb's last stop in add", check.function(), "add")
    expect_eq("a at lldb's last stop", value("a"), 1)
    check.run("continue")
    expect_eq("gdb's own breakpoint, not lldb's", check.function(), "factorial")
    expect_eq("n at factorial", value("n"), 5)
    expect_eq("counter at factorial", value("counter"), 10)
    check.run("delete")
    check.continue_to_exit(15)


if __name__ == "__main__":
    check.main(scenario)
