# Proves hostile or broken client input cannot crash or wedge the daemon: before gdb attaches, raw connections send seeded random bytes, a bad checksum (answered `-`), a frame over 0x20000 bytes, malformed and absurd requests (each answered, within 10 s, with an error or an empty reply; an `M` length whose double wraps must not pass the length check), a request flood, a close with a request in flight and a close mid-frame; then gdb runs the break_args checks and the guest exits with code 15; fails if any of that crashes the daemon, leaves a request unanswered, lets a garbage client steer the VM, or breaks the next client's session.
import os
import random
import socket
import time

import check
from check import expect_eq, expect_true

TIMEOUT = 10     # s: any reply slower than this counts as a hang
SEED = 1729


def checksum(payload):
    return b"%02x" % (sum(payload) & 0xff)


def frame(payload):
    """`$payload#xx` with the right checksum (payload: str or bytes, unescaped)."""
    if isinstance(payload, str):
        payload = payload.encode()
    return b"$" + payload + b"#" + checksum(payload)


def unescape(raw):
    """Undo `}` escapes and `*` run-length encoding in a received payload."""
    out = bytearray()
    i = 0
    while i < len(raw):
        b = raw[i]
        if b == 0x7d and i + 1 < len(raw):
            out.append(raw[i + 1] ^ 0x20)
            i += 2
        elif b == 0x2a and out and i + 1 < len(raw):
            out += bytes([out[-1]]) * (raw[i + 1] - 29)
            i += 2
        else:
            out.append(b)
            i += 1
    return bytes(out)


def no_valid_frames(data):
    """Junk with every `$...#xx` whose checksum happens to match spoiled, so
    that no random packet (a `c`, a `D`) reaches the target.  Checksums are
    over the raw bytes, so this holds whatever escapes the junk has."""
    data = bytearray(data)
    changed = True
    while changed:
        changed = False
        start = None
        for i, b in enumerate(data):
            if b == ord("$"):
                start = i
            elif b == ord("#") and start is not None:
                digits = bytes(data[i + 1:i + 3])
                if len(digits) == 2 and digits.lower() == checksum(data[start + 1:i]):
                    data[i + 1] = ord("g")   # not a hex digit: a malformed frame
                    changed = True
                start = None
    return bytes(data)


class Raw:
    """One raw RSP connection to the target's socket, in ack mode."""

    def __init__(self, what):
        self.what = what
        self.buf = bytearray()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(TIMEOUT)
        self.sock.connect(os.environ["GDBHUB_SOCK"])

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise EOFError("the daemon closed the connection")
        self.buf += chunk

    def reply(self):
        """(bytes before the frame, e.g. acks; the frame's payload)."""
        while b"$" not in self.buf:
            self._fill()
        start = self.buf.index(b"$")
        before = bytes(self.buf[:start])
        while True:
            end = self.buf.find(b"#", start)
            if end >= 0 and len(self.buf) >= end + 3:
                break
            self._fill()
        raw = bytes(self.buf[start + 1:end])
        sent = bytes(self.buf[end + 1:end + 3])
        del self.buf[:end + 3]
        if sent != checksum(raw):
            raise ValueError("reply with checksum %r, expected %r" % (sent, checksum(raw)))
        self.send(b"+")
        return before, unescape(raw)

    def request(self, payload):
        """Send a packet; the daemon must ack it and reply.  Returns the reply."""
        self.send(frame(payload))
        before, reply = self.reply()
        expect_eq("%s: the request is acked before the reply" % self.what, before, b"+")
        return reply

    def read_byte(self):
        while not self.buf:
            self._fill()
        b = bytes(self.buf[:1])
        del self.buf[:1]
        return b

    def close(self):
        self.sock.close()


def short(data, n=60):
    text = data.decode("latin-1") if isinstance(data, bytes) else str(data)
    return text if len(text) <= n else text[:n] + "...(%d bytes)" % len(text)


def probe(what, fn):
    """Run one garbage case on a fresh connection; any hang, drop or
    exception is a failure of that case, and the next case still runs."""
    start = time.monotonic()
    conn = None
    try:
        conn = Raw(what)
        fn(conn)
    except socket.timeout:
        expect_true(what, False, "no answer within %d s: the daemon hangs" % TIMEOUT)
    except Exception as e:
        expect_true(what, False, "%s: %s" % (type(e).__name__, e))
    finally:
        if conn is not None:
            conn.close()
    print("(%s: %.2f s)" % (what, time.monotonic() - start), flush=True)


def expect_stop_reply(what, conn):
    """`?` on conn gets a stop record: the connection (and daemon) still works."""
    reply = conn.request("?")
    expect_true("%s: `?` answered with a stop record" % what,
                reply[:1] in (b"T", b"S"), short(reply))


