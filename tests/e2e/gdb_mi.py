"""A small GDB/MI (mi3) driver for end-to-end tests that must wait on
asynchronous stops.

A gdb run as `gdb -batch -x script.py` takes a remote's stop notifications
only while some command waits on the target, so a script cannot watch
threads stop on their own (non-stop mode).  Under MI, gdb's event loop runs
while it waits for its next command, so every `*stopped` and `*running`
shows up whenever it happens, and the test waits for it with a timeout.

    mi = Gdb(gdb, [elf], transcript_path, cwd)
    mi.command("-gdb-set non-stop on")
    mi.command("-exec-continue --all")            # returns at ^running
    mi.wait_async("stopped", lambda r: r.get("thread-id") == "2", 30)
    mi.close()

Every line both ways goes to the transcript, and gdb's log stream (`&`,
where `set debug remote 1` writes the packets) is kept for wire checks
(log_mark / log_since).  gdb runs with core dumps off, in cwd.
"""

import queue
import resource
import subprocess
import threading
import time


class MiError(Exception):
    """gdb answered ^error, went away, or a wait timed out."""


# ---------------------------------------------------------------- parsing

ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "e": "\x1b",
           "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def parse_cstring(text, i):
    """The C string starting at text[i] (a quote); (value, index after it)."""
    out = []
    i += 1
    while text[i] != '"':
        c = text[i]
        if c == "\\":
            i += 1
            c = text[i]
            if c in "01234567":
                j = i
                while j < i + 3 and text[j] in "01234567":
                    j += 1
                out.append(chr(int(text[i:j], 8)))
                i = j
                continue
            out.append(ESCAPES.get(c, c))
        else:
            out.append(c)
        i += 1
    return "".join(out), i + 1


def parse_value(text, i):
    """A value (string, tuple as dict, list) at text[i]; (value, next index)."""
    c = text[i]
    if c == '"':
        return parse_cstring(text, i)
    close = "}" if c == "{" else "]"
    items, i = [], i + 1
    while text[i] != close:
        if text[i] in '"{[':
            value, i = parse_value(text, i)
            items.append((None, value))
        else:
            name, value, i = parse_result(text, i)
            items.append((name, value))
        if text[i] == ",":
            i += 1
    if c == "{":
        return {name: value for name, value in items}, i + 1
    return [value for _, value in items], i + 1


def parse_result(text, i):
    """name=value at text[i]; (name, value, next index)."""
    eq = text.index("=", i)
    value, end = parse_value(text, eq + 1)
    return text[i:eq], value, end


def parse_results(text, i):
    """The ,name=value list from text[i] to the end, as a dict."""
    results = {}
    while i < len(text) and text[i] == ",":
        name, value, i = parse_result(text, i + 1)
        results[name] = value
    return results


class Record:
    """One line of MI output.  kind: "^" result, "*" exec async, "=" notify,
    "+" status, "~" console, "@" target, "&" log; token (int or None);
    cls ("done", "stopped", ...; for streams the text); results (dict)."""

    def __init__(self, kind, token, cls, results):
        self.kind, self.token, self.cls, self.results = kind, token, cls, results

    def get(self, name, default=None):
        return self.results.get(name, default)

    def __repr__(self):
        return "%s%s%s %r" % ("" if self.token is None else self.token, self.kind,
                               self.cls, self.results)


def parse_record(line):
    """A Record for one MI output line, None for the prompt."""
    if line.strip() == "(gdb)":
        return None
    if line[0] in "~@&":
        return Record(line[0], None, parse_cstring(line, 1)[0], {})
    i = 0
    while line[i].isdigit():
        i += 1
    token = int(line[:i]) if i else None
    kind = line[i]
    if kind not in "^*=+":
        raise MiError("not an MI record: %r" % line)
    end = line.find(",", i)
    end = len(line) if end < 0 else end
    return Record(kind, token, line[i + 1:end], parse_results(line, end))


# ---------------------------------------------------------------- the driver

