# Proves the daemon notices its QEMU dying while the guest runs: after the runner kills QEMU with SIGKILL, gdb must promptly report "Program terminated with signal SIGKILL" ($_exitsignal 9); fails if the daemon misses the death (gdb hangs until the timeout), drops the client without a stop reply ("Remote connection closed"), or reports the wrong signal.
import time

import check
from check import expect_eq, expect_in


def scenario():
    check.connect()
    check.stop_at_spin_loop()
    check.ready()
    start = time.monotonic()
    with check.Stops() as ev:
        text = check.run("continue")
    took = time.monotonic() - start
    expect_eq("stop events", ev.describe(), ["exit ?"])
    expect_in("gdb reports the kill", "Program terminated with signal SIGKILL", text)
    expect_eq("$_exitsignal", check.convenience("_exitsignal"), 9)
    expect_eq("$_exitcode", check.convenience("_exitcode"), None)
    # Generous: the runner kills QEMU 1 s after ready(); the daemon should
    # see it at once.  30 s is far below the runner's hard timeout.
    check.expect_true("reported within 30 s", took < 30, "took %.1f s" % took)


if __name__ == "__main__":
    check.main(scenario)
