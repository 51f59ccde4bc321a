# Proves a target's TCP listener serves the same debugging session as its unix socket (the break_args checks over 127.0.0.1:PORT); fails if the TCP transport is missing, does not accept, or mangles the byte stream.
import os

import check
from break_args import scenario

if __name__ == "__main__":
    check.main(lambda: scenario(os.environ["GDBHUB_TCP"]))
