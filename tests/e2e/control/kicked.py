# A gdb whose breakpoint is inserted at once (always-inserted), idle, that
# the runner kicks through the control socket ("client.kick"). Its next
# request fails: the daemon closed the connection. That the breakpoint went
# with it upstream, the runner sees: the guest runs to its normal exit.
import check


def scenario():
    check.connect()
    check.run("set breakpoint always-inserted on")
    check.run("break add")
    check.signal("armed")
    check.wait_for("kicked")
    try:
        check.run("maint flush register-cache")   # else gdb answers from its cache
    except Exception as e:
        print("(flush: %s)" % e, flush=True)
    text, err = check.try_run("info registers pc")
    check.expect_true("the kicked session ends with an error", err is not None,
                      "gdb printed:\n" + text)


if __name__ == "__main__":
    check.main(scenario)
