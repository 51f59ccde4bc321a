/* Channels of an SSH connection: each becomes a byte stream to the daemon
 * (an RSP session) or carries a short reply (`list`, a refusal).
 *
 * Flow control both ways: bytes from the SSH peer go into our end of a
 * socketpair (its buffer is bounded; past the bound the channel is closed);
 * bytes from the daemon go out only as far as the peer's window allows, and
 * we stop reading our end until the window opens again, so a stalled SSH
 * client backs up into the daemon's own bounded client output. */
#include "proxy/transport/ssh_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "proxy/log.h"

/* What a peer may have sent that the daemon has not read yet. */
#define PIPE_INPUT_BOUND (4u * 1024 * 1024)
/* Largest piece handed to ssh_channel_write at once. */
#define PIPE_CHUNK (32u * 1024)

static void pipe_finish(struct ssh_pipe *p, int status);

/* Send what the daemon wrote, as far as the peer's window goes. */
static void pump_out(struct ssh_pipe *p)
{
	struct evbuffer *in = bufferevent_get_input(p->bev);
	size_t n;
	int w;

	while ((n = evbuffer_get_length(in)) > 0) {
		uint32_t win = ssh_channel_window_size(p->ch);
		if (win == 0) {
			p->window_wait = true;
			bufferevent_disable(p->bev, EV_READ);
			return;
		}
		n = n < win ? n : win;
		n = n < PIPE_CHUNK ? n : PIPE_CHUNK;
		w = ssh_channel_write(p->ch, evbuffer_pullup(in, (ssize_t)n), (uint32_t)n);
		if (w < 0) {
			pipe_finish(p, 1);
			return;
		}
		evbuffer_drain(in, (size_t)w);
		if ((size_t)w < n)
			break;
	}
}

static void on_bev_read(struct bufferevent *bev, void *arg)
{
	struct ssh_pipe *p = arg;
	struct ssh_conn *k = p->conn;

	(void)bev;
	pump_out(p);
	ssh_conn_kick(k);
}

/* The daemon closed the stream (detach, kick, target removed). */
static void on_bev_event(struct bufferevent *bev, short what, void *arg)
{
	struct ssh_pipe *p = arg;
	struct ssh_conn *k = p->conn;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		pump_out(p);
		pipe_finish(p, 0);
		ssh_conn_kick(k);
	}
}

/* The peer's window opened: send what waited. */
static int on_write_wontblock(ssh_session session, ssh_channel ch, uint32_t bytes, void *arg)
{
	struct ssh_pipe *p = arg;

	(void)session;
	(void)ch;
	(void)bytes;
	if (p->window_wait && p->bev != NULL && !p->done) {
		p->window_wait = false;
		bufferevent_enable(p->bev, EV_READ);
		pump_out(p);
	}
	return 0;
}

/* Bytes from the SSH peer: into the daemon's stream. Bytes that come
 * before the command has run (ssh sends stdin without waiting for the exec
 * reply, and gdb speaks first) wait in p->early. */
static int on_data(ssh_session session, ssh_channel ch, void *data, uint32_t len, int is_stderr,
		   void *arg)
{
	struct ssh_pipe *p = arg;
	struct evbuffer *to;

	(void)session;
	(void)ch;
	if (p->done || is_stderr)
		return (int)len;
	if (p->bev == NULL && p->early == NULL && (p->early = evbuffer_new()) == NULL)
		return (int)len;
	to = p->bev != NULL ? bufferevent_get_output(p->bev) : p->early;
	if (evbuffer_get_length(to) > PIPE_INPUT_BOUND) {
		log_warn("ssh %s: %s sends faster than the daemon reads; closing the channel",
			 p->conn->peer, p->conn->user);
		pipe_finish(p, 1);
		return (int)len;
	}
	evbuffer_add(to, data, len);
	return (int)len;
}

/* The peer will send no more: the debugger went away, unless the command
 * has not run yet (`ssh host list </dev/null` sends EOF at once). */
static void on_eof(ssh_session session, ssh_channel ch, void *arg)
{
	struct ssh_pipe *p = arg;

	(void)session;
	(void)ch;
	p->peer_eof = true;
	if (p->bev != NULL)
		pipe_finish(p, 0);
}

