# Proves hardware write watchpoints work through the daemon: `watch counter` stops after each increment with the old and new value, and after `delete` the guest runs to its exit; fails if Z2/z2 are not relayed or the watch stop reason (watch:ADDR) is lost, which gdb would report as a plain SIGTRAP.
import check
from check import expect_eq, expect_in, value


def scenario():
    check.connect()
    # Watch from kmain on: the boot loader copying the image is no business of ours.
    check.run("tbreak kmain")
    check.run("continue")
    expect_eq("function", check.function(), "kmain")
    text = check.run("watch counter")
    expect_in("a hardware watchpoint", "Hardware watchpoint 2: counter", text)

    for old in (0, 1):
        with check.Stops() as ev:
            text = check.run("continue")
        expect_eq("stop events", ev.describe(), ["breakpoint ['counter']"])
        expect_in("gdb reports the watchpoint", "Hardware watchpoint 2: counter", text)
        expect_in("gdb reports the old and new value",
                  "Old value = %d\nNew value = %d" % (old, old + 1), text)
        expect_eq("counter", value("counter"), old + 1)
        expect_eq("function", check.function(), "kmain")

    check.run("delete")
    check.continue_to_exit(15)


if __name__ == "__main__":
    check.main(scenario)
