/* One SSH connection on the daemon's loop: key exchange, public-key login
 * within the grace time and the allowed tries, then channels (ssh_pipe.c).
 *
 * libssh runs non-blocking here. Whenever the socket is readable, or
 * writable while libssh has output queued, we let libssh work
 * (ssh_handle_key_exchange, then ssh_event_dopoll with no wait); its
 * callbacks run inside that call. A connection or channel that must go is
 * only marked there, and freed once libssh has returned. */
#include "proxy/transport/ssh_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "proxy/log.h"
#include "proxy/transport/ssh_keys.h"

static void conn_drive(struct ssh_conn *k);

/* The socket is ready, or the grace time is up. */
static void on_io(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_drive(arg);
}

static void on_grace(evutil_socket_t fd, short what, void *arg)
{
	struct ssh_conn *k = arg;

	(void)fd;
	(void)what;
	log_warn("ssh %s: closed: not logged in within the grace time", k->peer);
	ssh_conn_free(k);
}

/* Watch for writability only while libssh has output it could not send. */
static void update_interest(struct ssh_conn *k)
{
	bool want = (ssh_get_poll_flags(k->session) & SSH_WRITE_PENDING) != 0;

	if (want == k->want_write)
		return;
	k->want_write = want;
	event_del(k->io);
	event_assign(k->io, k->srv->base, k->fd, EV_READ | EV_PERSIST | (want ? EV_WRITE : 0),
		     on_io, k);
	event_add(k->io, NULL);
}

/* A login failed: count it, and hang up past max_auth_tries as sshd does. */
static int deny(struct ssh_conn *k, const char *user, const char *why)
{
	unsigned max = k->srv->door.limits(k->srv->door.arg)->max_auth_tries;

	k->auth_failures++;
	log_warn("ssh %s: login as %s refused: %s (%u of %u tries)", k->peer, user, why,
		 k->auth_failures, max);
	k->srv->door.note(k->srv->door.arg, "login_denied", user, k->peer, why);
	if (k->auth_failures >= max)
		k->closing = true;
	return SSH_AUTH_DENIED;
}

/* Public-key login. Both the probe ("would this key do?") and the signed
 * attempt check the key against the user's list: a probe answered yes for
 * any key would tell a scanner which users exist and waste a signature. */
static int on_auth_pubkey(ssh_session session, const char *user, struct ssh_key_struct *key,
			  char state, void *arg)
{
	struct ssh_conn *k = arg;
	const char *keys = k->srv->door.keys_of(k->srv->door.arg, user);

	(void)session;
	if (keys == NULL)
		return deny(k, user, "no such user");
	if (!ssh_key_authorized(keys, key))
		return deny(k, user, "key not in the user's authorized_keys");
	if (state == SSH_PUBLICKEY_STATE_NONE)
		return SSH_AUTH_SUCCESS;
	if (state != SSH_PUBLICKEY_STATE_VALID)
		return deny(k, user, "bad signature");
	k->authenticated = true;
	k->srv->n_unauthenticated--;
	snprintf(k->user, sizeof(k->user), "%s", user);
	evtimer_del(k->grace);
	log_info("ssh %s: %s logged in", k->peer, user);
	k->srv->door.note(k->srv->door.arg, "login", user, k->peer, NULL);
	return SSH_AUTH_SUCCESS;
}

/* Run libssh until it would block; then free what its callbacks retired. */
static void conn_drive(struct ssh_conn *k)
{
	int rc = SSH_OK;

	k->in_libssh = true;
	if (!k->kex_done) {
		rc = ssh_handle_key_exchange(k->session);
		if (rc == SSH_OK) {
			k->kex_done = true;
			ssh_event_add_session(k->sev, k->session);
		}
	}
	if (k->kex_done)
		rc = ssh_event_dopoll(k->sev, 0);
	k->in_libssh = false;
	ssh_pipe_reap(k);
	if (rc == SSH_ERROR || k->closing || !ssh_is_connected(k->session)) {
		if (!k->closing && k->authenticated)
			log_info("ssh %s: %s disconnected", k->peer, k->user);
		else if (rc == SSH_ERROR && !k->kex_done)
			log_warn("ssh %s: key exchange failed: %s", k->peer, ssh_get_error(k->session));
		ssh_conn_free(k);
		return;
	}
	update_interest(k);
}

void ssh_conn_kick(struct ssh_conn *k)
{
	if (!k->in_libssh)
		conn_drive(k);
}

/* Set up the session: only public keys, our callbacks, no blocking. */
static int setup_session(struct ssh_conn *k, int fd)
{
	k->session = ssh_new();
	k->sev = ssh_event_new();
	if (k->session == NULL || k->sev == NULL ||
	    ssh_bind_accept_fd(k->srv->bind, k->session, fd) != SSH_OK)
		return -1;
	k->cb = (struct ssh_server_callbacks_struct){
		.userdata = k,
		.auth_pubkey_function = on_auth_pubkey,
		.channel_open_request_session_function = ssh_pipe_open_session,
	};
	ssh_callbacks_init(&k->cb);
	if (ssh_set_server_callbacks(k->session, &k->cb) != SSH_OK)
		return -1;
	/* Everything the callbacks do not take (port forwarding, X11, agent,
	 * global requests) reaches this one handler, which refuses it. */
	ssh_set_message_callback(k->session, ssh_pipe_on_message, k);
	ssh_set_auth_methods(k->session, SSH_AUTH_METHOD_PUBLICKEY);
	ssh_set_blocking(k->session, 0);
	return 0;
}

void ssh_conn_accept(struct ssh_server *srv, int fd, const char *peer)
{
	struct ssh_conn *k = calloc(1, sizeof(*k));
	struct timeval grace = { 0, 0 };

	if (k == NULL) {
		close(fd);
		return;
	}
	k->srv = srv;
	k->fd = fd;
	snprintf(k->peer, sizeof(k->peer), "%s", peer);
	TAILQ_INIT(&k->pipes);
	TAILQ_INSERT_TAIL(&srv->conns, k, entry);
	srv->n_unauthenticated++;
	k->io = event_new(srv->base, fd, EV_READ | EV_PERSIST, on_io, k);
	k->grace = evtimer_new(srv->base, on_grace, k);
	if (k->io == NULL || k->grace == NULL || setup_session(k, fd) != 0) {
		log_error("ssh %s: cannot set up the session", peer);
		ssh_conn_free(k);
		return;
	}
	grace.tv_sec = srv->door.limits(srv->door.arg)->login_grace_s;
	evtimer_add(k->grace, &grace);
	event_add(k->io, NULL);
	log_info("ssh %s: connected", peer);
	conn_drive(k);
}

/* Close the connection and every channel on it. */
void ssh_conn_free(struct ssh_conn *k)
{
	struct ssh_pipe *p;

	while ((p = TAILQ_FIRST(&k->pipes)) != NULL)
		ssh_pipe_free(p);
	TAILQ_REMOVE(&k->srv->conns, k, entry);
	if (!k->authenticated)
		k->srv->n_unauthenticated--;
	if (k->io != NULL)
		event_free(k->io);
	if (k->grace != NULL)
		event_free(k->grace);
	if (k->sev != NULL) {
		if (k->kex_done)
			ssh_event_remove_session(k->sev, k->session);
		ssh_event_free(k->sev);
	}
	if (k->session != NULL) {
		ssh_disconnect(k->session);
		ssh_free(k->session); /* closes fd: the session owns it since accept */
	} else {
		close(k->fd);
	}
	free(k);
}
