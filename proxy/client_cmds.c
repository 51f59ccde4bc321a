/* The client's RSP command table and its handlers. Handlers stay short:
 * parse, ask the target, reply. Checks common to many commands (is there a
 * target? is the packet well formed?) happen in dispatch, once. */
#include "proxy/client_cmds.h"
#include "proxy/client_nonstop.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/audit.h"
#include "proxy/client.h"
#include "proxy/client_monitor.h"
#include "proxy/client_select.h"
#include "proxy/log.h"
#include "proxy/rsp/rsp_hex.h"
#include "proxy/rsp/rsp_stop.h"
#include "proxy/target.h"
#include "proxy/target_ops.h"

enum cmd_flags {
	CMD_PREFIX = 1 << 0,       /* name is a prefix of the packet */
	CMD_NEEDS_TARGET = 1 << 1, /* the client must be attached */
	CMD_CHECKED = 1 << 2,      /* policy must allow `action` first */
};

struct cmd {
	const char *name;
	unsigned flags;
	enum access_action action; /* with CMD_CHECKED */
	void (*fn)(struct client *c, const char *pkt, size_t len);
};

/* Reply with the client's features and ours. */
static void cmd_supported(struct client *c, const char *pkt, size_t len)
{
	char reply[256];

	(void)len;
	c->multiprocess = strstr(pkt, "multiprocess+") != NULL;
	/* A stub may say a stop was a breakpoint of ours (gdbhub-kvm does);
	 * gdb refuses that unless both sides offered it. */
	c->swbreak = strstr(pkt, "swbreak+") != NULL;
	c->hwbreak = strstr(pkt, "hwbreak+") != NULL;
	/* Reverse execution where the target can; a client of the hub's
	 * endpoint may yet pick such a target (the others refuse bs/bc). */
	snprintf(reply, sizeof(reply),
		 "PacketSize=%x;QStartNoAckMode+;multiprocess+;vContSupported+;"
		 "qXfer:features:read+;qXfer:osdata:read+;QNonStop+%s%s%s",
		 CLIENT_PACKET_SIZE, c->swbreak ? ";swbreak+" : "", c->hwbreak ? ";hwbreak+" : "",
		 c->target == NULL || target_can_reverse(c->target) ?
		 ";ReverseStep+;ReverseContinue+" : "");
	client_reply_str(c, reply);
}

/* QStartNoAckMode: acknowledged in ack mode, then acks stop. */
static void cmd_no_ack(struct client *c, const char *pkt, size_t len)
{
	(void)pkt;
	(void)len;
	client_reply_str(c, "OK");
	c->link.no_ack = true;
}

static void cmd_empty(struct client *c, const char *pkt, size_t len)
{
	(void)pkt;
	(void)len;
	client_reply_str(c, "");
}

static void cmd_ok(struct client *c, const char *pkt, size_t len)
{
	(void)pkt;
	(void)len;
	client_reply_str(c, "OK");
}

/* qAttached: we always attach to a VM that exists, so gdb detaches on quit. */
static void cmd_attached(struct client *c, const char *pkt, size_t len)
{
	(void)pkt;
	(void)len;
	client_reply_str(c, "1");
}

/* Format an upstream thread id in the client's view. */
static void format_tid(const struct client *c, int64_t tid, char *out, size_t cap)
{
	struct rsp_thread_id id = { .has_pid = false, .tid = tid };

	rsp_format_thread_id(out, cap, &id, c->multiprocess, c->target->pid);
}

/* A thread id naming another attached VM's process makes that VM the
 * current target (gdb selects inferiors this way). False if it names a
 * process the client is not attached to (answered with an error). */
static bool route_to_pid(struct client *c, const struct rsp_thread_id *id)
{
	struct attachment *a;

	if (!id->has_pid || id->pid <= 0 || id->pid == c->target->pid)
		return true;
	a = client_attachment_by_pid(c, id->pid);
	if (a == NULL) {
		client_reply_error(c, 2, "not attached to process %lld", (long long)id->pid);
		return false;
	}
	client_set_current(c, a);
	return true;
}

