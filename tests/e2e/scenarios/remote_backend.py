# Proves the "remote" backend: the daemon attaches to a QEMU gdbstub it did not start and relays a full session (the break_args checks, then a run to the guest's exit); fails if the daemon cannot use a foreign stub, or leaves gdb hanging when the stub goes away.
import check
from check import value


def scenario():
    import break_args
    break_args.scenario()
    check.run("delete")
    check.expect_eq("exit_value before the run to the exit", value("exit_value"), 7)
    # The guest exits with 7 -> QEMU status 15.  QEMU's stub sends no W packet
    # for that, so the daemon cannot know the status and must not invent one:
    # it closes the connection at once (never a hang), as the stub itself did,
    # and run_test.py checks the status of the QEMU it started.
    check.continue_to_exit(15)


if __name__ == "__main__":
    check.main(scenario)
