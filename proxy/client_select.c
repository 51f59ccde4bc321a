/* Choosing a target on the hub's own endpoint. One VM is one process to
 * gdb; `info os processes` lists them and `attach PID` picks one. */
#include "proxy/client_select.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/backend.h"
#include "proxy/client.h"
#include "proxy/hub.h"
#include "proxy/log.h"
#include "proxy/rsp/rsp_hex.h"
#include "proxy/target.h"
#include "proxy/target_ops.h"

/* `!`: extended-remote. */
void client_select_extended(struct client *c, const char *pkt, size_t len)
{
	(void)pkt;
	(void)len;
	c->extended = true;
	client_reply_str(c, "OK");
}

/* The target whose process id clients see as pid, or NULL. */
static struct target *find_by_pid(struct hub *hub, uint64_t pid)
{
	struct target *t;

	TAILQ_FOREACH(t, &hub->targets, entry)
		if ((uint64_t)t->pid == pid)
			return t;
	return NULL;
}

/* vAttach;PID: attach and answer with the stop record. */
void client_select_attach(struct client *c, const char *pkt, size_t len)
{
	const char *p = pkt + strlen("vAttach;"), *end = pkt + len;
	struct target *t;
	uint64_t pid;
	char why[200];

	if (rsp_parse_hex_u64(&p, end, &pid) != 0 || p != end) {
		client_reply_error(c, 1, "malformed vAttach");
		return;
	}
	t = find_by_pid(c->hub, pid);
	/* A target the user may not see answers as one that does not exist. */
	if (t == NULL || !client_may_see(c, t)) {
		client_reply_error(c, 1, "no target with process id %" PRIu64 " (monitor targets)", pid);
		return;
	}
	if (t->state == TARGET_FAILED) {
		client_reply_error(c, 1, "target %s failed to start: %s", target_name(t), t->failure);
		return;
	}
	/* Another VM for this connection is another inferior to gdb. */
	if (client_attachment(c, t) != NULL) {
		client_set_current(c, client_attachment(c, t));
	} else if (client_attach(c, t, why, sizeof(why)) != 0) {
		if (!c->dead)
			client_reply_error(c, 1, "%s", why);
		return;
	}
	t = c->target; /* a fork target gave c a replay of its own */
	if (t->state == TARGET_STARTING) {
		client_retry_when_ready(c, pkt, len);
		return;
	}
	target_query_stop(t, c);
}

/* Append text to a growing buffer; false on out of memory. */
static bool append(char **buf, size_t *len, size_t *cap, const char *text)
{
	size_t n = strlen(text);

	if (*len + n + 1 > *cap) {
		size_t want = (*len + n + 1) * 2;
		char *p = realloc(*buf, want);
		if (p == NULL)
			return false;
		*buf = p;
		*cap = want;
	}
	memcpy(*buf + *len, text, n + 1);
	*len += n;
	return true;
}

/* The osdata "processes" table: one item per target. */
static char *processes_xml(const struct client *c, size_t *out_len)
{
	char *buf = NULL, item[512];
	size_t len = 0, cap = 0;
	struct target *t;
	bool ok = append(&buf, &len, &cap, "<?xml version=\"1.0\"?>\n<osdata type=\"processes\">\n");

	TAILQ_FOREACH(t, &c->hub->targets, entry) {
		if (!client_may_see(c, t))
			continue;
		snprintf(item, sizeof(item),
			 "<item><column name=\"pid\">%" PRId64 "</column>"
			 "<column name=\"user\">gdbhub</column>"
			 "<column name=\"command\">%s (%s %s, %s)</column>"
			 "<column name=\"cores\">%zu</column></item>\n",
			 t->pid, target_name(t), t->ops != NULL ? t->ops->name : "?",
			 t->cfg->arch != NULL ? t->cfg->arch : "", target_state_name(t->state),
			 t->n_threads);
		ok = ok && append(&buf, &len, &cap, item);
	}
	ok = ok && append(&buf, &len, &cap, "</osdata>\n");
	if (!ok) {
		free(buf);
		return NULL;
	}
	*out_len = len;
	return buf;
}

/* qXfer:osdata:read:processes:OFF,LEN */
void client_select_osdata(struct client *c, const char *pkt, size_t len)
{
	const char *prefix = "qXfer:osdata:read:processes:";
	const char *p = pkt + strlen(prefix), *end = pkt + len;
	uint64_t off, n;
	size_t total;
	char *xml;

	if (len < strlen(prefix) || memcmp(pkt, prefix, strlen(prefix)) != 0) {
		client_reply_str(c, ""); /* other osdata tables: not offered */
		return;
	}
	if (rsp_parse_addr_len(&p, end, &off, &n) != 0 || p != end) {
		client_reply_error(c, 1, "malformed qXfer:osdata request");
		return;
	}
	xml = processes_xml(c, &total);
	if (xml == NULL) {
		client_reply_error(c, 1, "out of memory");
		return;
	}
	client_reply_xfer(c, xml, total, off, n);
	free(xml);
}