/* Hg/Hc: remember the client's selection; it reaches upstream when used. */
static void cmd_set_thread(struct client *c, const char *pkt, size_t len)
{
	const char *p = pkt + 2, *end = pkt + len;
	struct rsp_thread_id id;
	int64_t tid;

	if (len < 3 || (pkt[1] != 'g' && pkt[1] != 'c') ||
	    rsp_parse_thread_id(&p, end, &id) != 0 || p != end) {
		client_reply_error(c, 1, "malformed %.*s", (int)len, pkt);
		return;
	}
	if (!route_to_pid(c, &id))
		return;
	tid = target_upstream_tid(c->target, &id);
	if (tid == -2 || (tid > 0 && !target_has_thread(c->target, tid))) {
		client_reply_error(c, 2, "no such thread in %s", target_name(c->target));
		return;
	}
	if (pkt[1] == 'g')
		c->hg = id;
	else
		c->hc = id;
	client_reply_str(c, "OK");
}

/* T: is the thread alive? */
static void cmd_thread_alive(struct client *c, const char *pkt, size_t len)
{
	const char *p = pkt + 1, *end = pkt + len;
	struct rsp_thread_id id;

	struct attachment *a = NULL;

	if (rsp_parse_thread_id(&p, end, &id) == 0 && p == end)
		a = id.has_pid && id.pid > 0 ? client_attachment_by_pid(c, id.pid) : c->cur;
	if (a != NULL && target_has_thread(a->t, target_upstream_tid(a->t, &id)))
		client_reply_str(c, "OK");
	else
		client_reply_error(c, 1, "no such thread");
}

/* qfThreadInfo: every vCPU of every attached VM, from the lists read at
 * start-up. */
static void cmd_thread_info_first(struct client *c, const char *pkt, size_t len)
{
	const struct attachment *a;
	size_t cap = 2, n = 1;
	char *reply;

	(void)pkt;
	(void)len;
	TAILQ_FOREACH(a, &c->attachments, by_client)
		cap += a->t->n_threads * 40;
	reply = malloc(cap);
	if (reply == NULL) {
		client_reply_error(c, 1, "out of memory");
		return;
	}
	reply[0] = n == 1 && TAILQ_EMPTY(&c->attachments) ? 'l' : 'm';
	TAILQ_FOREACH(a, &c->attachments, by_client) {
		for (size_t i = 0; i < a->t->n_threads; i++) {
			struct rsp_thread_id id = { .has_pid = false, .tid = a->t->threads[i] };
			if (n > 1)
				reply[n++] = ',';
			rsp_format_thread_id(reply + n, cap - n, &id, c->multiprocess, a->t->pid);
			n += strlen(reply + n);
		}
	}
	client_reply(c, reply, n);
	free(reply);
}

/* qsThreadInfo: the whole list fit in the first reply. */
static void cmd_thread_info_next(struct client *c, const char *pkt, size_t len)
{
	(void)pkt;
	(void)len;
	client_reply_str(c, "l");
}

/* qC: the current thread is the one that last stopped. */
static void cmd_current_thread(struct client *c, const char *pkt, size_t len)
{
	struct target *t = c->target;
	char reply[48] = "QC";

	(void)pkt;
	(void)len;
	if (t->n_threads == 0) {
		client_reply_error(c, 1, "target %s has no threads (%s)", target_name(t),
				   target_state_name(t->state));
		return;
	}
	format_tid(c, t->stop.has_thread ? t->stop.thread.tid : t->threads[0], reply + 2,
		   sizeof(reply) - 2);
	client_reply_str(c, reply);
}

