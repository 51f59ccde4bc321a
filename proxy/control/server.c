/* The control socket on the loop: connections, request lines, replies.
 *
 * Nothing here blocks: requests are read with a bound on line length, and
 * a peer that does not read its replies has its input paused once its
 * unsent output passes a bound, so it can hold neither the loop nor the
 * daemon's memory. */
#include "proxy/control/control.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "proxy/control/commands.h"
#include "proxy/control/request.h"
#include "proxy/hub.h"
#include "proxy/log.h"
#include "proxy/queue_compat.h"
#include "proxy/transport/listener.h"

/* Unsent reply bytes past which a connection's requests wait. */
#define CTL_MAX_OUTPUT (4u * 1024 * 1024)
/* Connections at once: the socket is the owner's alone, so this only stops
 * a runaway script. */
#define CTL_MAX_CONNS 64

struct ctl_conn {
	TAILQ_ENTRY(ctl_conn) entry;
	struct control *ctl;
	struct bufferevent *bev;
	bool closing;   /* free once the output is written */
};

struct control {
	struct hub *hub;
	struct listener *l;
	TAILQ_HEAD(, ctl_conn) conns;
	size_t n_conns;
};

static void conn_free(struct ctl_conn *cc)
{
	TAILQ_REMOVE(&cc->ctl->conns, cc, entry);
	cc->ctl->n_conns--;
	bufferevent_free(cc->bev);
	free(cc);
}

/* Free now if nothing is left to send, else once it is sent. */
static void conn_close_after_flush(struct ctl_conn *cc)
{
	cc->closing = true;
	bufferevent_disable(cc->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(cc->bev)) == 0)
		conn_free(cc);
}

static bool output_full(const struct ctl_conn *cc)
{
	return evbuffer_get_length(bufferevent_get_output(cc->bev)) > CTL_MAX_OUTPUT;
}

/* Queue one reply line. */
static void send_line(struct ctl_conn *cc, char *reply)
{
	struct evbuffer *out = bufferevent_get_output(cc->bev);

	if (reply == NULL)
		reply = strdup("{\"ok\":false,\"error\":\"out of memory\"}");
	if (reply != NULL)
		evbuffer_add(out, reply, strlen(reply));
	evbuffer_add(out, "\n", 1);
	free(reply);
}

/* Take one line of len bytes (and its newline) from the input and serve it.
 * Blank lines are skipped. */
static void serve_line(struct ctl_conn *cc, struct evbuffer *in, size_t len)
{
	char *line = malloc(len + 1);

	if (line == NULL) {
		evbuffer_drain(in, len + 1);
		send_line(cc, NULL);
		return;
	}
	evbuffer_remove(in, line, len);
	evbuffer_drain(in, 1);
	line[len] = '\0';
	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	if (strspn(line, " \t") != len)
		send_line(cc, control_serve_line(cc->ctl->hub, line, len));
	free(line);
}

/* A line longer than the bound: say so and hang up (the rest of it cannot
 * be told from a next request). */
static void refuse_long_line(struct ctl_conn *cc)
{
	char msg[96];

	log_warn("control: request line longer than %d bytes; closing", CTL_MAX_LINE);
	snprintf(msg, sizeof(msg), "{\"ok\":false,\"error\":\"request line longer than %d bytes\"}",
		 CTL_MAX_LINE);
	send_line(cc, strdup(msg));
	conn_close_after_flush(cc);
}

/* Serve every complete line, unless the peer's unread replies pile up. */
static void on_read(struct bufferevent *bev, void *arg)
{
	struct ctl_conn *cc = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	while (!output_full(cc)) {
		struct evbuffer_ptr eol = evbuffer_search_eol(in, NULL, NULL, EVBUFFER_EOL_LF);
		if ((eol.pos < 0 && evbuffer_get_length(in) > CTL_MAX_LINE) ||
		    (eol.pos >= 0 && (size_t)eol.pos > CTL_MAX_LINE)) {
			refuse_long_line(cc);
			return;
		}
		if (eol.pos < 0)
			return;
		serve_line(cc, in, (size_t)eol.pos);
	}
	/* Resumed by on_write once the peer has read its replies. */
	bufferevent_disable(bev, EV_READ);
}

/* All output written: finish a close, or take requests again. */
static void on_write(struct bufferevent *bev, void *arg)
{
	struct ctl_conn *cc = arg;

	if (cc->closing) {
		conn_free(cc);
		return;
	}
	if (!(bufferevent_get_enabled(bev) & EV_READ)) {
		bufferevent_enable(bev, EV_READ);
		on_read(bev, cc);
	}
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct ctl_conn *cc = arg;

	(void)bev;
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) && !cc->closing)
		conn_close_after_flush(cc);
	else if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_free(cc);
}

/* Only the daemon's own user (or root) may drive it; the socket's mode
 * says so too, and this holds even where a folder's mode does not. */
static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return false;
	return cred.uid == 0 || cred.uid == geteuid();
}

/* A connection on the control socket. */
static void on_accept(void *arg, int fd, const char *peer)
{
	struct control *ctl = arg;
	struct ctl_conn *cc;

	if (ctl->n_conns >= CTL_MAX_CONNS || !peer_allowed(fd)) {
		log_warn("control: connection on %s refused (%s)", peer,
			 ctl->n_conns >= CTL_MAX_CONNS ? "too many" : "another user");
		close(fd);
		return;
	}
	if ((cc = calloc(1, sizeof(*cc))) == NULL ||
	    (cc->bev = bufferevent_socket_new(ctl->hub->base, fd, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		free(cc);
		close(fd);
		return;
	}
	cc->ctl = ctl;
	TAILQ_INSERT_TAIL(&ctl->conns, cc, entry);
	ctl->n_conns++;
	bufferevent_setcb(cc->bev, on_read, on_write, on_event, cc);
	bufferevent_enable(cc->bev, EV_READ | EV_WRITE);
}

/* Listen at path. */
struct control *control_create(struct hub *hub, const char *path, char **cause)
{
	struct control *ctl = calloc(1, sizeof(*ctl));
	struct cfg_listen where = { .kind = CFG_LISTEN_UNIX, .path = (char *)path };
	mode_t old;

	*cause = NULL;
	if (ctl == NULL)
		return NULL;
	ctl->hub = hub;
	TAILQ_INIT(&ctl->conns);
	/* Made 0600 from the start: the listener's chmod comes after bind,
	 * and a connection made in between would outlive it. */
	old = umask(0177);
	ctl->l = listener_create(hub->base, &where, on_accept, ctl, cause);
	umask(old);
	if (ctl->l == NULL) {
		free(ctl);
		return NULL;
	}
	log_info("control socket at %s", path);
	return ctl;
}

/* Close the socket and its connections. */
void control_destroy(struct control *ctl)
{
	struct ctl_conn *cc;

	if (ctl == NULL)
		return;
	while ((cc = TAILQ_FIRST(&ctl->conns)) != NULL)
		conn_free(cc);
	listener_destroy(ctl->l);
	free(ctl);
}
