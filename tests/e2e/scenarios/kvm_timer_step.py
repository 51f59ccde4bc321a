# Proves stepping never enters an interrupt handler while the guest's timer runs, with no breakpoint needed: timer.elf (PIT at 100 Hz through the PIC into its own IDT) is stopped by Ctrl-C at the start of wait_ticks (a `jmp .` written there, then put back), after it programmed the PIT and unmasked IRQ 0; 40 `stepi` through its `sti; hlt; cli` loop must each stay in wait_ticks (never in the interrupt stubs or timer_handler), with `ticks` unchanged; then `monitor step-irq on` must let the steps take the pending ticks (the control: the timer really was running; under nested KVM the handler then runs inside a step, so `ticks` tells), and after continue the guest prints ticks=20 and exits with 39; fails if single steps take interrupts (KVM_GUESTDBG_BLOCKIRQ not used), a step over `hlt` never ends, or held ticks are lost.
import check
import kvm_guest
from check import expect_eq, expect_gt, expect_true, value

BLOCKED_STEPS = 40     # about 6 rounds of wait_ticks' loop: sti, hlt, cli, mov, cmp, jbe
CONTROL_STEPS = 30     # the tick is pending: the first sti should let it in
EXPECTED_SERIAL = "timer: start\ntimer: ticks=20\n"
TIMER_EXIT = 39
STI, HLT = b"\xfb", b"\xf4"


def stop_in_wait_ticks():
    saved = kvm_guest.spin_at("wait_ticks")
    kvm_guest.interrupt_after_serial("timer: start\n", delay=0.5)
    expect_eq("stopped where the guest spins", check.pc(), kvm_guest.address("wait_ticks"))
    kvm_guest.unspin("wait_ticks", saved)
    expect_eq("no tick yet (interrupts were off until wait_ticks)", value("ticks"), 0)


def steps_stay_in_wait_ticks(loop, handler):
    # A step from sti may end after the hlt too (it does under nested KVM):
    # count steps from either.
    sleeps = 0
    for n in range(BLOCKED_STEPS):
        sleeps += check.read_memory(check.pc(), 1) in (STI, HLT)
        check.run("stepi")
        pc = check.pc()
        if not expect_true("stepi %d stays in wait_ticks" % n, loop[0] <= pc < loop[1],
                           "$pc 0x%x, wait_ticks is [0x%x, 0x%x)" % (pc, loop[0], loop[1])):
            expect_true("stepi %d is not in timer_handler" % n,
                        not handler[0] <= pc < handler[1], "$pc 0x%x" % pc)
            return
    expect_gt("steps over sti; hlt with the tick pending", sleeps, 0)
    expect_eq("ticks after %d steps with the timer pending" % BLOCKED_STEPS, value("ticks"), 0)


def control_steps_take_the_tick(loop):
    """With step-irq on, a step may take the pending tick: it lands in the
    interrupt path or (if the handler ran within the step) counts a tick."""
    check.monitor("step-irq on")
    for n in range(CONTROL_STEPS):
        check.run("stepi")
        if not loop[0] <= check.pc() < loop[1] or value("ticks") > 0:
            break
    pc = check.pc()
    expect_true("with step-irq on, a step takes the tick",
                not loop[0] <= pc < loop[1] or value("ticks") > 0,
                "$pc 0x%x (%s), ticks %d after %d steps"
                % (pc, check.function(), value("ticks"), n + 1))
    check.monitor("step-irq off")


def scenario():
    check.connect()
    loop = kvm_guest.function_range("wait_ticks")
    handler = kvm_guest.function_range("timer_handler")
    stop_in_wait_ticks()
    steps_stay_in_wait_ticks(loop, handler)
    control_steps_take_the_tick(loop)
    check.continue_to_exit(TIMER_EXIT)
    kvm_guest.expect_serial("serial output", EXPECTED_SERIAL)


if __name__ == "__main__":
    check.main(scenario)