/* qThreadExtraInfo,ID: ask the stub with its own thread id. */
static void cmd_thread_extra(struct client *c, const char *pkt, size_t len)
{
	const char *p = pkt + strlen("qThreadExtraInfo,"), *end = pkt + len;
	struct rsp_thread_id id;
	char up[64];
	int64_t tid;

	struct attachment *a = NULL;

	if (rsp_parse_thread_id(&p, end, &id) == 0 && p == end)
		a = id.has_pid && id.pid > 0 ? client_attachment_by_pid(c, id.pid) : c->cur;
	if (a == NULL || (tid = target_upstream_tid(a->t, &id)) <= 0) {
		client_reply_error(c, 1, "malformed or foreign %.*s", (int)len, pkt);
		return;
	}
	snprintf(up, sizeof(up), "qThreadExtraInfo,%" PRIx64, (uint64_t)tid);
	target_forward(a->t, c, up, strlen(up), false);
}

/* `?`: without a target (the hub's endpoint before attach), nothing runs:
 * W00 tells an extended-remote gdb it is connected but has no process, and
 * a plain remote gdb to try extended-remote. */
static void cmd_stop_reason(struct client *c, const char *pkt, size_t len)
{
	(void)pkt;
	(void)len;
	if (c->target == NULL)
		client_reply_str(c, "W00");
	else
		target_query_stop(c->target, c);
}

/* Requests forwarded unchanged that act on the selected thread. */
static void cmd_forward_thread(struct client *c, const char *pkt, size_t len)
{
	target_forward(c->target, c, pkt, len, true);
}

/* Requests forwarded unchanged that do not depend on a thread. */
static void cmd_forward(struct client *c, const char *pkt, size_t len)
{
	target_forward(c->target, c, pkt, len, false);
}

/* m ADDR,LEN */
static void cmd_read_memory(struct client *c, const char *pkt, size_t len)
{
	const char *p = pkt + 1, *end = pkt + len;
	uint64_t addr, n;

	if (rsp_parse_addr_len(&p, end, &addr, &n) != 0 || p != end) {
		client_reply_error(c, 1, "malformed %.*s", (int)len, pkt);
		return;
	}
	target_read_memory(c->target, c, addr, n);
}

/* M ADDR,LEN:HEX and X ADDR,LEN:BINARY (already unescaped by the decoder). */
static void cmd_write_memory(struct client *c, const char *pkt, size_t len)
{
	const char *p = pkt + 1, *end = pkt + len;
	uint64_t addr, n;
	uint8_t *data;

	if (rsp_parse_addr_len(&p, end, &addr, &n) != 0 || n > CLIENT_PACKET_SIZE || p >= end ||
	    *p++ != ':' || (uint64_t)(end - p) != (pkt[0] == 'M' ? 2 * n : n)) {
		client_reply_error(c, 1, "malformed %c packet", pkt[0]);
		return;
	}
	if (pkt[0] == 'X') {
		if (audit_memory_write(c, addr, n))
			target_write_memory(c->target, c, addr, (const uint8_t *)p, n);
		return;
	}
	data = malloc(n + 1);
	if (data == NULL || rsp_hex_decode(data, p, n) < 0)
		client_reply_error(c, 1, "malformed M packet");
	else if (audit_memory_write(c, addr, n))
		target_write_memory(c->target, c, addr, data, n);
	free(data);
}

/* P N=HEX (one register) and G HEX (all): the audit log names the register
 * and the size, never the value. */
static void cmd_write_register(struct client *c, const char *pkt, size_t len)
{
	const char *p = pkt + 1, *end = pkt + len, *eq = memchr(pkt, '=', len);
	uint64_t regno = 0;

	if (pkt[0] == 'P' && (eq == NULL || rsp_parse_hex_u64(&p, end, &regno) != 0 || p != eq)) {
		client_reply_error(c, 1, "malformed P packet");
		return;
	}
	if (pkt[0] == 'G')
		eq = pkt;
	if (audit_register_write(c, pkt[0] == 'P' ? (int64_t)regno : -1, (size_t)(end - eq - 1) / 2))
		target_forward(c->target, c, pkt, len, true);
}

