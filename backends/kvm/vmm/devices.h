/* The few devices a test kernel needs, on port I/O: COM1 (16550 at 0x3f8:
 * transmit to the serial log, line status, receive from console input)
 * and QEMU's isa-debug-exit at 0xf4 (exit status (value << 1) | 1), so the
 * same images run unchanged under QEMU and here. Interrupt controllers and
 * the PIT are KVM's in-kernel ones. */
#ifndef GDBHUB_KVM_DEVICES_H
#define GDBHUB_KVM_DEVICES_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct devices {
	pthread_mutex_t lock;  /* vCPU threads do port I/O concurrently */
	int serial_fd;         /* -1: output discarded */
	int console_fd;        /* non-blocking; -1: nothing (more) to receive */
	int rx_byte;           /* the byte read ahead from console_fd, -1: none */
	uint8_t uart_regs[8];
	uint8_t uart_dll, uart_dlm;
	bool exit_requested;
	int exit_status;
};

void devices_init(struct devices *d, int serial_fd, int console_fd);

/* Handle one port access (data is size bytes, little-endian, in the
 * kvm_run I/O area). Returns true if the guest asked to exit. */
bool devices_pio(struct devices *d, uint16_t port, bool is_write, uint8_t *data,
		 unsigned size);

#endif
