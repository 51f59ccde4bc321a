# Proves the hub's own top-level listener serves the only target: gdb connects to the config's root "listen" unix socket (not the target's), passes the break_args checks and runs the guest to its exit (code 15); fails if the hub listener is not opened, does not attach its clients to the single target (every request would then get E01 "no target attached"), or relays a different session than the target's own socket.
import check
from break_args import scenario as break_args


def scenario():
    break_args()
    check.run("delete")
    check.continue_to_exit(15)


if __name__ == "__main__":
    check.main(scenario)