/* Z/z TYPE,ADDR,KIND */
static void cmd_breakpoint(struct client *c, const char *pkt, size_t len)
{
	const char *p = pkt + 1, *end = pkt + len;
	uint64_t type, addr, kind;
	struct bp_key key;

	if (rsp_parse_hex_u64(&p, end, &type) != 0 || type > BP_WATCH_ACCESS || p >= end ||
	    *p++ != ',' || rsp_parse_addr_len(&p, end, &addr, &kind) != 0 ||
	    (p != end && *p != ';')) {
		client_reply_error(c, 1, "malformed %.*s", (int)len, pkt);
		return;
	}
	key = (struct bp_key){ .type = (enum bp_type)type, .addr = addr, .kind = kind };
	if (audit_breakpoint(c, pkt[0] == 'Z', &key))
		target_breakpoint(c->target, c, pkt[0] == 'Z', &key);
}

/* vCont?: what the stub can do is what we offer. */
static void cmd_vcont_query(struct client *c, const char *pkt, size_t len)
{
	const char *up = target_vcont(c->target);
	char reply[128];

	(void)pkt;
	(void)len;
	/* The daemon carries out `t` itself (client_nonstop.c), whatever the stub. */
	snprintf(reply, sizeof(reply), "%s%s", up,
		 *up != '\0' && strstr(up, ";t") == NULL ? ";t" : "");
	client_reply_str(c, reply);
}

/* Append one vCont action with its thread translated; false if malformed. */
static bool translate_action(struct client *c, const char *act, size_t n, char *out, size_t cap)
{
	const char *colon = memchr(act, ':', n);
	size_t head = colon != NULL ? (size_t)(colon - act) : n;
	size_t used = strlen(out);
	struct rsp_thread_id id;
	const char *p;
	int64_t tid;

	if (head == 0 || used + head + 24 >= cap)
		return false;
	memcpy(out + used, act, head);
	out[used + head] = '\0';
	if (colon == NULL)
		return true;
	p = colon + 1;
	if (rsp_parse_thread_id(&p, act + n, &id) != 0 || p != act + n)
		return false;
	tid = target_upstream_tid(c->target, &id);
	if (tid == -2)
		return false;
	if (tid != -1)
		snprintf(out + used + head, cap - used - head, ":%" PRIx64, (uint64_t)tid);
	return true;
}

int client_vcont_translate(struct client *c, const char *pkt, size_t len, char *out, size_t cap)
{
	const char *p = pkt + 5, *end = pkt + len;

	if (cap < sizeof("vCont"))
		return -1;
	strcpy(out, "vCont");
	while (p < end && *p == ';') {
		const char *next = memchr(p + 1, ';', (size_t)(end - p - 1));
		size_t n = (next != NULL ? next : end) - (p + 1);
		if (strlen(out) + 2 >= cap)
			return -1;
		strcat(out, ";");
		if (!translate_action(c, p + 1, n, out, cap))
			return -1;
		p = next != NULL ? next : end;
	}
	return p != end || strcmp(out, "vCont") == 0 ? -1 : 0;
}

/* vCont;ACTION[:TID]...: thread ids translated to the stub's. */
static void cmd_vcont(struct client *c, const char *pkt, size_t len)
{
	char out[512];

	if (client_vcont_translate(c, pkt, len, out, sizeof(out)) != 0) {
		client_reply_error(c, 1, "malformed or foreign vCont action in %.*s", (int)len, pkt);
		return;
	}
	if (audit_resume(c, pkt, len))
		target_resume(c->target, c, out);
}

/* Legacy c/s/C/S [ADDR]: sent as they are, after selecting the client's
 * Hc thread upstream when it named one. */
