# Shared helpers for the gdbhub end-to-end scenarios; runs inside gdb's Python.
#
# A scenario calls connect(), drives gdb, records results with expect_*(), and
# ends with finish(), which quits gdb with the number of failures as its exit
# status (0 = pass).  main(fn) wraps a scenario so that an exception (a gdb
# command that errors, a lost connection) counts as a failure, not a crash.
#
# Environment (set by run_test.py):
#   GDBHUB_SOCK     unix socket of the target (what `target remote` uses)
#   GDBHUB_TCP      host:port of the target's TCP listener, if it has one
#   GDBHUB_ELF      the guest ELF
#   GDBHUB_TMP      the test's scratch directory
#   GDBHUB_PHASE    0, 1, ...: which gdb session of a multi-session test this is
#   GDBHUB_READY    file to create when the runner may act (kill gdb, kill QEMU)
#   GDBHUB_GDB_LOG  file that holds this gdb's stdout and stderr (for capture())
#   GDBHUB_DIRECT   "1" when gdb talks to QEMU's own stub (run_test.py --direct)
#   GDBHUB_EXIT_STATUS_KNOWN  "0" when the stub cannot know QEMU's exit status

import os
import signal
import threading
import time
import traceback

import gdb

failures = 0
passes = 0

DIRECT = os.environ.get("GDBHUB_DIRECT") == "1"
EXIT_STATUS_KNOWN = os.environ.get("GDBHUB_EXIT_STATUS_KNOWN", "1") == "1"
PHASE = int(os.environ.get("GDBHUB_PHASE", "0"))


def _result(ok, what, detail):
    global failures, passes
    if ok:
        passes += 1
        print("PASS: %s: %s" % (what, detail), flush=True)
    else:
        failures += 1
        print("FAIL: %s: %s" % (what, detail), flush=True)
    return ok


def expect_eq(what, actual, expected):
    return _result(actual == expected, what,
                   "actual %r, expected %r" % (actual, expected))


def expect_ne(what, actual, unexpected):
    return _result(actual != unexpected, what,
                   "actual %r, must not be %r" % (actual, unexpected))


def expect_gt(what, actual, bound):
    return _result(actual > bound, what,
                   "actual %r, expected > %r" % (actual, bound))


def expect_true(what, cond, detail=""):
    return _result(bool(cond), what, detail or repr(cond))


def expect_in(what, needle, text):
    if needle in text:
        return _result(True, what, "found %r" % needle)
    return _result(False, what, "expected %r in output:\n%s" % (needle, _indent(text)))


def expect_not_in(what, needle, text):
    if needle not in text:
        return _result(True, what, "no %r" % needle)
    return _result(False, what, "%r must not appear in output:\n%s" % (needle, _indent(text)))


def _indent(text):
    return "".join("    | " + line + "\n" for line in text.splitlines()[-40:])


def value(expr):
    """An expression's value as a Python int."""
    return int(gdb.parse_and_eval(expr))


def convenience(name):
    """$name as an int, or None if it is void (never set)."""
    v = gdb.parse_and_eval("$" + name)
    if v.type.code == gdb.TYPE_CODE_VOID:
        return None
    return int(v)


def pc():
    return value("$pc")


def function():
    """Name of the function the selected frame is in (None if unknown)."""
    return gdb.selected_frame().name()


def line():
    return gdb.selected_frame().find_sal().line


def source_line(needle, func="kmain"):
    """Line number of the first line of func's source file containing needle."""
    symtab = gdb.lookup_global_symbol(func).symtab
    with open(symtab.fullname()) as f:
        for number, text in enumerate(f, 1):
            if needle in text:
                return number
    raise gdb.GdbError("no line containing %r in %s" % (needle, symtab.fullname()))


def run(cmd):
    """Run a gdb command; return what it printed to the terminal.

    gdb.execute(to_string=True) does not capture stop reports ("Breakpoint 1,
    ...", "Program received signal ...", watchpoint old/new values), so the
    text is read back from the file gdb's own stdout/stderr go to."""
    log = os.environ.get("GDBHUB_GDB_LOG")
    print("(gdb) " + cmd, flush=True)
    if not log:
        return gdb.execute(cmd, to_string=True)
    _flush()
    start = os.path.getsize(log)
    try:
        gdb.execute(cmd)
    finally:
        _flush()
    with open(log, errors="replace") as f:
        f.seek(start)
        return f.read()


def _flush():
    for stream in (gdb.STDOUT, gdb.STDERR, gdb.STDLOG):
        gdb.flush(stream)


def log_mark():
    """Where gdb's output file ends now; pass it to log_since().  Debug output
    (`set debug remote 1`) goes there too."""
    _flush()
    return os.path.getsize(os.environ["GDBHUB_GDB_LOG"])


