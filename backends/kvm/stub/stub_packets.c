/* One packet from gdb, by its first letter (see stub_internal.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/kvm/stub/stub_internal.h"
#include "proxy/rsp/rsp_hex.h"
#include "proxy/rsp/rsp_stop.h"

/* gdb's error numbers are its own business; these say what went wrong
 * in the log of anyone reading a packet trace. */
enum { ERR_ARGS = 1, ERR_MEM = 0x0e, ERR_THREAD = 0x10, ERR_RUNNING = 0x20, ERR_KVM = 0x30 };

static void read_registers(struct stub *st)
{
	struct vcpu_state vs;
	size_t n;

	if (stub_get_state(st, st->g_thread, &vs)) {
		stub_send_error(st, ERR_KVM);
		return;
	}
	n = gdb_regs_to_hex(stub_arch(st, &vs.sregs), &vs, st->reply, sizeof(st->reply));
	stub_send(st, st->reply, n);
}

static void write_registers(struct stub *st, const char *hex, size_t len)
{
	struct vcpu_state vs;

	if (stub_get_state(st, st->g_thread, &vs) ||
	    gdb_regs_from_hex(stub_arch(st, &vs.sregs), &vs, hex, len) ||
	    stub_set_state(st, st->g_thread, &vs)) {
		stub_send_error(st, ERR_ARGS);
		return;
	}
	stub_send_str(st, "OK");
}

static void read_register(struct stub *st, const char *p, const char *end)
{
	struct vcpu_state vs;
	uint8_t val[64];
	uint64_t regno;
	unsigned n;

	if (rsp_parse_hex_u64(&p, end, &regno) || p != end || stub_get_state(st, st->g_thread, &vs)) {
		stub_send_error(st, ERR_ARGS);
		return;
	}
	n = regno < 256 ? gdb_reg_read(stub_arch(st, &vs.sregs), &vs, (unsigned)regno, val) : 0;
	if (!n) {
		stub_send_error(st, ERR_ARGS);
		return;
	}
	stub_send(st, st->reply, rsp_hex_encode(st->reply, val, n));
}

static void write_register(struct stub *st, const char *p, const char *end)
{
	enum gdb_arch arch;
	struct vcpu_state vs;
	uint8_t val[64];
	uint64_t regno;
	unsigned size;

	if (rsp_parse_hex_u64(&p, end, &regno) || p == end || *p++ != '=' || regno > 255 ||
	    stub_get_state(st, st->g_thread, &vs)) {
		stub_send_error(st, ERR_ARGS);
		return;
	}
	arch = stub_arch(st, &vs.sregs);
	size = gdb_reg_size(arch, (unsigned)regno);
	if (!size || (size_t)(end - p) != 2 * size || rsp_hex_decode(val, p, size) < 0 ||
	    gdb_reg_write(arch, &vs, (unsigned)regno, val) || stub_set_state(st, st->g_thread, &vs)) {
		stub_send_error(st, ERR_ARGS);
		return;
	}
	stub_send_str(st, "OK");
}

static void read_memory(struct stub *st, const char *p, const char *end)
{
	uint8_t buf[STUB_PACKET_MAX / 2];
	uint64_t addr, len;
	size_t got;

	if (rsp_parse_addr_len(&p, end, &addr, &len) || p != end) {
		stub_send_error(st, ERR_ARGS);
		return;
	}
	if (len > sizeof(buf))
		len = sizeof(buf);
	got = stub_mem_read(st, st->g_thread, addr, buf, len);
	if (got == 0 && len > 0) {
		stub_send_error(st, ERR_MEM);
		return;
	}
	stub_send(st, st->reply, rsp_hex_encode(st->reply, buf, got));
}

