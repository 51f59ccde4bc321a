/* `monitor` commands of gdbhub-kvm. */
#include <stdio.h>
#include <string.h>

#include "backends/kvm/stub/stub_internal.h"

static const char help[] =
	"gdbhub-kvm monitor commands:\n"
	"  kvm              what the host's KVM does and which mechanism each job uses\n"
	"  phys on|off      memory addresses are physical (on) or virtual (off, default)\n"
	"  step-irq on|off  let single steps take interrupts (default off)\n";

static bool on_off(const char *arg, bool *flag)
{
	if (!strcmp(arg, "on"))
		*flag = true;
	else if (!strcmp(arg, "off"))
		*flag = false;
	else
		return false;
	return true;
}

void stub_monitor(struct stub *st, const char *cmd, char *out, size_t cap)
{
	if (!strcmp(cmd, "kvm")) {
		snprintf(out, cap, "%s\n", st->vm->host.summary);
	} else if (!strncmp(cmd, "phys ", 5) && on_off(cmd + 5, &st->phys)) {
		snprintf(out, cap, "memory addresses are %s\n", st->phys ? "physical" : "virtual");
	} else if (!strncmp(cmd, "step-irq ", 9) && on_off(cmd + 9, &st->step_irqs)) {
		snprintf(out, cap, "single steps %s interrupts\n",
			 st->step_irqs ? "may take" : "hold off");
	} else if (!strcmp(cmd, "help")) {
		snprintf(out, cap, "%s", help);
	} else {
		snprintf(out, cap, "unknown monitor command \"%s\"\n%s", cmd, help);
	}
}
