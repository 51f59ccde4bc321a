/* `monitor` commands of gdbhub-kvm. */
#include <stdio.h>
#include <string.h>

#include "backends/kvm/stub/stub_internal.h"

static const char help[] =
	"gdbhub-kvm monitor commands:\n"
	"  kvm              what the host's KVM does, which mechanism each job uses,\n"
	"                   and who holds each debug register\n"
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

/* Who holds each debug register: a client of ours, the guest, or nobody. */
static void describe_slots(struct stub *st, char *out, size_t cap)
{
	static const char *const kinds[] = {
		[HW_EXEC] = "hbreak", [HW_WRITE] = "watch", [HW_READ] = "rwatch", [HW_ACCESS] = "awatch",
	};
	unsigned guest = stub_guest_dr_slots(st);
	size_t n = strlen(out);

	for (int i = 0; i < HW_SLOTS && n < cap; i++) {
		const struct hw_slot *s = &st->hw[i];

		if (s->used)
			n += (size_t)snprintf(out + n, cap - n, "DR%d: debugger's %s at 0x%llx%s\n", i,
					      kinds[s->kind], (unsigned long long)s->addr,
					      guest & (1u << i) ? " (the guest's own suspended)" : "");
		else
			n += (size_t)snprintf(out + n, cap - n, "DR%d: %s\n", i,
					      guest & (1u << i) ? "the guest's own" : "free");
	}
}

void stub_monitor(struct stub *st, const char *cmd, char *out, size_t cap)
{
	if (!strcmp(cmd, "kvm")) {
		snprintf(out, cap, "%s\n", st->vm->host.summary);
		describe_slots(st, out, cap);
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
