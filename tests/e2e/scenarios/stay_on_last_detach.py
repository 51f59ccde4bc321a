# Proves `"on_last_detach": "stay"` keeps a stopped VM stopped when its last controller leaves: gdb #1 stops the spin guest at the entry of spin_loop (ticks 0) and detaches; gdb #2, a second later, must find it still there with ticks 0, then releases it to its exit (code 7); fails if the daemon resumes the VM on the last detach regardless of the target's setting (ticks would have grown; detach_resumes checks the default, "resume").
import check
from check import expect_eq, value


def first():
    check.connect()
    check.stop_at_spin_loop()
    expect_eq("ticks at the entry of spin_loop", value("ticks"), 0)
    check.run("detach")


def second():
    check.connect()
    expect_eq("function on attach", check.function(), "spin_loop")
    expect_eq("ticks (the VM stayed stopped)", value("ticks"), 0)
    check.run("set var release = 1")
    check.continue_to_exit(7)


if __name__ == "__main__":
    check.main(first if check.PHASE == 0 else second)