def log_since(mark):
    """What gdb printed (stdout, stderr, debug log) since log_mark() gave mark."""
    _flush()
    with open(os.environ["GDBHUB_GDB_LOG"], errors="replace") as f:
        f.seek(mark)
        return f.read()


class Stops:
    """Records gdb's stop and exit events while alive (use in a with)."""

    def __init__(self):
        self.stops = []
        self.exits = []

    def _stop(self, ev):
        self.stops.append(ev)

    def _exit(self, ev):
        self.exits.append(ev)

    def __enter__(self):
        gdb.events.stop.connect(self._stop)
        gdb.events.exited.connect(self._exit)
        return self

    def __exit__(self, *exc):
        gdb.events.stop.disconnect(self._stop)
        gdb.events.exited.disconnect(self._exit)
        return False

    def describe(self):
        out = []
        for ev in self.stops:
            if isinstance(ev, gdb.BreakpointEvent):
                out.append("breakpoint %s" % [b.location or b.expression
                                              for b in ev.breakpoints])
            elif isinstance(ev, gdb.SignalEvent):
                out.append("signal %s" % ev.stop_signal)
            else:
                out.append(type(ev).__name__)
        for ev in self.exits:
            out.append("exit %s" % (ev.exit_code if hasattr(ev, "exit_code") else "?"))
        return out


def connect(address=None):
    """Load the guest's symbols and attach to the target."""
    address = address or os.environ["GDBHUB_SOCK"]
    gdb.execute("set pagination off")
    gdb.execute("set confirm off")
    gdb.execute("set width 0")
    # The daemon and QEMU share two noisy cores: be patient with replies.
    gdb.execute("set remotetimeout 30")
    gdb.execute("file " + os.environ["GDBHUB_ELF"])
    run("target remote " + address)


def ready():
    """Tell the runner that the next command is the one it should disturb."""
    path = os.environ["GDBHUB_READY"]
    with open(path + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(path + ".tmp", path)
    print("(ready: runner may act now)", flush=True)


def interrupt_continue(delay=1.0):
    """continue, and press Ctrl-C after delay s (a SIGINT to gdb itself, from
    a thread): the guest must stop with SIGINT."""
    def kick():
        time.sleep(delay)
        print("(sending SIGINT to gdb)", flush=True)
        os.kill(os.getpid(), signal.SIGINT)
    thread = threading.Thread(target=kick, daemon=True)
    thread.start()
    with Stops() as ev:
        text = run("continue")
    thread.join()
    expect_eq("stop events after Ctrl-C", ev.describe(), ["signal SIGINT"])
    expect_in("gdb reports the interrupt", "Program received signal SIGINT", text)


def continue_to_exit(expected_code):
    """continue; the guest must leave through isa-debug-exit with expected_code,
    without any stop on the way.

    QEMU's own stub sends no W packet when the guest exits through
    isa-debug-exit (QEMU just exit()s and the connection drops), and a daemon
    attached to a foreign stub cannot know QEMU's status either.  In those
    cases the expected status goes to a file and run_test.py checks the exit
    status of the QEMU it started itself."""
    if DIRECT or not EXIT_STATUS_KNOWN:
        with open(os.path.join(os.environ["GDBHUB_TMP"], "expect-qemu-status"), "w") as f:
            f.write("%d\n" % expected_code)
    with Stops() as ev:
        try:
            text = run("continue")
        except gdb.error as e:
            if (DIRECT or not EXIT_STATUS_KNOWN) and "Remote connection closed" in str(e):
                print("NOTE: the stub dropped the connection at exit without an exit"
                      " report; the runner checks QEMU's exit status", flush=True)
                return
            raise
    expect_eq("no stop before the exit", [d for d in ev.describe()
                                          if not d.startswith("exit")], [])
    expect_eq("the program ended (one exited event)", len(ev.exits), 1)
    if not EXIT_STATUS_KNOWN:
        return
    expect_in("gdb reports the exit code", "exited with code 0%o]" % expected_code, text)
    expect_eq("$_exitcode", convenience("_exitcode"), expected_code)


def finish():
    print("%d passed, %d failed" % (passes, failures), flush=True)
    if passes == 0 and failures == 0:
        print("FAIL: the scenario checked nothing", flush=True)
        gdb.execute("quit 1")
    gdb.execute("quit %d" % min(failures, 100))


def main(fn):
    global failures
    start = time.monotonic()
    try:
        fn()
    except Exception:
        failures += 1
        print("FAIL: exception in scenario:", flush=True)
        traceback.print_exc()
    print("scenario took %.1f s" % (time.monotonic() - start), flush=True)
    finish()
