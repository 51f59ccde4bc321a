/* The stub's connection: accept gdb, frame packets, wait for gdb and for
 * the vCPUs at once (see stub.h). Blocking I/O on one thread: the stub
 * serves one debugger, and the vCPUs do not wait for it. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backends/kvm/stub/stub.h"
#include "backends/kvm/stub/stub_internal.h"
#include "proxy/rsp/rsp_hex.h"

static void write_all(struct stub *st, const uint8_t *buf, size_t len)
{
	while (len && st->fd >= 0) {
		ssize_t n = write(st->fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(st->fd);
			st->fd = -1; /* gdb went away; the next read sees it */
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

void stub_send(struct stub *st, const char *payload, size_t len)
{
	st->last_len = rsp_encode_packet(st->out, sizeof(st->out), (const uint8_t *)payload, len);
	write_all(st, st->out, st->last_len);
}

void stub_send_str(struct stub *st, const char *s)
{
	stub_send(st, s, strlen(s));
}

/* A notification (`%...#xx`): never acknowledged, so never resent on a
 * NAK; the last packet stays what a NAK repeats. */
void stub_send_notification(struct stub *st, const char *payload)
{
	uint8_t out[RSP_ENCODED_MAX(STOPQ_TEXT + 8)];
	size_t n = rsp_encode_notification(out, sizeof(out), (const uint8_t *)payload,
					   strlen(payload));

	write_all(st, out, n);
}

void stub_send_error(struct stub *st, unsigned code)
{
	char e[8];

	snprintf(e, sizeof(e), "E%02x", code & 0xff);
	stub_send_str(st, e);
}

static void on_event(struct stub *st, const struct rsp_event *ev)
{
	switch (ev->kind) {
	case RSP_EV_PACKET:
		if (!st->no_ack)
			write_all(st, (const uint8_t *)"+", 1);
		stub_handle_packet(st, (const char *)ev->payload, ev->len);
		break;
	case RSP_EV_BAD_CHECKSUM:
	case RSP_EV_MALFORMED:
		if (!st->no_ack)
			write_all(st, (const uint8_t *)"-", 1);
		break;
	case RSP_EV_NAK:
		write_all(st, st->out, st->last_len);
		break;
	case RSP_EV_INTERRUPT:
		stub_interrupt(st);
		break;
	default:
		break; /* acks, notifications from gdb, oversized frames */
	}
}

/* Feed what gdb sent; false when the connection is gone. */
static bool read_gdb(struct stub *st)
{
	uint8_t buf[4096];
	ssize_t n = read(st->fd, buf, sizeof(buf));
	size_t off = 0;

	if (n < 0 && errno == EINTR)
		return true;
	if (n <= 0)
		return false;
	while (off < (size_t)n && st->fd >= 0 && !st->mode->done(st)) {
		struct rsp_event ev;

		off += rsp_decoder_feed(&st->dec, buf + off, (size_t)n - off, &ev);
		if (ev.kind != RSP_EV_NONE)
			on_event(st, &ev);
	}
	return st->fd >= 0;
}

/* gdb left without a word: what it inserted must not stay in the guest,
 * and the guest goes on running, as after a detach (in all-stop, the
 * mode the next debugger starts in). */
static void forget_debugger(struct stub *st)
{
	if (st->fd >= 0)
		close(st->fd);
	st->fd = -1;
	stub_set_non_stop(st, false);
	if (st->exited)
		return; /* it ended while gdb was still draining non-stop stops */
	if (st->running) {
		struct vcpu *v;

		vm_stop_all(st->vm);
		v = vm_event_vcpu(st->vm);
		if (v && v->ev.kind == VEV_GUEST_EXIT) { /* it ended as gdb left */
			st->exited = true;
			st->exit_status = v->ev.exit_status;
			return;
		}
	}
	stub_forget_breakpoints(st);
	stub_continue_all(st, -1, 0);
}

static void serve_connection(struct stub *st)
{
	rsp_decoder_init(&st->dec, st->dec_buf, STUB_PACKET_MAX);
	st->no_ack = false;
	st->arch_fixed = st->arch_given; /* a new gdb reads target.xml again */
	while (st->fd >= 0 && !st->mode->done(st)) {
		struct pollfd p[2] = {
			{ .fd = st->fd, .events = POLLIN },
			{ .fd = st->vm->event_fd, .events = POLLIN },
		};

		if (poll(p, st->running ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (st->running && (p[1].revents & POLLIN))
			stub_on_vcpu_event(st);
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (!read_gdb(st))
				forget_debugger(st);
		}
	}
}

/* Wait for the next debugger; a guest left running meanwhile may exit. */
static void wait_for_gdb(struct stub *st, int listen_fd)
{
	struct pollfd p[2] = {
		{ .fd = listen_fd, .events = POLLIN },
		{ .fd = st->vm->event_fd, .events = POLLIN },
	};

	if (poll(p, 2, -1) < 0)
		return;
	if (p[1].revents & POLLIN)
		stub_on_vcpu_event(st);
	if (!st->exited && (p[0].revents & POLLIN)) {
		st->fd = accept(listen_fd, NULL, NULL);
		if (st->fd < 0 && errno != EINTR && errno != EAGAIN)
			perror("gdbhub-kvm: accept");
	}
}

/* A debugger arrives while the guest runs on its own: stop it for them,
 * as gdb expects of an all-stop target it attaches to. */
static void stop_for_new_debugger(struct stub *st)
{
	struct vcpu *v;

	if (!st->running)
		return;
	vm_stop_all(st->vm);
	st->running = false;
	v = vm_event_vcpu(st->vm);
	if (v && v->ev.kind == VEV_GUEST_EXIT) {
		stub_on_vcpu_event(st); /* it ended just now: say so */
		return;
	}
	snprintf(st->last_stop, sizeof(st->last_stop), "T02thread:%s;",
		 st->multiprocess ? "p1.1" : "1");
	st->g_thread = 0;
}

int stub_serve(struct vm *vm, int listen_fd, const struct stub_options *opt)
{
	struct stub *st = calloc(1, sizeof(*st));
	int status;

	st->vm = vm;
	st->mode = &stub_all_stop;
	vm->watches = &st->watches;
	st->sw.insn = vm->host.sw_pio ? SWBREAK_PIO_INSN : SWBREAK_INSN;
	vm->sw = &st->sw;
	st->fd = -1;
	st->pending = calloc(vm->n_vcpus, sizeof(*st->pending));
	if (opt->arch) {
		st->arch = strcmp(opt->arch, "x86_64") ? GDB_ARCH_I386 : GDB_ARCH_X86_64;
		st->arch_given = true;
	}
	if (opt->run_at_start)
		stub_continue_all(st, -1, 0);
	while (!st->exited) {
		wait_for_gdb(st, listen_fd);
		if (st->fd < 0)
			continue;
		stop_for_new_debugger(st);
		serve_connection(st);
	}
	status = st->exit_status;
	pthread_mutex_lock(&vm->sw_lock);
	swbreak_clear(&st->sw, &vm->mem);
	vm->sw = NULL;
	pthread_mutex_unlock(&vm->sw_lock);
	memwatch_clear(&st->watches);
	vm->watches = NULL;
	stub_nonstop_free(st);
	free(st->pending);
	free(st);
	return status;
}
