# Proves gdbhub-kvm's read and access watchpoints need no debug register: with the page unmapped, `awatch counter` stops first at counter++'s load (gdb: Value = 0) and then at its store (Old value = 0, New value = 1); `rwatch exit_value` stops at the one read of it, not at any store, with Value = 7; a read watch on a code page (add's first bytes) cannot work, since KVM cannot fetch code from an unmapped page: the guest stops at once with gdb told why, and after `delete` it runs to its exit with the status its stores decide. Needs no breakpoint, so it runs where KVM fires no debug register (PVM data watchpoints, nested KVM on emulated SVM). Fails if a load is not reported, a store stops a read watch, the stop lacks its rwatch/awatch reason (gdb would say SIGTRAP), a load or store through the unmapped page is lost or wrong (the exit code would differ), or the code-page case kills the VM or hangs.
import check
from check import expect_eq, expect_in, value


def stop_with(what, expr, wanted_text):
    with check.Stops() as ev:
        text = check.run("continue")
    expect_eq(what + ": stop events", ev.describe(), ["breakpoint [%r]" % expr])
    expect_in(what, wanted_text, text)
    return text


def past_bss_clear():
    """_start's rep stosb clears .bss byte by byte, counter's four bytes
    too: each is an access (Value = 0); go on until kmain."""
    for n in range(8):
        if check.function() == "kmain":
            return
        stop_with("awatch at .bss clearing %d" % n, "counter", "Value = 0")
    expect_eq("reached kmain", check.function(), "kmain")


def scenario():
    check.connect()
    expect_in("awatch is a hardware watchpoint", "Hardware access (read/write) watchpoint 1",
              check.run("awatch counter"))
    stop_with("awatch at the first clearing store", "counter", "Value = 0")
    past_bss_clear()
    expect_eq("awatch stopped at counter++'s load", check.line(), check.source_line("counter++;"))
    stop_with("awatch at counter++'s store", "counter", "Old value = 0\nNew value = 1")
    expect_eq("counter after one store", value("counter"), 1)
    check.run("delete")

    expect_in("rwatch is a hardware watchpoint", "Hardware read watchpoint 2",
              check.run("rwatch exit_value"))
    stop_with("rwatch at the read of exit_value", "exit_value", "Value = 7")
    expect_eq("the loop's stores went through the watched pages", value("counter"), 10)
    check.run("delete")

    # Code lives on add's page (kmain too): the next fetch there cannot be
    # served from an unmapped page.
    check.run("rwatch *(int *)add")
    with check.Stops() as ev:
        text = check.run("continue")
    expect_eq("one stop, not the VM's end", len(ev.stops) + len(ev.exits), 1)
    expect_in("a SIGTRAP", "SIGTRAP", text)
    expect_in("gdb is told why", "a read or access watchpoint without a debug register", text)
    expect_eq("stopped in the code", check.function(), "kmain")
    check.run("delete")
    check.continue_to_exit(15)


if __name__ == "__main__":
    check.main(scenario)