static void on_close(ssh_session session, ssh_channel ch, void *arg)
{
	struct ssh_pipe *p = arg;

	(void)session;
	(void)ch;
	pipe_finish(p, 0);
}

/* End the channel: status for a session channel, EOF and close; the pipe is
 * freed once out of libssh. */
static void pipe_finish(struct ssh_pipe *p, int status)
{
	if (p->done)
		return;
	p->done = true;
	if (p->bev != NULL)
		bufferevent_disable(p->bev, EV_READ | EV_WRITE);
	if (ssh_channel_is_open(p->ch)) {
		if (p->is_session)
			ssh_channel_request_send_exit_status(p->ch, status);
		ssh_channel_send_eof(p->ch);
		ssh_channel_close(p->ch);
	}
}

/* Connect the channel to the daemon's stream fd. */
static int pipe_attach(struct ssh_pipe *p, int fd)
{
	struct event_base *base = p->conn->srv->base;

	p->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (p->bev == NULL) {
		close(fd);
		return -1;
	}
	bufferevent_setcb(p->bev, on_bev_read, NULL, on_bev_event, p);
	bufferevent_enable(p->bev, EV_READ | EV_WRITE);
	if (p->early != NULL)
		bufferevent_write_buffer(p->bev, p->early);
	if (p->peer_eof)
		pipe_finish(p, 0);
	return 0;
}

/* Ask the door for a stream to target; on refusal tell the user why. */
static void start_attach(struct ssh_pipe *p, const char *target)
{
	struct ssh_conn *k = p->conn;
	char why[256], line[300];
	int fd = k->srv->door.attach(k->srv->door.arg, k->user, k->peer, target, why, sizeof(why));

	if (fd >= 0 && pipe_attach(p, fd) == 0)
		return;
	if (fd >= 0)
		snprintf(why, sizeof(why), "out of memory");
	log_warn("ssh %s: %s: attach %s refused: %s", k->peer, k->user, target, why);
	snprintf(line, sizeof(line), "gdbhub: %s\n", why);
	ssh_channel_write_stderr(p->ch, line, (uint32_t)strlen(line));
	pipe_finish(p, 1);
}

/* `list`: the targets the user may see. */
static void start_list(struct ssh_pipe *p)
{
	struct ssh_conn *k = p->conn;
	char *text = k->srv->door.list(k->srv->door.arg, k->user);

	if (text != NULL)
		ssh_channel_write(p->ch, text, (uint32_t)strlen(text));
	free(text);
	pipe_finish(p, 0);
}

/* Run the exec command: "attach TARGET", "TARGET" or "list". */
static void run_command(struct ssh_pipe *p, const char *cmd)
{
	static const char usage[] =
		"gdbhub: commands: \"attach TARGET\" (or just \"TARGET\"), \"list\"\n";
	char word[80], target[80], extra;
	int n = sscanf(cmd, " %79s %79s %c", word, target, &extra);

	log_info("ssh %s: %s runs \"%s\"", p->conn->peer, p->conn->user, cmd);
	if (n == 1 && strcmp(word, "list") == 0)
		start_list(p);
	else if (n == 2 && strcmp(word, "attach") == 0)
		start_attach(p, target);
	else if (n == 1 && strcmp(word, "attach") != 0)
		start_attach(p, word);
	else {
		ssh_channel_write_stderr(p->ch, usage, (uint32_t)strlen(usage));
		pipe_finish(p, 2);
	}
}

/* Deferred from the exec request, so that libssh has sent its reply to the
 * request before the channel carries anything. */
static void on_start(evutil_socket_t fd, short what, void *arg)
{
	struct ssh_pipe *p = arg;
	struct ssh_conn *k = p->conn;
	char *cmd = p->command;

	(void)fd;
	(void)what;
	p->command = NULL;
	if (cmd != NULL && !p->done)
		run_command(p, cmd);
	free(cmd);
	ssh_conn_kick(k);
}

static int on_exec(ssh_session session, ssh_channel ch, const char *command, void *arg)
{
	struct ssh_pipe *p = arg;
	struct timeval now = { 0, 0 };

	(void)session;
	(void)ch;
	if (p->command != NULL || p->bev != NULL || (p->command = strdup(command)) == NULL)
		return -1; /* one command per channel */
	evtimer_add(p->start, &now);
	return 0;
}

