# Proves an observer does not keep the VM stopped: when the last controller, A, detaches from the spin guest stopped in spin_loop, the VM resumes although observer C is still attached, and C sees it running (`monitor targets`); fails if the daemon counts observers as a reason to stay stopped, or resumes before A leaves.
# Client A (control): stops the guest, lets C look, detaches.
import check


def scenario():
    me = check.attach_as("control")
    check.wait_for("c-attached")
    check.stop_at_spin_loop()
    check.signal("a-stopped")
    check.wait_for("c-saw-stop")
    check.run("detach")
    check.signal("a-detached")


if __name__ == "__main__":
    check.main(scenario)
