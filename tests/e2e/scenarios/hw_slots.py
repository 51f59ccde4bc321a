# Proves hardware slots are offered as x86 has them (4), refused at insert time when they run out, shown by `monitor hw`, and given back on delete; fails without slot accounting, since QEMU's TCG accepts any number and the fifth hbreak would be inserted.
import check
from check import expect_eq, expect_in, expect_true


def scenario():
    check.connect()
    for func in ("add", "factorial", "guest_exit", "serial_putc", "kmain"):
        check.run("hbreak " + func)
    mark = check.log_mark()
    out, err = check.try_run("continue")
    expect_true("the fifth hardware breakpoint is refused when inserted", err is not None,
                "continue went through: %r" % out)
    expect_in("gdb names the breakpoint it could not insert",
              "Cannot insert hardware breakpoint 5", check.log_since(mark))
    text = check.monitor("hw")
    expect_in("monitor hw counts the slots", "4 hardware debug slots, 0 free", text)
    expect_eq("monitor hw lists four holders", text.count("client(s) "), 4)
    check.run("delete 5")
    with check.Stops() as ev:
        check.run("continue")
    expect_eq("with four, the run stops at the first one hit",
              [d for d in ev.describe() if d.startswith("breakpoint")][:1],
              ["breakpoint ['serial_putc']"])
    check.run("delete")
    check.run("watch counter")
    with check.Stops() as ev:
        check.run("continue")
    expect_in("a freed slot serves a watchpoint", "breakpoint ['counter']",
              " ".join(ev.describe()))
    check.run("delete")
    check.continue_to_exit(15)


if __name__ == "__main__":
    check.main(scenario)