static void cmd_resume_legacy(struct client *c, const char *pkt, size_t len)
{
	char out[64];
	int64_t tid = target_upstream_tid(c->target, &c->hc);

	if (len >= sizeof(out)) {
		client_reply_error(c, 1, "malformed %c packet", pkt[0]);
		return;
	}
	if (tid > 0 && strchr(target_vcont(c->target), pkt[0]) != NULL) {
		/* vCont says the same thing with the thread in it. */
		snprintf(out, sizeof(out), "vCont;%c%.*s:%" PRIx64, pkt[0],
			 (pkt[0] == 'C' || pkt[0] == 'S') ? 2 : 0, pkt + 1, (uint64_t)tid);
	} else {
		memcpy(out, pkt, len);
		out[len] = '\0';
	}
	if (audit_resume(c, pkt, len))
		target_resume(c->target, c, out);
}

/* bs / bc: step or continue backwards, where the stub can; its stop is
 * fanned out as any other. A target that cannot is refused here, and
 * nothing reaches its stub. */
static void cmd_reverse(struct client *c, const char *pkt, size_t len)
{
	if (!target_can_reverse(c->target)) {
		client_reply_error(c, 0x2a, "%.*s: target %s cannot execute in reverse "
				   "(its stub offers no ReverseStep/ReverseContinue; a \"replay\" "
				   "target can)", (int)len, pkt, target_name(c->target));
		return;
	}
	if (audit_resume(c, pkt, len))
		target_resume(c->target, c, pkt);
}

/* qXfer:features:read:ANNEX:OFF,LEN */
static void cmd_xfer_features(struct client *c, const char *pkt, size_t len)
{
	const char *annex = pkt + strlen("qXfer:features:read:"), *end = pkt + len;
	const char *colon = memchr(annex, ':', (size_t)(end - annex));
	const char *p;
	uint64_t off, n;
	char name[256];

	if (colon == NULL || colon == annex || (size_t)(colon - annex) >= sizeof(name)) {
		client_reply_error(c, 1, "malformed qXfer request");
		return;
	}
	p = colon + 1;
	if (rsp_parse_addr_len(&p, end, &off, &n) != 0 || p != end) {
		client_reply_error(c, 1, "malformed qXfer request");
		return;
	}
	memcpy(name, annex, (size_t)(colon - annex));
	name[colon - annex] = '\0';
	target_read_features(c->target, c, name, off, n);
}

/* D: leave the VM (it runs on if nobody else controls it). An
 * extended-remote client stays connected to attach again. */
static void cmd_detach(struct client *c, const char *pkt, size_t len)
{
	(void)pkt;
	(void)len;
	audit_detach(c, c->target, "detach", NULL);
	target_detach(c->target, c);
	client_reply_str(c, "OK");
	if (!c->extended && c->target == NULL)
		client_close_after_flush(c, "detached");
}

/* k / vKill: the VM is shared and outlives any one debugger: detach. */
static void cmd_kill(struct client *c, const char *pkt, size_t len)
{
	(void)len;
	log_info("client %u: kill treated as detach: the VM is not the client's to end", c->id);
	audit_detach(c, c->target, "kill", NULL);
	target_detach(c->target, c);
	if (pkt[0] == 'v')
		client_reply_str(c, "OK");
	if (!c->extended && c->target == NULL)
		client_close_after_flush(c, "killed (detached)");
}

