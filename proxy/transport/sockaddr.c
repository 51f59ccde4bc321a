/* Socket addresses as written in configs and on command lines. */
#include "proxy/cause.h"
#include "proxy/transport/sockaddr.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

/* Fill a unix socket address for path. */
int sockaddr_unix(const char *path, struct sockaddr_storage *sa, socklen_t *len)
{
	struct sockaddr_un *un = (struct sockaddr_un *)sa;

	if (strlen(path) >= sizeof(un->sun_path))
		return -1;
	memset(sa, 0, sizeof(*sa));
	un->sun_family = AF_UNIX;
	strcpy(un->sun_path, path);
	*len = (socklen_t)sizeof(*un);
	return 0;
}

/* Split "HOST:PORT" or "[V6]:PORT" into its parts (host is written to buf). */
static int split_host_port(const char *s, char *buf, size_t cap, const char **port)
{
	const char *colon;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (end == NULL || end[1] != ':' || (size_t)(end - s - 1) >= cap)
			return -1;
		memcpy(buf, s + 1, (size_t)(end - s - 1));
		buf[end - s - 1] = '\0';
		*port = end + 2;
		return 0;
	}
	colon = strrchr(s, ':');
	if (colon == NULL || (size_t)(colon - s) >= cap)
		return -1;
	memcpy(buf, s, (size_t)(colon - s));
	buf[colon - s] = '\0';
	*port = colon + 1;
	return 0;
}

/* Resolve an address into sa. */
int sockaddr_parse(const char *address, struct sockaddr_storage *sa, socklen_t *len,
		   char **cause)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	char host[256];
	const char *port;
	int rc;

	*cause = NULL;
	if (strncmp(address, "unix:", 5) == 0) {
		if (sockaddr_unix(address + 5, sa, len) != 0)
			return cause_fail(cause, "%s: unix socket path too long", address);
		return 0;
	}
	if (split_host_port(address, host, sizeof(host), &port) != 0 || *port == '\0')
		return cause_fail(cause, "%s: expected unix:PATH or HOST:PORT", address);
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0)
		return cause_fail(cause, "%s: %s", address, gai_strerror(rc));
	memcpy(sa, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* Format a peer address for logs. */
void sockaddr_format(const struct sockaddr *sa, socklen_t len, char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN] = "?";

	(void)len;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(out, cap, "%s:%u", host, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(out, cap, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else {
		snprintf(out, cap, "unix");
	}
}

/* Turn off Nagle on a TCP socket. */
void sockaddr_set_nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Whether sa stays on this host. */
int sockaddr_is_local(const struct sockaddr *sa)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

	if (sa->sa_family == AF_UNIX)
		return 1;
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family != AF_INET6)
		return 0;
	if (IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
		return 1;
	return IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) && s6->sin6_addr.s6_addr[12] == 127;
}
