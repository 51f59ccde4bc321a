/* COM1 as a polling guest sees it: transmit to the serial log, the line
 * status register's data-ready bit, receive from the console (a file to
 * its end, a pipe byte by byte as it is written), and isa-debug-exit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <fcntl.h>
#include <cmocka.h>

#include "backends/kvm/vmm/devices.h"

#define COM1 0x3f8
#define LSR (COM1 + 5)
#define LCR (COM1 + 3)
#define LSR_DR 0x01
#define LSR_THRE 0x20

static uint8_t in8(struct devices *d, uint16_t port)
{
	uint8_t v = 0;

	assert_false(devices_pio(d, port, false, &v, 1));
	return v;
}

static void out8(struct devices *d, uint16_t port, uint8_t v)
{
	assert_false(devices_pio(d, port, true, &v, 1));
}

/* A non-blocking pipe: [0] the console end, [1] what the test writes. */
static void console_pipe(int fds[2])
{
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
}

static int console_file(const char *text)
{
	FILE *f = tmpfile();
	int fd;

	assert_non_null(f);
	fputs(text, f);
	fflush(f);
	fd = dup(fileno(f));
	fclose(f);
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	return fd;
}

static void no_console_never_ready(void **state)
{
	struct devices d;

	(void)state;
	devices_init(&d, -1, -1);
	assert_int_equal(in8(&d, LSR) & (LSR_DR | LSR_THRE), LSR_THRE);
	assert_int_equal(in8(&d, COM1), 0);
}

static void file_read_to_its_end(void **state)
{
	struct devices d;
	char got[8] = { 0 };

	(void)state;
	devices_init(&d, -1, console_file("ok\n"));
	for (int i = 0; i < 3; i++) {
		assert_true(in8(&d, LSR) & LSR_DR);
		got[i] = (char)in8(&d, COM1);
	}
	assert_string_equal(got, "ok\n");
	/* At the end a regular file still polls readable: DR must drop. */
	assert_false(in8(&d, LSR) & LSR_DR);
	assert_false(in8(&d, LSR) & LSR_DR);
	assert_int_equal(d.console_fd, -1);
}

static void pipe_bytes_as_written(void **state)
{
	struct devices d;
	int fds[2];

	(void)state;
	console_pipe(fds);
	devices_init(&d, -1, fds[0]);
	assert_false(in8(&d, LSR) & LSR_DR);
	assert_int_equal(write(fds[1], "a", 1), 1);
	assert_true(in8(&d, LSR) & LSR_DR);
	/* Reading LSR again must not lose the byte read ahead. */
	assert_true(in8(&d, LSR) & LSR_DR);
	assert_int_equal(in8(&d, COM1), 'a');
	assert_false(in8(&d, LSR) & LSR_DR);
	assert_int_equal(write(fds[1], "b", 1), 1);
	assert_int_equal(in8(&d, COM1), 'b');
	close(fds[1]);
	assert_false(in8(&d, LSR) & LSR_DR);
}

static void divisor_latch_is_not_data(void **state)
{
	struct devices d;

	(void)state;
	devices_init(&d, -1, console_file("x"));
	out8(&d, LCR, 0x80);
	out8(&d, COM1, 0x01);
	assert_int_equal(in8(&d, COM1), 0x01);
	out8(&d, LCR, 0x03);
	assert_int_equal(in8(&d, COM1), 'x');
}

static void transmit_goes_to_the_log(void **state)
{
	struct devices d;
	int fds[2];
	char buf[4] = { 0 };

	(void)state;
	assert_int_equal(pipe(fds), 0);
	devices_init(&d, fds[1], -1);
	out8(&d, COM1, 'h');
	out8(&d, COM1, 'i');
	assert_int_equal(read(fds[0], buf, sizeof(buf) - 1), 2);
	assert_string_equal(buf, "hi");
	close(fds[0]);
	close(fds[1]);
}

static void debug_exit_status(void **state)
{
	struct devices d;
	uint8_t v = 7;

	(void)state;
	devices_init(&d, -1, -1);
	assert_true(devices_pio(&d, 0xf4, true, &v, 1));
	assert_true(d.exit_requested);
	assert_int_equal(d.exit_status, 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_console_never_ready),
		cmocka_unit_test(file_read_to_its_end),
		cmocka_unit_test(pipe_bytes_as_written),
		cmocka_unit_test(divisor_latch_is_not_data),
		cmocka_unit_test(transmit_goes_to_the_log),
		cmocka_unit_test(debug_exit_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
