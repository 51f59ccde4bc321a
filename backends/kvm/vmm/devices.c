/* COM1 and isa-debug-exit (see devices.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "backends/kvm/vmm/devices.h"

#define COM1_BASE 0x3f8
#define DEBUG_EXIT_PORT 0xf4

/* 16550 register offsets and bits that guests look at. */
#define UART_RBR_THR 0
#define UART_IER 1
#define UART_IIR 2
#define UART_LCR 3
#define UART_LSR 5
#define UART_LCR_DLAB 0x80
#define UART_LSR_DR 0x01
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define UART_IIR_NONE 0x01

void devices_init(struct devices *d, int serial_fd, int console_fd)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->lock, NULL);
	d->serial_fd = serial_fd;
	d->console_fd = console_fd;
	d->rx_byte = -1;
}

/* Whether a received byte waits in the UART. The console is read one byte
 * ahead (console_fd is non-blocking): poll() alone cannot tell, since a
 * regular file at its end still polls readable. At end of input the
 * console is closed and the line stays quiet. */
static bool console_ready(struct devices *d)
{
	uint8_t c;
	ssize_t n;

	if (d->rx_byte >= 0 || d->console_fd < 0)
		return d->rx_byte >= 0;
	n = read(d->console_fd, &c, 1);
	if (n == 1)
		d->rx_byte = c;
	else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		close(d->console_fd);
		d->console_fd = -1;
	}
	return d->rx_byte >= 0;
}

static uint8_t uart_read(struct devices *d, unsigned reg)
{
	bool dlab = d->uart_regs[UART_LCR] & UART_LCR_DLAB;
	uint8_t c = 0;

	switch (reg) {
	case UART_RBR_THR:
		if (dlab)
			return d->uart_dll;
		if (console_ready(d)) {
			c = (uint8_t)d->rx_byte;
			d->rx_byte = -1;
		}
		return c;
	case UART_IER:
		return dlab ? d->uart_dlm : d->uart_regs[UART_IER];
	case UART_IIR:
		return UART_IIR_NONE;
	case UART_LSR:
		/* The transmitter is always empty: output is written at once. */
		return UART_LSR_THRE | UART_LSR_TEMT | (console_ready(d) ? UART_LSR_DR : 0);
	default:
		return d->uart_regs[reg];
	}
}

static void uart_write(struct devices *d, unsigned reg, uint8_t v)
{
	bool dlab = d->uart_regs[UART_LCR] & UART_LCR_DLAB;

	if (reg == UART_RBR_THR && !dlab) {
		if (d->serial_fd >= 0 && write(d->serial_fd, &v, 1) != 1)
			d->serial_fd = -1; /* log gone: keep the guest running */
		return;
	}
	if (reg == UART_RBR_THR)
		d->uart_dll = v;
	else if (reg == UART_IER && dlab)
		d->uart_dlm = v;
	else
		d->uart_regs[reg] = v;
}

bool devices_pio(struct devices *d, uint16_t port, bool is_write, uint8_t *data,
		 unsigned size)
{
	bool exit = false;

	pthread_mutex_lock(&d->lock);
	if (port >= COM1_BASE && port < COM1_BASE + 8) {
		if (is_write)
			uart_write(d, port - COM1_BASE, data[0]);
		else
			data[0] = uart_read(d, port - COM1_BASE);
	} else if (port == DEBUG_EXIT_PORT && is_write) {
		uint32_t v = 0;

		memcpy(&v, data, size > 4 ? 4 : size);
		d->exit_status = (int)((v << 1) | 1) & 0xff;
		d->exit_requested = exit = true;
	} else if (!is_write) {
		memset(data, 0xff, size); /* nothing there: floating bus */
	}
	pthread_mutex_unlock(&d->lock);
	return exit;
}
