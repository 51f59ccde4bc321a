# Proves gdbhub-kvm's write watchpoints need no debug register and have no
# count limit: five `watch`es from the first instruction (more than x86's
# four debug registers), the first two stops are counter 0 -> 1 and then
# total's first store, each after the store with the old and new value, and
# after `delete` the guest runs to its exit. Needs no breakpoint, so it runs
# where KVM fires none (PVM data watchpoints, nested KVM on emulated SVM):
# stores to the watched pages come back as MMIO exits of read-only memslots.
# Fails if a watch beyond four is refused, if a stop is missed or reported
# without its watch reason (gdb would say SIGTRAP), or if the guest's stores
# are lost (the exit code would differ); also that `monitor hw` through the
# daemon says gdbhub-kvm keeps the x86 debug registers and `monitor kvm`
# (passed through to the stub) lists them.
import check
from check import expect_eq, expect_in, value


def scenario():
    check.connect()
    for n, expr in enumerate(("counter", "total", "last_fact", "exit_value",
                              "*(char *)((char *)&counter + 3)"), start=1):
        text = check.run("watch " + expr)
        expect_in("watch %d is a hardware watchpoint" % n, "Hardware watchpoint %d" % n, text)

    with check.Stops() as ev:
        text = check.run("continue")
    expect_eq("stop events", ev.describe(), ["breakpoint ['counter']"])
    expect_in("old and new counter", "Old value = 0\nNew value = 1", text)
    expect_eq("counter", value("counter"), 1)

    with check.Stops() as ev:
        text = check.run("continue")
    expect_eq("stop events", ev.describe(), ["breakpoint ['total']"])
    expect_in("old and new total", "Old value = 0\nNew value = 100", text)

    check.run("delete")
    text = check.monitor("hw")
    expect_in("monitor hw: gdbhub-kvm keeps the slots", "managed by the stub", text)
    expect_in("monitor hw: how many and where to look", "4 debug registers (DR0-3); `monitor kvm`",
              text)
    expect_in("monitor kvm through the daemon lists DR0", "DR0: ", check.monitor("kvm"))
    check.continue_to_exit(15)


if __name__ == "__main__":
    check.main(scenario)
