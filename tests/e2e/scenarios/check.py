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
#   GDBHUB_CLIENT   "a", "b", ...: which client of a multi-client test this is
#   GDBHUB_DAEMON_LOG  the daemon's stderr (for daemon_log_wait())
#
# Multi-client tests (run_test.py SPECS "clients") run one gdb per client at
# the same time; the scripts take turns through signal() and wait_for().

import collections
import os
import re
from signal import SIGINT
import struct
import sys
import threading
import time
import traceback

import gdb

failures = 0
passes = 0

DIRECT = os.environ.get("GDBHUB_DIRECT") == "1"
EXIT_STATUS_KNOWN = os.environ.get("GDBHUB_EXIT_STATUS_KNOWN", "1") == "1"
PHASE = int(os.environ.get("GDBHUB_PHASE", "0"))
WAIT = 60   # s: how long wait_for() waits by default; only a hang takes that long


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


# ---- several gdbs at once: turns, the daemon's view, refusals

def _signal_path(name):
    return os.path.join(os.environ["GDBHUB_TMP"], "signal-" + name)


def signal(name, text=""):
    """Tell the other clients of a multi-client test that NAME happened;
    text goes along (wait_for returns it)."""
    path = _signal_path(name)
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)
    print("(signal %s: %r)" % (name, text), flush=True)


def wait_for(name, timeout=WAIT):
    """Wait until some client (or the runner) signals NAME; return its text.
    Raises if it does not come within timeout s, or if the runner signals
    "abort" (another client failed, so NAME may never come)."""
    print("(waiting for %s)" % name, flush=True)
    end = time.monotonic() + timeout
    while not os.path.exists(_signal_path(name)):
        if os.path.exists(_signal_path("abort")):
            raise RuntimeError("another client failed while this one waited for " + name)
        if time.monotonic() > end:
            raise RuntimeError("no signal %s within %d s" % (name, timeout))
        time.sleep(0.05)
    with open(_signal_path(name)) as f:
        return f.read()


def background(fn):
    """Run fn in a thread while gdb waits for the target (gdb's commands are
    not for threads: fn may signal, wait and kill).  An exception in fn counts
    as a failure.  Returns the started thread."""
    def body():
        try:
            fn()
        except Exception as e:
            _result(False, "in a thread", "%s: %s" % (type(e).__name__, e))
    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    return thread


def monitor(cmd):
    """The text `monitor CMD` prints (the daemon's own commands: whoami, floor,
    targets)."""
    print("(gdb) monitor " + cmd, flush=True)
    text = gdb.execute("monitor " + cmd, to_string=True)
    print(text, end="" if text.endswith("\n") else "\n", flush=True)
    return text


def general_registers():
    """The selected frame's general registers that read as integers, by
    name, read afresh (refresh()): a whole register set to compare."""
    refresh()
    frame = gdb.selected_frame()
    out = {}
    for desc in frame.architecture().registers("general"):
        v = frame.read_register(desc.name)
        if v.type.strip_typedefs().code in (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_PTR):
            out[desc.name] = int(v)
    return out


def replay_icount():
    """Where a replay target stands (`monitor replay info`)."""
    text = monitor("replay info")
    m = re.search(r"at icount (\d+)", text)
    if not m:
        raise RuntimeError("no icount in %r" % text)
    return int(m.group(1))


def refresh():
    """Forget what this gdb knows of registers and memory.  An all-stop gdb
    that did not resume the VM itself still thinks it is where it last saw
    it; after this, its next read asks the daemon."""
    gdb.execute("maint flush register-cache")
    gdb.execute("maint flush dcache")


def breakpoint_address(text):
    """The address in gdb's "Breakpoint N at 0x...: file ..." (from run())."""
    m = re.search(r"reakpoint \d+ at (0x[0-9a-f]+)", text)
    if not m:
        raise RuntimeError("no breakpoint address in %r" % text)
    return int(m.group(1), 16)


Who = collections.namedtuple("Who", "id role target")


def whoami():
    """This client as `monitor whoami` describes it: .id, .role, .target."""
    text = monitor("whoami")
    m = re.search(r"client (\d+), role (\w+).*, target (\S+)", text)
    if not m:
        raise RuntimeError("unreadable `monitor whoami` output: %r" % text)
    return Who(int(m.group(1)), m.group(2), m.group(3))


def attach_as(role):
    """Connect this client (GDBHUB_CLIENT) and check the daemon gave it role;
    return whoami()."""
    connect()
    me = whoami()
    expect_eq("%s's role" % os.environ["GDBHUB_CLIENT"].upper(), me.role, role)
    return me


def floor_holder(text):
    """The client id `monitor floor` (or a `monitor targets` line) names as
    holding the floor, or None if it is free."""
    m = re.search(r"held by client (\d+)", text)
    return int(m.group(1)) if m else None


def poll_monitor(cmd, cond, what, timeout=WAIT):
    """Repeat `monitor CMD` until cond(output) is true; return the output.
    For waiting on the daemon's state, never on the clock."""
    end = time.monotonic() + timeout
    while True:
        text = gdb.execute("monitor " + cmd, to_string=True)
        if cond(text):
            print("(gdb) monitor %s\n%s" % (cmd, text), end="", flush=True)
            return text
        if os.path.exists(_signal_path("abort")):
            raise RuntimeError("another client failed while this one waited for " + what)
        if time.monotonic() > end:
            raise RuntimeError("not within %d s: %s; last `monitor %s`:\n%s"
                               % (timeout, what, cmd, text))
        time.sleep(0.1)


