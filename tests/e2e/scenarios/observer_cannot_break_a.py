# Proves an observer cannot plant a breakpoint or resume the VM: observer C's `break add` + `continue` fails (the daemon refuses Z0 with an error, gdb reports it cannot insert the breakpoint and does not resume), then controller A continues to the guest's exit (code 15) without stopping at add while C is still attached; fails if the daemon accepts an observer's Z0 (A would stop at add) or resume.
# Client A (control): runs the guest to its end once C has tried.
import check


def scenario():
    me = check.attach_as("control")
    check.wait_for("c-tried")
    check.continue_to_exit(15)
    check.signal("a-done")


if __name__ == "__main__":
    check.main(scenario)
