/* TCP and unix listeners on the event loop. */
#include "proxy/cause.h"
#include "proxy/transport/listener.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "proxy/log.h"
#include "proxy/transport/sockaddr.h"

/* After EMFILE, pause accepting this long instead of spinning (tmux does). */
#define ACCEPT_BACKOFF_MS 1000

struct listener {
	struct evconnlistener *ev;
	struct event *backoff;
	enum cfg_listen_kind kind;
	char *path;
	char desc[160];
	listener_accept_fn fn;
	void *arg;
};

/* A connection arrived. */
static void on_accept(struct evconnlistener *ev, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct listener *l = arg;
	char peer[128];

	(void)ev;
	if (l->kind != CFG_LISTEN_UNIX)
		sockaddr_set_nodelay(fd);
	sockaddr_format(sa, (socklen_t)salen, peer, sizeof(peer));
	if (l->kind == CFG_LISTEN_UNIX)
		snprintf(peer, sizeof(peer), "unix:%s", l->path);
	l->fn(l->arg, fd, peer);
}

/* Resume accepting after a back-off. */
static void on_backoff_done(evutil_socket_t fd, short what, void *arg)
{
	struct listener *l = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(l->ev);
}

/* accept() failed: back off on descriptor exhaustion, log the rest. */
static void on_accept_error(struct evconnlistener *ev, void *arg)
{
	struct listener *l = arg;
	int err = EVUTIL_SOCKET_ERROR();
	struct timeval tv = { ACCEPT_BACKOFF_MS / 1000, 0 };

	(void)ev;
	log_warn("%s: accept failed: %s", l->desc, evutil_socket_error_to_string(err));
	if (err == EMFILE || err == ENFILE) {
		evconnlistener_disable(l->ev);
		evtimer_add(l->backoff, &tv);
	}
}

/* Remove a stale unix socket file left by a daemon that is gone; refuse to
 * take over one that something still answers on. */
static int clear_stale_socket(const char *path, char **cause)
{
	struct sockaddr_storage sa;
	socklen_t len;
	struct stat st;
	int fd, rc;

	if (stat(path, &st) != 0)
		return 0;
	if (!S_ISSOCK(st.st_mode))
		return cause_fail(cause, "%s: exists and is not a socket", path);
	if (sockaddr_unix(path, &sa, &len) != 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	rc = fd >= 0 ? connect(fd, (struct sockaddr *)&sa, len) : -1;
	if (fd >= 0)
		close(fd);
	if (rc == 0)
		return cause_fail(cause, "%s: another process is listening there", path);
	unlink(path);
	return 0;
}

/* Bind the socket address the config names. */
static int resolve(const struct cfg_listen *cfg, struct sockaddr_storage *sa, socklen_t *len,
		   char **cause)
{
	char addr[300];

	if (cfg->kind == CFG_LISTEN_UNIX) {
		if (clear_stale_socket(cfg->path, cause) != 0)
			return -1;
		snprintf(addr, sizeof(addr), "unix:%s", cfg->path);
	} else if (strchr(cfg->host, ':') != NULL) {
		snprintf(addr, sizeof(addr), "[%s]:%u", cfg->host, cfg->port);
	} else {
		snprintf(addr, sizeof(addr), "%s:%u", cfg->host, cfg->port);
	}
	return sockaddr_parse(addr, sa, len, cause);
}

/* Describe a listener with the address really bound (port 0 resolved). */
static void describe(struct listener *l, const struct cfg_listen *cfg)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	char where[128];

	if (cfg->kind == CFG_LISTEN_UNIX) {
		snprintf(l->desc, sizeof(l->desc), "unix %s", cfg->path);
		return;
	}
	getsockname(evconnlistener_get_fd(l->ev), (struct sockaddr *)&sa, &len);
	sockaddr_format((struct sockaddr *)&sa, len, where, sizeof(where));
	snprintf(l->desc, sizeof(l->desc), "%s %s", cfg->kind == CFG_LISTEN_SSH ? "ssh" : "tcp",
		 where);
}

/* Anyone who can reach a TCP listener can debug (and so own) the VMs behind
 * it, so a listener other hosts can reach needs the config to say so. */
static int check_reach(const struct cfg_listen *cfg, const struct sockaddr_storage *sa,
		       char **cause)
{
	if (cfg->kind != CFG_LISTEN_TCP || cfg->allow_unauthenticated ||
	    sockaddr_is_local((const struct sockaddr *)sa))
		return 0;
	return cause_fail(cause, "refusing to listen on tcp %s:%u: other hosts could connect "
			  "without authentication. Use an \"ssh\" listener, a loopback address, or "
			  "set \"allow_unauthenticated\": true on this listener", cfg->host, cfg->port);
}

/* Listen where cfg says. */
struct listener *listener_create(struct event_base *base, const struct cfg_listen *cfg,
				 listener_accept_fn fn, void *arg, char **cause)
{
	struct listener *l = calloc(1, sizeof(*l));
	struct sockaddr_storage sa;
	socklen_t len;
	unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE;
	mode_t mask;

	*cause = NULL;
	if (l == NULL || resolve(cfg, &sa, &len, cause) != 0 || check_reach(cfg, &sa, cause) != 0) {
		free(l);
		return NULL;
	}
	l->kind = cfg->kind;
	l->fn = fn;
	l->arg = arg;
	l->path = cfg->kind == CFG_LISTEN_UNIX ? strdup(cfg->path) : NULL;
	/* A unix socket is born 0600: a chmod after bind would leave a window
	 * in which anyone could connect. */
	mask = umask(0177);
	l->ev = evconnlistener_new_bind(base, on_accept, l, flags, 16, (struct sockaddr *)&sa, (int)len);
	umask(mask);
	if (l->ev == NULL) {
		cause_fail(cause, "cannot listen on %s: %s",
			   cfg->kind == CFG_LISTEN_UNIX ? cfg->path : cfg->host, strerror(errno));
		free(l->path);
		free(l);
		return NULL;
	}
	evconnlistener_set_error_cb(l->ev, on_accept_error);
	l->backoff = evtimer_new(base, on_backoff_done, l);
	describe(l, cfg);
	return l;
}

/* Stop listening. */
void listener_destroy(struct listener *l)
{
	if (l == NULL)
		return;
	evconnlistener_free(l->ev);
	event_free(l->backoff);
	if (l->path != NULL)
		unlink(l->path);
	free(l->path);
	free(l);
}

const char *listener_describe(const struct listener *l)
{
	return l->desc;
}
