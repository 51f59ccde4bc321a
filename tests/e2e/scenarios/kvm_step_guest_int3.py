# Proves a stepi over the guest's own int3 stays a step: at traps.elf's int3 (reached with `break int3_block` and stepi), one `stepi` must stop again (in the guest's #BP path, outside int3_block), not run the guest to its end, with the #BP delivered to the guest exactly once; after `delete` the guest runs to its exit with the serial output and status it has alone (kvm_test.py's baseline). Fails if the daemon gives the exception back with a continue (the step would end only at the exit), drops it (int3 count short) or shows it to gdb as a SIGTRAP.
#
# Needs breakpoints and int3 to reach gdbhub-kvm (suite e2e-kvm-break):
# nested KVM intercepts neither.
import check
import kvm_guest
from check import expect_eq, expect_true

INT3 = b"\xcc"
MAX_STEPS = 40


def step_to_int3():
    for _ in range(MAX_STEPS):
        if check.read_memory(check.pc(), 1) == INT3:
            return True
        check.run("stepi")
    return False


def scenario():
    alone, status = kvm_guest.baseline()
    check.connect()
    check.run("break int3_block")
    check.run("continue")
    expect_eq("at int3_block", check.function(), "int3_block")
    check.run("delete")
    if not expect_true("stepped to the guest's int3", step_to_int3(), "$pc 0x%x" % check.pc()):
        return
    at = check.pc()
    with check.Stops() as ev:
        check.run("stepi")
    expect_eq("stepi over the guest's int3 ends as a step", ev.describe(), ["StopEvent"])
    expect_true("the step went into the guest's #BP path", check.function() != "int3_block",
                "$pc 0x%x (%s), the int3 at 0x%x" % (check.pc(), check.function(), at))
    check.continue_to_exit(status)
    kvm_guest.expect_serial("serial output, as with no debugger", alone)


if __name__ == "__main__":
    check.main(scenario)