def daemon_log_wait(pattern, what, timeout=WAIT):
    """Wait until a line of the daemon's log matches the regex pattern; return
    it.  Safe from a thread (it only reads a file)."""
    end = time.monotonic() + timeout
    regex = re.compile(pattern)
    while True:
        with open(os.environ["GDBHUB_DAEMON_LOG"], errors="replace") as f:
            for text in f:
                if regex.search(text):
                    print("(daemon log: %s)" % text.rstrip(), flush=True)
                    return text
        if time.monotonic() > end:
            raise RuntimeError("not within %d s: %s (no daemon log line matching %r)"
                               % (timeout, what, pattern))
        time.sleep(0.05)


def elf_bytes(address, length):
    """length bytes at address as the guest ELF's loadable segments hold them
    (little-endian ELF32 or ELF64, as the test guests are)."""
    with open(os.environ["GDBHUB_ELF"], "rb") as f:
        elf = f.read()
    is64 = elf[4] == 2
    phoff, = struct.unpack_from("<Q" if is64 else "<I", elf, 32 if is64 else 28)
    phentsize, phnum = struct.unpack_from("<HH", elf, 54 if is64 else 42)
    for i in range(phnum):
        at = phoff + i * phentsize
        if is64:
            ptype, _, offset, vaddr, _, filesz = struct.unpack_from("<IIQQQQ", elf, at)
        else:
            ptype, offset, vaddr, _, filesz = struct.unpack_from("<5I", elf, at)
        if ptype == 1 and vaddr <= address and address + length <= vaddr + filesz:
            start = offset + address - vaddr
            return elf[start:start + length]
    raise RuntimeError("0x%x is in no loadable segment of the ELF" % address)


def read_memory(address, length):
    """length bytes of guest memory at address, as this gdb reads them."""
    return bytes(gdb.selected_inferior().read_memory(address, length))


def try_run(cmd):
    """Run a gdb command that may fail; return (what gdb printed, the error
    text or None).  The printed text includes warnings before the error."""
    print("(gdb) " + cmd, flush=True)
    mark = log_mark()
    err = None
    try:
        gdb.execute(cmd)
    except gdb.error as e:
        err = str(e)
        print("(gdb error: %s)" % err, flush=True)
    return log_since(mark), err


def expect_refused(what, cmd):
    """cmd must fail: gdb raises an error or warns of an error reply
    ("Remote failure reply").  Returns what gdb printed."""
    text, err = try_run(cmd)
    _result(err is not None or "Remote failure reply" in text, what,
            "gdb error %r" % err if err else "gdb printed:\n" + _indent(text))
    return text


def expect_no_hang_after_end(what):
    """Another client let the guest exit: this idle all-stop gdb learns of it
    on its next request, as an error (the daemon closed the connection) or an
    exit report; the point is that the request returns."""
    try:
        gdb.execute("maint flush register-cache")
    except gdb.error:
        pass
    text, err = try_run("info registers pc")
    _result(err is not None or "exited" in text, what,
            "gdb error %r" % err if err else "gdb printed:\n" + _indent(text))


def interrupt_continue(delay=1.0, after=None, after_what=""):
    """continue, and press Ctrl-C delay s after after() returned (at once
    if there is none; a SIGINT to gdb itself, from a thread): the guest must
    stop with SIGINT.  after waits for something (a log line, say) and
    raises RuntimeError if it does not come; that fails after_what."""
    def kick():
        try:
            if after is not None:
                after()
        except RuntimeError as e:
            _result(False, after_what, str(e))
        time.sleep(delay)
        print("(sending SIGINT to gdb)", flush=True)
        os.kill(os.getpid(), SIGINT)
    thread = threading.Thread(target=kick, daemon=True)
    thread.start()
    with Stops() as ev:
        text = run("continue")
    thread.join()
    expect_eq("stop events after Ctrl-C", ev.describe(), ["signal SIGINT"])
    expect_in("gdb reports the interrupt", "Program received signal SIGINT", text)


def stop_at_spin_loop():
    """Run the spin guest to the entry of spin_loop (so it is past its start
    code, which clears .bss) and delete the breakpoint again."""
    run("break spin_loop")
    with Stops() as ev:
        run("continue")
    expect_eq("stop at the entry of spin_loop", ev.describe(), ["breakpoint ['spin_loop']"])
    run("delete")


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


def _quit(code):
    """gdb's quit, and the same status when that fails (gdb -batch would
    exit 0 after a quit that raised, e.g. on a connection that is gone)."""
    try:
        gdb.execute("quit %d" % code)
    except gdb.error as e:
        print("(quit failed: %s)" % e, flush=True)
    sys.stdout.flush()
    os._exit(code)


def finish():
    print("%d passed, %d failed" % (passes, failures), flush=True)
    if passes == 0 and failures == 0:
        print("FAIL: the scenario checked nothing", flush=True)
        _quit(1)
    _quit(min(failures, 100))


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
