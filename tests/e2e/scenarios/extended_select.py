# Proves target selection on the hub's endpoint: with two VMs behind one socket, `target extended-remote` connects without a process, `info os processes` lists both VMs, `attach 1` debugs the first, detach keeps the connection, and `attach 2` debugs the second to its exit; fails without qXfer:osdata, vAttach, or a detach that keeps extended-remote connected.
import os

import check
from check import expect_eq, expect_in


def scenario():
    sock = os.environ["GDBHUB_SOCK"]
    spin = os.path.join(os.path.dirname(os.environ["GDBHUB_ELF"]), "spin.elf")
    check.run("target extended-remote " + sock)
    text = check.run("info os processes")
    expect_in("process 1 is the demo VM", "demo (tcg i386", text)
    expect_in("process 2 is the second VM", "second (tcg i386", text)
    check.run("file " + os.environ["GDBHUB_ELF"])
    check.run("attach 1")
    check.run("break add")
    with check.Stops() as ev:
        check.run("continue")
    expect_eq("stop in the first VM", ev.describe(), ["breakpoint ['add']"])
    expect_eq("a", check.value("a"), 0)
    check.run("delete")
    expect_in("the detach", "detached", check.run("detach"))
    check.run("file " + spin)
    check.run("attach 2")
    expect_in("the inferior is process 2", "process 2", check.run("info inferiors"))
    expect_eq("the second VM has not run yet", check.value("ticks"), 0)
    # Into the spin loop first: the guest's start code clears .bss.
    check.stop_at_spin_loop()
    check.run("set var release = 1")
    check.continue_to_exit(7)


if __name__ == "__main__":
    check.main(scenario)
