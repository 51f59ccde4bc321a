# An existing session across SIGHUP reloads: stopped in the spin guest's
# loop before the reloads, it must still single-step and read registers
# after them.
import check


def scenario():
    check.connect()
    check.stop_at_spin_loop()
    before = check.pc()
    check.signal("attached")
    check.wait_for("reloaded")
    check.run("stepi")
    check.expect_ne("the VM stepped after the reload", check.pc(), before)
    check.expect_eq("still in spin_loop", check.function(), "spin_loop")


if __name__ == "__main__":
    check.main(scenario)