/* A new pipe for channel ch of connection k. */
static struct ssh_pipe *pipe_new(struct ssh_conn *k, ssh_channel ch, bool is_session)
{
	struct ssh_pipe *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->conn = k;
	p->ch = ch;
	p->is_session = is_session;
	p->start = evtimer_new(k->srv->base, on_start, p);
	p->cb = (struct ssh_channel_callbacks_struct){
		.userdata = p,
		.channel_data_function = on_data,
		.channel_eof_function = on_eof,
		.channel_close_function = on_close,
		.channel_exec_request_function = is_session ? on_exec : NULL,
		.channel_write_wontblock_function = on_write_wontblock,
	};
	ssh_callbacks_init(&p->cb);
	if (p->start == NULL || ssh_set_channel_callbacks(ch, &p->cb) != SSH_OK) {
		if (p->start != NULL)
			event_free(p->start);
		free(p);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&k->pipes, p, entry);
	return p;
}

/* A session channel: it will run one command. */
ssh_channel ssh_pipe_open_session(ssh_session session, void *userdata)
{
	struct ssh_conn *k = userdata;
	ssh_channel ch;

	if (!k->authenticated || (ch = ssh_channel_new(session)) == NULL)
		return NULL;
	if (pipe_new(k, ch, true) == NULL) {
		ssh_channel_free(ch);
		return NULL;
	}
	return ch;
}

/* `ssh -L PORT:TARGET:ANY`: a direct-tcpip channel to the pseudo-host
 * TARGET. Never a connection to a real host: the name is looked up among
 * targets only. */
static int open_direct(struct ssh_conn *k, ssh_message msg)
{
	const char *target = ssh_message_channel_request_open_destination(msg);
	char why[256];
	struct ssh_pipe *p;
	ssh_channel ch;
	int fd;

	fd = k->srv->door.attach(k->srv->door.arg, k->user, k->peer, target, why, sizeof(why));
	if (fd < 0) {
		log_warn("ssh %s: %s: forwarding to %s refused: %s", k->peer, k->user, target, why);
		return 1; /* libssh refuses the channel */
	}
	ch = ssh_message_channel_request_open_reply_accept(msg);
	p = ch != NULL ? pipe_new(k, ch, false) : NULL;
	if (p == NULL) {
		close(fd);
		return 0;
	}
	if (pipe_attach(p, fd) != 0) {
		pipe_finish(p, 1);
		return 0;
	}
	log_info("ssh %s: %s forwards to %s", k->peer, k->user, target);
	return 0;
}

/* Everything no callback took: only direct-tcpip is served, after login. */
int ssh_pipe_on_message(ssh_session session, ssh_message msg, void *userdata)
{
	struct ssh_conn *k = userdata;

	(void)session;
	if (k->authenticated && ssh_message_type(msg) == SSH_REQUEST_CHANNEL_OPEN &&
	    ssh_message_subtype(msg) == SSH_CHANNEL_DIRECT_TCPIP)
		return open_direct(k, msg);
	if (k->authenticated)
		log_info("ssh %s: %s: refused request type %d/%d", k->peer, k->user,
			 ssh_message_type(msg), ssh_message_subtype(msg));
	return 1;
}

/* Free a pipe: its stream (the daemon sees EOF) and its channel. */
void ssh_pipe_free(struct ssh_pipe *p)
{
	TAILQ_REMOVE(&p->conn->pipes, p, entry);
	if (p->bev != NULL)
		bufferevent_free(p->bev);
	event_free(p->start);
	free(p->command);
	if (p->early != NULL)
		evbuffer_free(p->early);
	ssh_remove_channel_callbacks(p->ch, &p->cb);
	ssh_channel_free(p->ch);
	free(p);
}

/* Free the pipes that finished during libssh's callbacks. */
void ssh_pipe_reap(struct ssh_conn *k)
{
	struct ssh_pipe *p, *next;

	for (p = TAILQ_FIRST(&k->pipes); p != NULL; p = next) {
		next = TAILQ_NEXT(p, entry);
		if (p->done)
			ssh_pipe_free(p);
	}
}