def expect_error(what, conn, payload):
    reply = conn.request(payload)
    expect_true("%s: %s answered with an error" % (what, short(payload)),
                len(reply) == 3 and reply[:1] == b"E", short(reply))


def random_bytes(conn):
    junk = no_valid_frames(random.Random(SEED).randbytes(1 << 16))
    conn.send(junk)
    # Whatever state the junk left the decoder in, `$` starts a new frame.
    conn.send(frame("?"))
    before, reply = conn.reply()
    # Junk frames with bad checksums were NAKed; the `?` itself is acked.
    expect_true("after 64 KiB of random bytes: only acks and NAKs, the last an ack",
                before.endswith(b"+") and not before.strip(b"+-"), short(before))
    expect_true("after 64 KiB of random bytes: `?` answered with a stop record",
                reply[:1] in (b"T", b"S"), short(reply))


def bad_checksum(conn):
    conn.send(b"$?#00")
    expect_eq("bad checksum: answered with a NAK", conn.read_byte(), b"-")
    expect_stop_reply("after the NAK", conn)


def oversized(conn):
    payload = b"q" * 0x20010
    conn.send(frame(payload))
    before, reply = conn.reply()
    expect_true("frame of 0x%x bytes: answered with an error" % len(payload),
                len(reply) == 3 and reply[:1] == b"E", "%r then %s" % (before, short(reply)))
    expect_stop_reply("after the oversized frame", conn)


def huge_read(conn):
    # 2^64 - 1 bytes from 0: an error, or as much as a reply can carry.
    reply = conn.request("m0,ffffffffffffffff")
    ok = (len(reply) == 3 and reply[:1] == b"E") or (
        0 < len(reply) <= 0x20000 and len(reply) % 2 == 0 and
        all(c in b"0123456789abcdef" for c in reply))
    expect_true("m0,ffffffffffffffff: an error or hex data", ok, short(reply))
    # An address range that wraps past 2^64.
    reply = conn.request("mfffffffffffffff0,100")
    ok = (len(reply) == 3 and reply[:1] == b"E") or (
        0 < len(reply) <= 0x200 and len(reply) % 2 == 0 and
        all(c in b"0123456789abcdef" for c in reply))
    expect_true("mfffffffffffffff0,100: an error or hex data", ok, short(reply))


def malformed(conn):
    for payload in ("Z9,1,1", "vCont;x:zz", "Hgzz", "X100000,4:ab",
                    # 2 * length wraps to 2: as if the two hex digits were all
                    "M100000,8000000000000001:00"):
        expect_error("malformed", conn, payload)
    reply = conn.request("qXfer:features:read:")
    expect_true("qXfer:features:read: (no annex, offset or length): an error or empty",
                reply == b"" or (len(reply) == 3 and reply[:1] == b"E"), short(reply))
    expect_eq("unknown packet qGdbhubNoSuchThing: empty reply",
              conn.request("qGdbhubNoSuchThing"), b"")
    expect_stop_reply("after the malformed requests", conn)


def flood(conn):
    # Far more packets ahead of their replies than gdb ever sends: the daemon
    # may answer them all or drop the connection, but must do one of the two.
    count = 200
    conn.send(b"".join(frame("m100000,800") for _ in range(count)))
    replies = 0
    try:
        while replies < count:
            conn.reply()
            replies += 1
    except EOFError:
        pass
    print("(flood: %d of %d requests answered before the end)" % (replies, count), flush=True)
    expect_true("flood: answered or dropped, no hang", True)


def close_in_flight(conn):
    # The daemon is still reading 64 KiB upstream when the client goes.
    conn.send(frame("m0,10000"))
    conn.send(frame("m100000,10000"))


def close_mid_frame(conn):
    conn.send(b"$m100000,4")


def scenario():
    # A silent client stays attached throughout: when a garbage client is the
    # last one out, the daemon would let the demo guest run to its exit.
    holder = Raw("holder")
    try:
        probe("random bytes", random_bytes)
        probe("bad checksum", bad_checksum)
        probe("oversized frame", oversized)
        probe("huge read", huge_read)
        probe("malformed requests", malformed)
        probe("flood", flood)
        probe("close with requests in flight", close_in_flight)
        probe("close mid-frame", close_mid_frame)
        probe("the daemon still answers", lambda conn: (
            expect_true("qSupported offers big packets",
                        b"PacketSize=20000" in conn.request("qSupported:multiprocess+"),
                        "PacketSize=20000"),
            expect_stop_reply("a new connection", conn)))

        import break_args
        break_args.scenario()
    finally:
        holder.close()
    check.run("delete")
    check.continue_to_exit(15)


if __name__ == "__main__":
    check.main(scenario)
