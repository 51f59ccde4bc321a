/* The SSH door's listening side: the host key, the bind, accepting. */
#include "proxy/transport/ssh_internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxy/cause.h"
#include "proxy/log.h"
#include "proxy/transport/listener.h"
#include "proxy/transport/ssh_keys.h"

/* A TCP connection arrived: refuse it at once past MaxStartups, as sshd does,
 * so a flood of half-open logins cannot pile up. */
static void on_accept(void *arg, int fd, const char *peer)
{
	struct ssh_server *srv = arg;
	unsigned max = srv->door.limits(srv->door.arg)->max_startups;

	if (srv->n_unauthenticated >= max) {
		log_warn("ssh %s: refused: %u connections are still logging in (max_startups)", peer,
			 srv->n_unauthenticated);
		close(fd);
		return;
	}
	ssh_conn_accept(srv, fd, peer);
}

/* The bind holds what every session copies: the host key and the algorithms. */
static int make_bind(struct ssh_server *srv, const char *state_dir, char **cause)
{
	bool no = false;
	char *key = ssh_host_key_path(state_dir, cause);
	int rc;

	if (key == NULL)
		return -1;
	srv->bind = ssh_bind_new();
	rc = srv->bind == NULL ? SSH_ERROR :
	     /* Never read the system's sshd_config: our policy is in our config. */
	     ssh_bind_options_set(srv->bind, SSH_BIND_OPTIONS_PROCESS_CONFIG, &no);
	if (rc == SSH_OK)
		rc = ssh_bind_options_set(srv->bind, SSH_BIND_OPTIONS_HOSTKEY, key);
	free(key);
	if (rc != SSH_OK)
		return cause_fail(cause, "cannot set up the SSH server: %s",
				  srv->bind ? ssh_get_error(srv->bind) : "out of memory");
	return 0;
}

struct ssh_server *ssh_server_create(struct event_base *base, const struct cfg_listen *cfg,
				     const char *state_dir, const struct ssh_door *door,
				     char **cause)
{
	struct ssh_server *srv = calloc(1, sizeof(*srv));

	*cause = NULL;
	if (srv == NULL || ssh_init() != SSH_OK) {
		free(srv);
		cause_fail(cause, "cannot start libssh");
		return NULL;
	}
	srv->base = base;
	srv->door = *door;
	TAILQ_INIT(&srv->conns);
	if (make_bind(srv, state_dir, cause) != 0 ||
	    (srv->l = listener_create(base, cfg, on_accept, srv, cause)) == NULL) {
		ssh_server_destroy(srv);
		return NULL;
	}
	return srv;
}

void ssh_server_destroy(struct ssh_server *srv)
{
	struct ssh_conn *k;

	if (srv == NULL)
		return;
	while ((k = TAILQ_FIRST(&srv->conns)) != NULL)
		ssh_conn_free(k);
	listener_destroy(srv->l);
	if (srv->bind != NULL)
		ssh_bind_free(srv->bind);
	free(srv);
}

const char *ssh_server_describe(const struct ssh_server *srv)
{
	return listener_describe(srv->l);
}
