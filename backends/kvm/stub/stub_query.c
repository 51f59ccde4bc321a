/* q and Q packets: features, threads (one per vCPU), target description,
 * and the `monitor` commands (see stub_internal.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "backends/kvm/stub/stub_internal.h"
#include "proxy/rsp/rsp_hex.h"
#include "proxy/rsp/rsp_stop.h"

static bool starts(const char *p, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(p, prefix, n);
}

int stub_parse_thread(struct stub *st, const char **p, const char *end, int *cpu)
{
	struct rsp_thread_id id;

	if (rsp_parse_thread_id(p, end, &id))
		return -1;
	if (id.tid == -1) {
		*cpu = -1;
		return 0;
	}
	if (id.tid == 0) { /* any thread: the one gdb is looking at */
		*cpu = (int)st->g_thread;
		return 0;
	}
	if (id.tid < 1 || (uint64_t)id.tid > st->vm->n_vcpus)
		return -1;
	*cpu = (int)id.tid - 1;
	return 0;
}

int stub_format_thread(struct stub *st, char *out, size_t cap, unsigned cpu)
{
	struct rsp_thread_id id = { .has_pid = true, .pid = 1, .tid = cpu + 1 };

	return rsp_format_thread_id(out, cap, &id, st->multiprocess, 1);
}

enum gdb_arch stub_arch(const struct stub *st, const struct kvm_sregs *s)
{
	if (st->arch_fixed)
		return st->arch;
	/* Until gdb reads the description: the mode the vCPU is in now. */
	return (s->efer & (1u << 10)) ? GDB_ARCH_X86_64 : GDB_ARCH_I386;
}

static void supported(struct stub *st, const char *p, size_t len)
{
	char buf[256];

	st->multiprocess = memmem(p, len, "multiprocess+", 13) != NULL;
	snprintf(buf, sizeof(buf),
		 "PacketSize=%x;QStartNoAckMode+;qXfer:features:read+;qXfer:threads:read+;"
		 "swbreak+;hwbreak+;vContSupported+;QNonStop+%s",
		 STUB_PACKET_MAX, st->multiprocess ? ";multiprocess+" : "");
	stub_send_str(st, buf);
}

/* qXfer reads: the slice [offset, offset + length) of doc. */
static void xfer_reply(struct stub *st, const char *doc, const char *p, const char *end)
{
	size_t doclen = strlen(doc), n;
	uint64_t off, len;

	if (rsp_parse_addr_len(&p, end, &off, &len) || p != end) {
		stub_send_error(st, 1);
		return;
	}
	if (off >= doclen) {
		stub_send_str(st, "l");
		return;
	}
	if (len > STUB_PACKET_MAX / 2)
		len = STUB_PACKET_MAX / 2;
	n = doclen - off < len ? doclen - off : (size_t)len;
	st->reply[0] = off + n < doclen ? 'm' : 'l';
	n = rsp_binary_escape((uint8_t *)st->reply + 1, sizeof(st->reply) - 1,
			      (const uint8_t *)doc + off, n);
	stub_send(st, st->reply, n + 1);
}

static char *threads_xml(struct stub *st)
{
	size_t cap = 64 + 96 * st->vm->n_vcpus, n;
	char *doc = malloc(cap), tid[40];

	n = (size_t)snprintf(doc, cap, "<?xml version=\"1.0\"?>\n<threads>\n");
	for (unsigned i = 0; i < st->vm->n_vcpus; i++) {
		stub_format_thread(st, tid, sizeof(tid), i);
		n += (size_t)snprintf(doc + n, cap - n,
				      "<thread id=\"%s\" core=\"%x\" name=\"vCPU %u\"/>\n", tid, i, i);
	}
	snprintf(doc + n, cap - n, "</threads>\n");
	return doc;
}