def no_core_dumps():
    """In the child before exec: gdb's own asserts must not leave a core."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class Gdb:
    """One `gdb -i=mi3 -nx` with a reader thread; not thread-safe itself."""

    def __init__(self, gdb, args, transcript, cwd, env=None):
        self.transcript = open(transcript, "a", buffering=1)
        self.proc = subprocess.Popen([gdb, "-i=mi3", "-nx", "-q"] + list(args),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, cwd=cwd, env=env,
                                     preexec_fn=no_core_dumps, text=True,
                                     errors="replace", bufsize=1)
        self.lines = queue.Queue()
        self.asyncs = []        # exec and notify records not yet taken
        self.log = []           # gdb's log stream ("&"), one entry per record
        self.console = []       # gdb's console stream ("~")
        self.token = 0
        threading.Thread(target=self.read, daemon=True).start()

    def note(self, text):
        self.transcript.write("%.3f %s\n" % (time.monotonic(), text))

    def read(self):
        for line in self.proc.stdout:
            self.note("<- " + line.rstrip("\n"))
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def take(self, deadline):
        """The next record from gdb, None for a prompt; MiError on
        timeout or end of gdb's output."""
        left = deadline - time.monotonic()
        try:
            line = self.lines.get(timeout=max(left, 0))
        except queue.Empty:
            raise MiError("no answer from gdb in time") from None
        if line is None:
            raise MiError("gdb's output ended (status %s)" % self.proc.poll())
        try:
            rec = parse_record(line) if line else None
        except (MiError, ValueError, IndexError):
            self.note("(not MI, taken as console text)")
            rec = Record("~", None, line + "\n", {})
        if rec is None:
            return None
        if rec.kind == "&":
            self.log.append(rec.cls)
        elif rec.kind in "~@":
            self.console.append(rec.cls)
        elif rec.kind in "*=+":
            self.asyncs.append(rec)
        return rec

    def command(self, text, timeout=30, error_ok=False):
        """Send one MI command, return its ^ record (^done, ^running,
        ^connected, ^exit); ^error raises MiError unless error_ok."""
        self.token += 1
        token = self.token
        self.note("-> %d%s" % (token, text))
        try:
            self.proc.stdin.write("%d%s\n" % (token, text))
            self.proc.stdin.flush()
        except OSError as e:
            raise MiError("gdb does not take commands: %s" % e) from None
        deadline = time.monotonic() + timeout
        while True:
            rec = self.take(deadline)
            if rec is not None and rec.kind == "^" and rec.token == token:
                break
        if rec.cls == "error" and not error_ok:
            raise MiError("%s: %s" % (text, rec.get("msg")))
        return rec

    def console_command(self, text, timeout=30):
        """A CLI command through -interpreter-exec; its console output."""
        start = len(self.console)
        self.command("-interpreter-exec console %s" % quote(text), timeout)
        return "".join(self.console[start:])

    def wait_async(self, cls, match=lambda rec: True, timeout=30):
        """Take and return the oldest async record of class cls (e.g.
        "stopped") for which match(record) holds, waiting for it up to
        timeout s; MiError if none comes."""
        deadline = time.monotonic() + timeout
        while True:
            for rec in self.asyncs:
                if rec.cls == cls and match(rec):
                    self.asyncs.remove(rec)
                    return rec
            try:
                self.take(deadline)
            except MiError as e:
                raise MiError("no *%s record in %d s (%s); async records seen: %r"
                              % (cls, timeout, e, self.asyncs)) from None

    def drain(self, cls):
        """Take and return every async record of class cls that came so
        far (after a moment's look at what gdb already sent)."""
        try:
            while True:
                self.take(time.monotonic() + 0.2)
        except MiError:
            pass
        taken = [rec for rec in self.asyncs if rec.cls == cls]
        self.asyncs = [rec for rec in self.asyncs if rec.cls != cls]
        return taken

    def log_mark(self):
        return len(self.log)

    def log_since(self, mark):
        return "".join(self.log[mark:])

    def close(self, timeout=10):
        """-gdb-exit, then wait; kill gdb if it does not go.  Its status."""
        if self.proc.poll() is None:
            try:
                self.command("-gdb-exit", timeout)
            except MiError:
                pass
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.transcript.close()
        return self.proc.returncode


def quote(text):
    """text as an MI C-string argument."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