/* M (hex) and X (binary) writes; all or nothing as far as gdb is told. */
static void write_memory(struct stub *st, const char *p, const char *end, bool binary)
{
	static uint8_t buf[STUB_PACKET_MAX];
	uint64_t addr, len;
	long n;

	if (rsp_parse_addr_len(&p, end, &addr, &len) || p == end || *p++ != ':' ||
	    len > sizeof(buf)) {
		stub_send_error(st, ERR_ARGS);
		return;
	}
	n = binary ? rsp_binary_unescape(buf, (const uint8_t *)p, (size_t)(end - p))
		   : ((size_t)(end - p) == 2 * len ? rsp_hex_decode(buf, p, len) : -1);
	if (n < 0 || (uint64_t)n != len) {
		stub_send_error(st, ERR_ARGS);
		return;
	}
	if (stub_mem_write(st, st->g_thread, addr, buf, len) != len) {
		stub_send_error(st, ERR_MEM);
		return;
	}
	stub_send_str(st, "OK");
}

static void select_thread(struct stub *st, const char *p, const char *end)
{
	char op = *p++;
	int cpu;

	if (stub_parse_thread(st, &p, end, &cpu) || p != end) {
		stub_send_error(st, ERR_THREAD);
		return;
	}
	/* Hc only matters for c/s, which gdb sends as vCont anyway. */
	if (op == 'g' && cpu >= 0)
		st->g_thread = (unsigned)cpu;
	stub_send_str(st, "OK");
}

static void thread_alive(struct stub *st, const char *p, const char *end)
{
	int cpu;

	if (stub_parse_thread(st, &p, end, &cpu) || p != end || cpu < 0) {
		stub_send_error(st, ERR_THREAD);
		return;
	}
	stub_send_str(st, "OK");
}

static void detach(struct stub *st)
{
	stub_forget_breakpoints(st);
	stub_send_str(st, "OK");
	stub_continue_all(st, -1, 0);
	st->running = false; /* nobody waits for a stop reply */
}

/* Packets gdb may send while the vCPUs run (all-stop): only these. */
static bool allowed_while_running(const char *p, size_t len)
{
	return (len >= 6 && !memcmp(p, "vCtrlC", 6)) || (len > 0 && p[0] == 'k');
}

void stub_handle_packet(struct stub *st, const char *p, size_t len)
{
	st->mode->packet(st, p, len);
}

void stub_allstop_packet(struct stub *st, const char *p, size_t len)
{
	if (st->running && len > 0 && !allowed_while_running(p, len)) {
		stub_send_error(st, ERR_RUNNING);
		return;
	}
	stub_dispatch(st, p, len);
}

void stub_dispatch(struct stub *st, const char *p, size_t len)
{
	const char *end = p + len;

	if (len == 0) {
		stub_send_str(st, "");
		return;
	}
	switch (p[0]) {
	case '?': stub_report_current(st); break;
	case 'g': read_registers(st); break;
	case 'G': write_registers(st, p + 1, len - 1); break;
	case 'p': read_register(st, p + 1, end); break;
	case 'P': write_register(st, p + 1, end); break;
	case 'm': read_memory(st, p + 1, end); break;
	case 'M': write_memory(st, p + 1, end, false); break;
	case 'X': write_memory(st, p + 1, end, true); break;
	case 'H': if (len > 1) select_thread(st, p + 1, end); else stub_send_error(st, ERR_ARGS); break;
	case 'T': thread_alive(st, p + 1, end); break;
	case 'Z': stub_breakpoint(st, true, p + 1, len - 1); break;
	case 'z': stub_breakpoint(st, false, p + 1, len - 1); break;
	case 'c': stub_continue_all(st, -1, 0); break;
	case 's': stub_continue_all(st, (int)st->g_thread, 0); break;
	case 'v': stub_vcont(st, p, len); break;
	case 'D': detach(st); break;
	case 'k': st->exited = true; st->exit_status = 0; break;
	case 'q':
	case 'Q': stub_query(st, p, len); break;
	default: stub_send_str(st, ""); break;
	}
}