/* Most specific first: the first match wins. */
#define T CMD_NEEDS_TARGET
#define P CMD_PREFIX
#define CHECK(a) (CMD_CHECKED | CMD_NEEDS_TARGET), (a)
static const struct cmd cmds[] = {
	{ "qSupported", P, 0, cmd_supported },
	{ "QStartNoAckMode", 0, 0, cmd_no_ack },
	{ "vMustReplyEmpty", 0, 0, cmd_empty },
	{ "qAttached", P, 0, cmd_attached },
	{ "qSymbol", P, 0, cmd_ok },
	{ "qfThreadInfo", 0, 0, cmd_thread_info_first },
	{ "qXfer:osdata:read:", P, 0, client_select_osdata },
	{ "vAttach;", P, 0, client_select_attach },
	{ "!", 0, 0, client_select_extended },
	{ "qsThreadInfo", T, 0, cmd_thread_info_next },
	{ "qC", T, 0, cmd_current_thread },
	{ "qThreadExtraInfo,", P | CHECK(ACCESS_READ), cmd_thread_extra },
	{ "qXfer:features:read:", P | T, 0, cmd_xfer_features },
	{ "qOffsets", CHECK(ACCESS_READ), cmd_forward },
	{ "qRcmd,", P | T, 0, client_monitor_command },
	{ "vCont?", T, 0, cmd_vcont_query },
	{ "vCont;t", P | CHECK(ACCESS_INTERRUPT), client_nonstop_vcont_stop },
	{ "vCont;", P | CHECK(ACCESS_RESUME), cmd_vcont },
	{ "QNonStop:", P, 0, client_nonstop_mode },
	{ "vStopped", T, 0, client_nonstop_vstopped },
	{ "vCtrlC", CHECK(ACCESS_INTERRUPT), client_nonstop_ctrlc },
	{ "vKill", P | T, 0, cmd_kill },
	{ "?", 0, 0, cmd_stop_reason },
	{ "H", P | T, 0, cmd_set_thread },
	{ "T", P | T, 0, cmd_thread_alive },
	{ "g", CHECK(ACCESS_READ), cmd_forward_thread },
	{ "G", P | CHECK(ACCESS_WRITE), cmd_write_register },
	{ "p", P | CHECK(ACCESS_READ), cmd_forward_thread },
	{ "P", P | CHECK(ACCESS_WRITE), cmd_write_register },
	{ "m", P | CHECK(ACCESS_READ), cmd_read_memory },
	{ "M", P | CHECK(ACCESS_WRITE), cmd_write_memory },
	{ "X", P | CHECK(ACCESS_WRITE), cmd_write_memory },
	{ "Z", P | CHECK(ACCESS_BREAK), cmd_breakpoint },
	{ "z", P | CHECK(ACCESS_UNBREAK), cmd_breakpoint },
	{ "bs", CHECK(ACCESS_RESUME), cmd_reverse },
	{ "bc", CHECK(ACCESS_RESUME), cmd_reverse },
	{ "c", P | CHECK(ACCESS_RESUME), cmd_resume_legacy },
	{ "s", P | CHECK(ACCESS_RESUME), cmd_resume_legacy },
	{ "C", P | CHECK(ACCESS_RESUME), cmd_resume_legacy },
	{ "S", P | CHECK(ACCESS_RESUME), cmd_resume_legacy },
	{ "D", P | T, 0, cmd_detach },
	{ "k", T, 0, cmd_kill },
};
#undef T
#undef P
#undef CHECK

/* Ask policy whether c may do action now. A refusal is answered and logged
 * (who, what, why); an observer's resume on a running VM becomes a wait for
 * the next stop. */
bool client_allowed(struct client *c, enum access_action action, const char *pkt, size_t len)
{
	struct target *t = c->target;
	struct access_request r = {
		.role = c->role,
		.action = action,
		.vm_running = target_busy_for(t, c),
		.client = c->id,
		.floor_holder = t->resumer != NULL ? t->resumer->id : 0,
	};
	enum access_verdict v = access_check(&r);

	switch (v) {
	case ACCESS_ALLOW:
		return true;
	case ACCESS_WAIT_FOR_STOP:
		log_info("client %u (%s, %s): %.*s: %s", c->id, c->peer, access_role_name(c->role),
			 (int)(len > 24 ? 24 : len), pkt, access_explain(&r, v));
		if (c->non_stop) {
			/* Its threads run as far as it knows; the stop comes as %Stop. */
			nonstop_resumed(c->cur, "c");
			client_reply_str(c, "OK");
		} else {
			c->cur->waiting_stop = true;
		}
		return false;
	case ACCESS_DENY_ROLE:
		audit_denied(c, action, access_explain(&r, v));
		client_reply_error(c, 0x0d, "client %u (%s, %s) refused %.*s: %s", c->id, c->peer,
				   access_role_name(c->role), (int)(len > 24 ? 24 : len), pkt,
				   access_explain(&r, v));
		return false;
	default:
		audit_denied(c, action, access_explain(&r, v));
		client_reply_error(c, 0x10, "client %u (%s) refused %.*s: %s", c->id, c->peer,
				   (int)(len > 24 ? 24 : len), pkt, access_explain(&r, v));
		return false;
	}
}

