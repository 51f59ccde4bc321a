/* `monitor` commands: the daemon's own, else passed to the stub. */
#include "proxy/client_monitor.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/audit.h"
#include "proxy/client.h"
#include "proxy/backend.h"
#include "proxy/client_cmds.h"
#include "proxy/client_replay.h"
#include "proxy/hub.h"
#include "proxy/rsp/rsp_hex.h"
#include "proxy/target.h"
#include "proxy/target_ops.h"

/* Text being built for a monitor reply. */
struct text {
	char buf[8192];
	size_t len;
};

/* Append formatted text (truncated quietly at the buffer's end). */
static void say(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->len >= sizeof(t->buf))
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += (size_t)n < sizeof(t->buf) - t->len ? (size_t)n : sizeof(t->buf) - t->len - 1;
}

/* Send text as a qRcmd reply: hex-encoded console output. */
static void reply_text(struct client *c, const struct text *t)
{
	char *hex = malloc(2 * t->len + 1);

	if (hex == NULL) {
		client_reply_error(c, 1, "out of memory");
		return;
	}
	rsp_hex_encode(hex, (const uint8_t *)t->buf, t->len);
	client_reply(c, hex, 2 * t->len);
	free(hex);
}

/* Answer c's monitor command with text (NUL-terminated). */
void client_monitor_reply(struct client *c, const char *text)
{
	struct text t = { .len = 0 };

	say(&t, "%s", text);
	reply_text(c, &t);
}

/* Fail c's monitor command: the reason as console output (gdb prints it;
 * an error reply alone shows only "Protocol error with Rcmd"), then E01. */
void client_monitor_error(struct client *c, const char *fmt, ...)
{
	char why[512], hex[2 * sizeof(why) + 2];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(why, sizeof(why) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(why) - 2)
		n = (int)sizeof(why) - 2;
	why[n] = '\n';
	hex[0] = 'O';
	rsp_hex_encode(hex + 1, (const uint8_t *)why, (size_t)n + 1);
	rsp_link_send(&c->link, hex, 1 + 2 * ((size_t)n + 1));
	why[n] = '\0';
	client_reply_error(c, 1, "%s", why);
}

/* One line describing a client's attachment. */
static void describe_client(struct text *out, const struct attachment *a)
{
	say(out, "  client %u  %-7s  %s\n", a->c->id, access_role_name(a->role), a->c->peer);
}

/* Who holds the floor of a target, as a phrase. */
static void describe_floor(struct text *out, const struct target *t)
{
	if (t->resumer != NULL)
		say(out, "held by client %u (%s)", t->resumer->id, t->resumer->peer);
	else if (t->state == TARGET_RUNNING)
		say(out, "free (the VM runs on its own)");
	else
		say(out, "free (the VM is %s)", target_state_name(t->state));
}

static void mon_whoami(struct client *c, struct text *out)
{
	say(out, "client %u, role %s, from %s, target %s\n", c->id, access_role_name(c->role),
	    c->peer, c->target != NULL ? target_name(c->target) : "(none)");
}

static void mon_floor(struct client *c, struct text *out)
{
	if (c->target == NULL) {
		say(out, "no target attached\n");
		return;
	}
	say(out, "floor of %s: ", target_name(c->target));
	describe_floor(out, c->target);
	say(out, "\n");
}

static void mon_targets(struct client *c, struct text *out)
{
	const struct target *t;
	const struct attachment *a;

	TAILQ_FOREACH(t, &c->hub->targets, entry) {
		size_t n = 0;
		if (!client_may_see(c, t))
			continue;
		TAILQ_FOREACH(a, &t->attached, by_target)
			n++;
		say(out, "%s  process %lld  %s backend  %s  %zu client(s), floor ", target_name(t),
		    (long long)t->pid, t->ops != NULL ? t->ops->name : "?",
		    target_state_name(t->state), n);
		describe_floor(out, t);
		say(out, "\n");
		TAILQ_FOREACH(a, &t->attached, by_target)
			describe_client(out, a);
	}
}

