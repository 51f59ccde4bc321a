/* IPIs through the local APIC's ICR (see lapic.h). */
#include "cpu.h"
#include "lapic.h"

#define LAPIC_SVR (LAPIC_BASE + 0x0f0)
#define LAPIC_ICR_LO (LAPIC_BASE + 0x300)
#define LAPIC_ICR_HI (LAPIC_BASE + 0x310)

#define SVR_ENABLE 0x100
#define SVR_SPURIOUS_VECTOR 0xff
#define ICR_INIT 0x00000500
#define ICR_STARTUP 0x00000600
#define ICR_ASSERT 0x00004000
#define ICR_PENDING 0x00001000	/* delivery status: not yet sent */

/* Far more polls than sending takes on hardware (a few microseconds) or in
 * any emulation; only reached if the APIC never clears the bit. */
#define ICR_POLLS 10000000u

unsigned lapic_id(void)
{
	return mmio_read32(LAPIC_ID) >> 24;
}

void lapic_enable(void)
{
	mmio_write32(LAPIC_SVR, SVR_ENABLE | SVR_SPURIOUS_VECTOR);
}

static int send_ipi(unsigned apic_id, uint32_t icr_lo)
{
	mmio_write32(LAPIC_ICR_HI, apic_id << 24);
	mmio_write32(LAPIC_ICR_LO, icr_lo);	/* this write sends it */
	for (uint32_t i = 0; i < ICR_POLLS; i++) {
		if (!(mmio_read32(LAPIC_ICR_LO) & ICR_PENDING))
			return 1;
		cpu_pause();
	}
	return 0;
}

int lapic_send_init(unsigned apic_id)
{
	return send_ipi(apic_id, ICR_INIT | ICR_ASSERT);
}

int lapic_send_sipi(unsigned apic_id, uint8_t vector)
{
	return send_ipi(apic_id, ICR_STARTUP | ICR_ASSERT | vector);
}