/* The first process a vCont names in a thread id (pPID.TID), or 0. */
static int64_t vcont_pid(const char *pkt, size_t len)
{
	const char *end = pkt + len;

	for (const char *p = pkt; p < end; p++) {
		struct rsp_thread_id id;
		const char *q = p + 1;
		if (*p == ':' && rsp_parse_thread_id(&q, end, &id) == 0 && id.has_pid && id.pid > 0)
			return id.pid;
	}
	return 0;
}

/* Requests that name a process go to that VM: it is the current target
 * while policy and the handler look (dispatch restores the general one
 * after: only Hg moves that, as gdb expects). False if answered. */
static bool route(struct client *c, const char *pkt, size_t len)
{
	struct rsp_thread_id id = { .has_pid = true, .tid = -1 };
	uint64_t pid = 0;
	const char *p = NULL;

	if (len > 6 && memcmp(pkt, "vCont;", 6) == 0)
		id.pid = vcont_pid(pkt, len);
	else if (len > 2 && memcmp(pkt, "D;", 2) == 0)
		p = pkt + 2;
	else if (len > 6 && memcmp(pkt, "vKill;", 6) == 0)
		p = pkt + 6;
	if (p != NULL) {
		if (rsp_parse_hex_u64(&p, pkt + len, &pid) != 0 || p != pkt + len) {
			client_reply_error(c, 1, "malformed %.*s", (int)len, pkt);
			return false;
		}
		id.pid = (int64_t)pid;
	}
	return id.pid <= 0 || route_to_pid(c, &id);
}

/* Make general current again if c is still attached there (a detach may
 * have ended it). */
static void restore_general(struct client *c, struct attachment *general)
{
	struct attachment *a;

	TAILQ_FOREACH(a, &c->attachments, by_client)
		if (a == general)
			client_set_current(c, a);
}

/* Whether a table entry names this packet. */
static bool matches(const struct cmd *cmd, const char *pkt, size_t len)
{
	size_t n = strlen(cmd->name);

	if (cmd->flags & CMD_PREFIX)
		return len >= n && memcmp(pkt, cmd->name, n) == 0;
	return len == n && memcmp(pkt, cmd->name, n) == 0;
}

/* Serve one packet: find its entry, check its flags, run it. */
void client_cmds_dispatch(struct client *c, const char *pkt, size_t len)
{
	struct attachment *general;
	bool routed;

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!matches(&cmds[i], pkt, len))
			continue;
		if ((cmds[i].flags & CMD_NEEDS_TARGET) && c->target == NULL) {
			client_reply_error(c, 1, "no target attached");
			return;
		}
		general = c->cur;
		if (c->target != NULL && !route(c, pkt, len))
			return;
		routed = c->cur != general;
		if (!(cmds[i].flags & CMD_CHECKED) || client_allowed(c, cmds[i].action, pkt, len))
			cmds[i].fn(c, pkt, len);
		if (routed && !c->dead)
			restore_general(c, general);
		return;
	}
	log_debug("client %u: unsupported packet %.*s", c->id, (int)(len > 40 ? 40 : len), pkt);
	client_reply_str(c, "");
}
