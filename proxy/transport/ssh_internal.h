/* Internal to the SSH door: a server, its connections, and the channels
 * each connection carries. */
#ifndef GDBHUB_SSH_INTERNAL_H
#define GDBHUB_SSH_INTERNAL_H

#include <stdbool.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>

#include "proxy/queue_compat.h"
#include "proxy/transport/ssh_server.h"

struct bufferevent;
struct evbuffer;
struct event;
struct ssh_conn;

/* One channel bound to one byte stream (an RSP session, or a reply text). */
struct ssh_pipe {
	TAILQ_ENTRY(ssh_pipe) entry;
	struct ssh_conn *conn;
	ssh_channel ch;
	struct ssh_channel_callbacks_struct cb;
	struct bufferevent *bev;    /* our end of the stream; NULL until attached */
	struct event *start;        /* runs the exec command outside libssh's callback */
	char *command;              /* the exec command, until started */
	struct evbuffer *early;     /* peer's bytes that came before the command ran */
	bool peer_eof;              /* the peer sent EOF */
	bool is_session;            /* a session channel (exit status makes sense) */
	bool window_wait;           /* stopped reading bev until the peer's window opens */
	bool done;                  /* finished: free after the current callback */
};

/* One SSH connection. */
struct ssh_conn {
	TAILQ_ENTRY(ssh_conn) entry;
	struct ssh_server *srv;
	ssh_session session;
	ssh_event sev;
	struct ssh_server_callbacks_struct cb;
	struct event *io;
	struct event *grace;
	int fd;
	char peer[96];
	char user[72];              /* set once authenticated */
	unsigned auth_failures;
	bool kex_done;
	bool authenticated;
	bool closing;               /* free once out of libssh's callbacks */
	bool in_libssh;             /* inside ssh_event_dopoll or the key exchange */
	bool want_write;
	TAILQ_HEAD(, ssh_pipe) pipes;
};

struct ssh_server {
	struct event_base *base;
	struct listener *l;
	ssh_bind bind;
	struct ssh_door door;
	unsigned n_unauthenticated;
	TAILQ_HEAD(, ssh_conn) conns;
};

/* ssh_conn.c */
void ssh_conn_accept(struct ssh_server *srv, int fd, const char *peer);
void ssh_conn_free(struct ssh_conn *k);
/* Drive libssh after something changed (data to send, a channel closed). */
void ssh_conn_kick(struct ssh_conn *k);

/* ssh_pipe.c */
ssh_channel ssh_pipe_open_session(ssh_session session, void *userdata);
int ssh_pipe_on_message(ssh_session session, ssh_message msg, void *userdata);
void ssh_pipe_free(struct ssh_pipe *p);
/* Free pipes marked done. */
void ssh_pipe_reap(struct ssh_conn *k);

#endif