static void xfer(struct stub *st, const char *p, const char *end)
{
	const char *colon;
	char annex[64];

	if (starts(p, (size_t)(end - p), "features:read:")) {
		p += strlen("features:read:");
		colon = memchr(p, ':', (size_t)(end - p));
		if (!colon || (size_t)(colon - p) >= sizeof(annex)) {
			stub_send_error(st, 1);
			return;
		}
		memcpy(annex, p, (size_t)(colon - p));
		annex[colon - p] = '\0';
		if (!st->arch_fixed) {
			struct kvm_sregs sregs = { 0 };

			ioctl(st->vm->vcpus[st->g_thread].fd, KVM_GET_SREGS, &sregs);
			st->arch = stub_arch(st, &sregs);
			st->arch_fixed = true;
		}
		if (!gdb_target_xml(st->arch, annex))
			stub_send_error(st, 0);
		else
			xfer_reply(st, gdb_target_xml(st->arch, annex), colon + 1, end);
	} else if (starts(p, (size_t)(end - p), "threads:read::")) {
		char *doc = threads_xml(st);

		xfer_reply(st, doc, p + strlen("threads:read::"), end);
		free(doc);
	} else {
		stub_send_str(st, "");
	}
}

static void thread_list(struct stub *st, bool first)
{
	size_t n = 0;
	char tid[40];

	if (!first) {
		stub_send_str(st, "l");
		return;
	}
	st->reply[n++] = 'm';
	for (unsigned i = 0; i < st->vm->n_vcpus && n + 48 < sizeof(st->reply); i++) {
		stub_format_thread(st, tid, sizeof(tid), i);
		n += (size_t)snprintf(st->reply + n, sizeof(st->reply) - n, "%s%s", i ? "," : "", tid);
	}
	stub_send(st, st->reply, n);
}

static void current_thread(struct stub *st)
{
	char tid[40], buf[48];

	stub_format_thread(st, tid, sizeof(tid), st->g_thread);
	snprintf(buf, sizeof(buf), "QC%s", tid);
	stub_send_str(st, buf);
}

/* QNonStop:1 / QNonStop:0. */
static void non_stop(struct stub *st, const char *arg, size_t len)
{
	if (len != 1 || (arg[0] != '0' && arg[0] != '1')) {
		stub_send_error(st, 1);
		return;
	}
	if (stub_set_non_stop(st, arg[0] == '1')) {
		stub_send_error(st, 0x0c);
		return;
	}
	stub_send_str(st, "OK");
}

static void rcmd(struct stub *st, const char *hex, size_t len)
{
	char cmd[256], out[2048];
	long n = len / 2 < sizeof(cmd) ? rsp_hex_decode((uint8_t *)cmd, hex, len / 2) : -1;

	if (n < 0 || len % 2) {
		stub_send_error(st, 1);
		return;
	}
	cmd[n] = '\0';
	stub_monitor(st, cmd, out, sizeof(out));
	stub_send(st, st->reply, rsp_hex_encode(st->reply, (const uint8_t *)out, strlen(out)));
}

void stub_query(struct stub *st, const char *p, size_t len)
{
	const char *end = p + len;

	if (starts(p, len, "qSupported"))
		supported(st, p, len);
	else if (starts(p, len, "QStartNoAckMode")) {
		stub_send_str(st, "OK");
		st->no_ack = true;
	} else if (starts(p, len, "qXfer:"))
		xfer(st, p + 6, end);
	else if (starts(p, len, "qfThreadInfo"))
		thread_list(st, true);
	else if (starts(p, len, "qsThreadInfo"))
		thread_list(st, false);
	else if (len == 2 && !memcmp(p, "qC", 2))
		current_thread(st);
	else if (starts(p, len, "qAttached"))
		stub_send_str(st, "1");
	else if (starts(p, len, "QNonStop:"))
		non_stop(st, p + 9, len - 9);
	else if (starts(p, len, "qRcmd,"))
		rcmd(st, p + 6, len - 6);
	else
		stub_send_str(st, "");
}
