/* Flat 32-bit protected mode (see flat32.h). */
#include <string.h>

#include "backends/kvm/vmm/flat32.h"

void flat32_write_gdt(uint8_t *gdt)
{
	static const uint64_t entries[FLAT32_GDT_SIZE / 8] = {
		0, 0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull,
	};

	memcpy(gdt, entries, sizeof(entries));
}

static void flat_segment(struct kvm_segment *s, uint16_t selector, uint8_t type)
{
	*s = (struct kvm_segment){ .base = 0, .limit = 0xffffffff, .selector = selector,
				   .type = type, .present = 1, .s = 1, .db = 1, .g = 1 };
}

void flat32_sregs(struct kvm_sregs *s, uint64_t gdt_base)
{
	flat_segment(&s->cs, FLAT32_CS, 0xb); /* code, execute/read, accessed */
	flat_segment(&s->ds, FLAT32_DS, 0x3); /* data, read/write, accessed */
	s->es = s->fs = s->gs = s->ss = s->ds;
	s->gdt = (struct kvm_dtable){ .base = gdt_base, .limit = FLAT32_GDT_SIZE - 1 };
	s->cr0 = 0x11; /* PE, ET; paging off */
}
