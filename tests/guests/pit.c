/* PIT channel 0 as a periodic interrupt or a polled clock (see pit.h). */
#include "guestlib.h"
#include "pit.h"

#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_CMD_CH0_LOHI_MODE2 0x34	/* channel 0, lobyte/hibyte, rate generator */
#define PIT_CMD_CH0_LATCH 0x00

/* A PIT that reads the same count this many times in a row is not
 * counting (absent, or a VMM without one): advance the clock by a
 * millisecond instead, so waits still end. A real one changes within a
 * microsecond, far faster than this many port reads. */
#define PIT_STUCK_POLLS 1000000u

static uint16_t last_count;
static uint64_t elapsed_ticks;
static uint32_t same_polls;

static void ch0_load(uint16_t reload)
{
	outb(PIT_CMD, PIT_CMD_CH0_LOHI_MODE2);
	outb(PIT_CH0, (uint8_t)reload);
	outb(PIT_CH0, (uint8_t)(reload >> 8));
}

static uint16_t ch0_read(void)
{
	uint8_t lo, hi;

	outb(PIT_CMD, PIT_CMD_CH0_LATCH);
	lo = inb(PIT_CH0);
	hi = inb(PIT_CH0);
	return (uint16_t)(lo | hi << 8);
}

void pit_periodic(unsigned hz)
{
	ch0_load((uint16_t)(PIT_HZ / hz));
}

void pit_clock_start(void)
{
	ch0_load(0);	/* 0 means 65536 */
	last_count = ch0_read();
	elapsed_ticks = 0;
	same_polls = 0;
}

uint64_t pit_clock_us(void)
{
	uint16_t now = ch0_read();

	/* it counts down and wraps: unsigned 16-bit difference */
	elapsed_ticks += (uint16_t)(last_count - now);
	if (now != last_count) {
		same_polls = 0;
	} else if (++same_polls >= PIT_STUCK_POLLS) {
		same_polls = 0;
		elapsed_ticks += PIT_HZ / 1000;
	}
	last_count = now;
	return elapsed_ticks * 1000000 / PIT_HZ;
}

void pit_delay_us(uint32_t us)
{
	uint64_t end = pit_clock_us() + us;

	while (pit_clock_us() < end)
		;
}