/* The owners of the breakpoint at key, as "1, 3". */
static void describe_owners(struct text *out, const struct target *t, const struct bp_key *key)
{
	for (size_t i = 0; i < t->bps.n; i++) {
		const struct bp_entry *e = &t->bps.entries[i];
		if (e->key.type != key->type || e->key.addr != key->addr || e->key.kind != key->kind)
			continue;
		for (size_t j = 0; j < e->n_owners; j++)
			say(out, "%s%u", j > 0 ? ", " : "", e->owners[j]);
	}
}

static void mon_hw(struct client *c, struct text *out)
{
	static const char *const kinds[] = { "break", "hbreak", "watch", "rwatch", "awatch" };
	const struct target *t = c->target;

	if (t == NULL) {
		say(out, "no target attached\n");
		return;
	}
	if (t->hw.n == 0) {
		say(out, "%s: hardware slots are managed by the stub\n", target_name(t));
		/* gdbhub-kvm refuses at insert what it cannot hold, and says who
		 * holds each debug register itself. */
		if (t->cfg->backend == CFG_BACKEND_KVM)
			say(out, "  x86: 4 debug registers (DR0-3); `monitor kvm` shows who holds "
				 "each (a client, the guest) and what this host fires; watchpoints "
				 "that find none free or that the host never fires go by page "
				 "mapping, with no limit\n");
		return;
	}
	say(out, "%s: %u hardware debug slots, %u free\n", target_name(t), t->hw.n,
	    hw_slots_free(&t->hw));
	for (unsigned i = 0; i < t->hw.n; i++) {
		const struct hw_slot *s = &t->hw.slot[i];
		if (!s->used) {
			say(out, "  slot %u: free\n", i);
			continue;
		}
		say(out, "  slot %u: %s 0x%llx len %llu, client(s) ", i, kinds[s->key.type],
		    (unsigned long long)s->key.addr, (unsigned long long)s->key.kind);
		describe_owners(out, t, &s->key);
		say(out, "\n");
	}
}

static void mon_help(struct client *c, struct text *out);

struct monitor_cmd {
	const char *name;
	const char *help;
	void (*fn)(struct client *c, struct text *out);
};

static const struct monitor_cmd monitor_cmds[] = {
	{ "help", "this list", mon_help },
	{ "whoami", "your client id, role and target", mon_whoami },
	{ "floor", "who holds the floor (whose resume is running)", mon_floor },
	{ "targets", "every target with its state and attached clients", mon_targets },
	{ "hw", "hardware breakpoint and watchpoint slots, and who holds them", mon_hw },
	{ "replay", "replay targets: info | seek ICOUNT | checkpoints", NULL },
};

static void mon_help(struct client *c, struct text *out)
{
	(void)c;
	say(out, "gdbhub monitor commands:\n");
	for (size_t i = 0; i < sizeof(monitor_cmds) / sizeof(monitor_cmds[0]); i++)
		say(out, "  %-8s %s\n", monitor_cmds[i].name, monitor_cmds[i].help);
	say(out, "Other commands go to the target's stub (controllers only).\n");
}

/* Serve qRcmd,HEX. */
void client_monitor_command(struct client *c, const char *pkt, size_t len)
{
	const char *hex = pkt + strlen("qRcmd,");
	size_t n = (len - strlen("qRcmd,")) / 2;
	char cmd[256];
	struct text out = { .len = 0 };

	if ((len - strlen("qRcmd,")) % 2 != 0 || n >= sizeof(cmd) ||
	    rsp_hex_decode((uint8_t *)cmd, hex, n) < 0) {
		client_reply_error(c, 1, "malformed monitor command");
		return;
	}
	cmd[n] = '\0';
	if (strncmp(cmd, "replay", 6) == 0 && (cmd[6] == '\0' || cmd[6] == ' ')) {
		client_replay_command(c, cmd + 6);
		return;
	}
	for (size_t i = 0; i < sizeof(monitor_cmds) / sizeof(monitor_cmds[0]); i++) {
		if (monitor_cmds[i].fn != NULL && strcmp(cmd, monitor_cmds[i].name) == 0) {
			monitor_cmds[i].fn(c, &out);
			reply_text(c, &out);
			return;
		}
	}
	if (c->target == NULL) {
		client_reply_error(c, 1, "unknown monitor command \"%s\" (try monitor help)", cmd);
		return;
	}
	if (client_allowed(c, ACCESS_STUB_MONITOR, pkt, len) && audit_monitor(c, cmd))
		target_forward(c->target, c, pkt, len, false);
}
