/* Socket addresses as written in configs and on command lines:
 * "unix:PATH", "HOST:PORT", "[V6]:PORT". */
#ifndef GDBHUB_SOCKADDR_H
#define GDBHUB_SOCKADDR_H

#include <sys/socket.h>

/* Resolve an address into sa (numeric hosts and names; the first result).
 * Returns 0, or -1 with *cause set (malloc'd). */
int sockaddr_parse(const char *address, struct sockaddr_storage *sa, socklen_t *len,
		   char **cause);

/* Fill a unix socket address for path. Returns 0, or -1 if it is too long. */
int sockaddr_unix(const char *path, struct sockaddr_storage *sa, socklen_t *len);

/* Format a peer address for logs ("127.0.0.1:5432", "unix"). */
void sockaddr_format(const struct sockaddr *sa, socklen_t len, char *out, size_t cap);

/* Whether sa is a loopback address (127/8, ::1, ::ffff:127/104) or a unix
 * socket: only these stay on this host. */
int sockaddr_is_local(const struct sockaddr *sa);

/* Turn off Nagle on a TCP socket: RSP is request/response and every
 * delayed segment is a delayed round trip. */
void sockaddr_set_nodelay(int fd);

#endif
