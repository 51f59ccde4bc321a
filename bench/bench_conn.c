/* A blocking RSP client connection with bounded waits. */
#include "bench/bench_conn.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_util.h"
#include "proxy/cause.h"
#include "proxy/rsp/rsp_frame.h"

#define DEFAULT_CAPACITY (64 * 1024)
#define MAX_RESENDS 3

struct bench_conn {
	int fd;
	pid_t child;            /* "| COMMAND": the command, reaped at close; else 0 */
	int timeout_ms;
	bool no_ack;
	size_t stray;           /* packets that came where an ack was due */
	struct rsp_decoder dec;
	uint8_t *dec_buf;       /* decoder buffer: capacity + 1 bytes */
	uint8_t *out;           /* the last packet sent, encoded */
	size_t out_cap;
	size_t out_len;
	size_t in_pos;          /* unread bytes are in[in_pos, in_len) */
	size_t in_len;
	uint8_t in[64 * 1024];
};

/* Milliseconds left until deadline (in ns), 0 when it has passed. */
static int ms_left(uint64_t deadline)
{
	uint64_t now = bench_now_ns();

	if (now >= deadline)
		return 0;
	return (int)((deadline - now + 999999) / 1000000);
}

/* The deadline timeout_ms from now. */
static uint64_t deadline_after(int timeout_ms)
{
	return bench_now_ns() + (uint64_t)timeout_ms * 1000000u;
}

/* Wait until fd is ready for events or the deadline passes. Returns 1 when
 * ready, 0 on timeout, -1 on error. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do {
		r = poll(&p, 1, ms_left(deadline));
	} while (r < 0 && errno == EINTR);
	return r;
}

/* Split "HOST:PORT" or "[V6]:PORT" into malloc'd host and port strings. */
static int split_host_port(const char *addr, char **host, char **port, char **cause)
{
	const char *colon, *start = addr, *end;

	if (addr[0] == '[') {
		end = strchr(addr, ']');
		if (end == NULL || end[1] != ':')
			return cause_fail(cause, "%s: expected [ADDRESS]:PORT", addr);
		start = addr + 1;
		colon = end + 1;
	} else {
		colon = strrchr(addr, ':');
		if (colon == NULL)
			return cause_fail(cause, "%s: expected HOST:PORT or unix:PATH", addr);
		end = colon;
	}
	if (colon[1] == '\0' || end == start)
		return cause_fail(cause, "%s: empty host or port", addr);
	*host = strndup(start, (size_t)(end - start));
	*port = strdup(colon + 1);
	return 0;
}

/* Finish a non-blocking connect on fd within the deadline. */
static int finish_connect(int fd, uint64_t deadline, const char *what, char **cause)
{
	int err = 0;
	socklen_t len = sizeof(err);
	int r = wait_fd(fd, POLLOUT, deadline);

	if (r == 0)
		return cause_fail(cause, "%s: connect timed out", what);
	if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return cause_fail(cause, "%s: %s", what, strerror(errno));
	if (err != 0)
		return cause_fail(cause, "%s: %s", what, strerror(err));
	return 0;
}

/* Connect fd to sa without blocking past the deadline. A unix listener with
 * a full backlog answers EAGAIN at once: retry until the deadline. */
static int connect_bounded(int fd, const struct sockaddr *sa, socklen_t salen,
			   uint64_t deadline, const char *what, char **cause)
{
	struct timespec pause = { .tv_nsec = 10 * 1000 * 1000 };

	while (connect(fd, sa, salen) < 0) {
		if (errno == EINPROGRESS)
			return finish_connect(fd, deadline, what, cause);
		if (errno != EAGAIN && errno != EINTR)
			return cause_fail(cause, "%s: %s", what, strerror(errno));
		if (ms_left(deadline) == 0)
			return cause_fail(cause, "%s: connect timed out", what);
		nanosleep(&pause, NULL);
	}
	return 0;
}

/* A non-blocking stream socket of the given family, or -1. */
static int stream_socket(int family)
{
	return socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

/* Connect to a unix socket path. Returns the fd or -1. */
static int open_unix(const char *path, uint64_t deadline, char **cause)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		cause_fail(cause, "unix:%s: path too long", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = stream_socket(AF_UNIX)) < 0) {
		cause_fail(cause, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect_bounded(fd, (struct sockaddr *)&sun, sizeof(sun), deadline,
			    path, cause) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* In the child: the socket becomes stdin and stdout, then sh runs command. */
static void exec_command(int fd, const char *command)
{
	if (dup2(fd, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0)
		_exit(127);
	if (fd > STDOUT_FILENO)
		close(fd);
	execl("/bin/sh", "sh", "-c", command, (char *)NULL);
	_exit(127);
}

/* "| COMMAND", as gdb's `target remote | COMMAND`: run COMMAND with
 * /bin/sh -c and speak RSP over its stdin and stdout, one end of a socket
 * pair (so send, recv and poll work as on a connection). Returns our end,
 * or -1; *child is the command's pid. */
static int open_pipe(const char *command, pid_t *child, char **cause)
{
	int sv[2];

	command += strspn(command, " \t");
	if (*command == '\0') {
		cause_fail(cause, "| COMMAND: empty command");
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		cause_fail(cause, "socketpair: %s", strerror(errno));
		return -1;
	}
	*child = fork();
	if (*child == 0)
		exec_command(sv[1], command);
	close(sv[1]);
	if (*child < 0) {
		cause_fail(cause, "fork: %s", strerror(errno));
		close(sv[0]);
		return -1;
	}
	return sv[0];
}

/* Reap the command: it sees end of input once our end is closed; one that
 * ignores that gets SIGTERM after a grace period. */
static void reap_child(pid_t child)
{
	struct timespec pause = { .tv_nsec = 10 * 1000 * 1000 };

	for (int i = 0; i < 200; i++) {
		if (waitpid(child, NULL, WNOHANG) != 0)
			return;
		nanosleep(&pause, NULL);
	}
	kill(child, SIGTERM);
	waitpid(child, NULL, 0);
}

/* Try one resolved TCP address; returns the fd or -1 (setting *cause). */
static int open_tcp_one(const struct addrinfo *ai, uint64_t deadline,
			const char *addr, char **cause)
{
	int one = 1;
	int fd = stream_socket(ai->ai_family);

	if (fd < 0) {
		cause_fail(cause, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect_bounded(fd, ai->ai_addr, ai->ai_addrlen, deadline, addr, cause) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0) {
		if (*cause == NULL)
			cause_fail(cause, "%s: TCP_NODELAY: %s", addr, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Connect to HOST:PORT, trying each resolved address. Returns the fd or -1. */
static int open_tcp(const char *addr, uint64_t deadline, char **cause)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	char *host = NULL, *port = NULL;
	int fd = -1, r;

	if (split_host_port(addr, &host, &port, cause) < 0)
		return -1;
	r = getaddrinfo(host, port, &hints, &res);
	free(host);
	free(port);
	if (r != 0) {
		cause_fail(cause, "%s: %s", addr, gai_strerror(r));
		return -1;
	}
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		free(*cause);
		*cause = NULL;
		fd = open_tcp_one(ai, deadline, addr, cause);
	}
	freeaddrinfo(res);
	return fd;
}

/* Put fd back into blocking mode: waits are bounded by poll instead. */
static int set_blocking(int fd, char **cause)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return cause_fail(cause, "fcntl: %s", strerror(errno));
	return 0;
}

/* Connect and allocate the connection. */
int bench_conn_open(const char *address, int timeout_ms, struct bench_conn **out,
		    char **cause)
{
	uint64_t deadline = deadline_after(timeout_ms);
	struct bench_conn *c;
	pid_t child = 0;
	int fd;

	*out = NULL;
	*cause = NULL;
	if (address[0] == '|')
		fd = open_pipe(address + 1, &child, cause);
	else if (strncmp(address, "unix:", 5) == 0)
		fd = open_unix(address + 5, deadline, cause);
	else
		fd = open_tcp(address, deadline, cause);
	if (fd < 0)
		return -1;
	if (set_blocking(fd, cause) < 0 || (c = calloc(1, sizeof(*c))) == NULL) {
		if (*cause == NULL)
			cause_fail(cause, "out of memory");
		close(fd);
		if (child > 0)
			reap_child(child);
		return -1;
	}
	c->fd = fd;
	c->child = child;
	c->timeout_ms = timeout_ms;
	if (bench_conn_set_capacity(c, DEFAULT_CAPACITY, cause) < 0) {
		bench_conn_close(c);
		return -1;
	}
	*out = c;
	return 0;
}

/* Close and free. */
void bench_conn_close(struct bench_conn *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	if (c->child > 0)
		reap_child(c->child);
	free(c->dec_buf);
	free(c->out);
	free(c);
}

/* Replace the decoder buffer; only between packets (the decoder restarts). */
int bench_conn_set_capacity(struct bench_conn *c, size_t cap, char **cause)
{
	uint8_t *buf = malloc(cap + 1);

	if (buf == NULL)
		return cause_fail(cause, "out of memory for a %zu-byte reply buffer", cap);
	free(c->dec_buf);
	c->dec_buf = buf;
	rsp_decoder_init(&c->dec, buf, cap);
	return 0;
}

/* Switch acknowledgements on or off. */
void bench_conn_set_no_ack(struct bench_conn *c, bool no_ack)
{
	c->no_ack = no_ack;
}

/* Write all of buf within the deadline. */
static int write_all(struct bench_conn *c, const uint8_t *buf, size_t len,
		     uint64_t deadline, char **cause)
{
	ssize_t n;

	while (len > 0) {
		n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return cause_fail(cause, "send: %s", strerror(errno));
		if (wait_fd(c->fd, POLLOUT, deadline) == 0)
			return cause_fail(cause, "send timed out after %d ms", c->timeout_ms);
	}
	return 0;
}

/* Read more input into c->in (which is empty) within the deadline. */
static int read_more(struct bench_conn *c, uint64_t deadline, char **cause)
{
	ssize_t n;
	int r = wait_fd(c->fd, POLLIN, deadline);

	if (r == 0)
		return cause_fail(cause, "no reply within %d ms", c->timeout_ms);
	if (r < 0)
		return cause_fail(cause, "poll: %s", strerror(errno));
	do {
		n = recv(c->fd, c->in, sizeof(c->in), MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n == 0)
		return cause_fail(cause, "connection closed by the peer");
	if (n < 0)
		return cause_fail(cause, "recv: %s", strerror(errno));
	c->in_pos = 0;
	c->in_len = (size_t)n;
	return 0;
}

/* Decode input until the next event, reading as needed. */
static int next_event(struct bench_conn *c, struct rsp_event *ev, uint64_t deadline,
		      char **cause)
{
	for (;;) {
		if (c->in_pos < c->in_len) {
			c->in_pos += rsp_decoder_feed(&c->dec, c->in + c->in_pos,
						      c->in_len - c->in_pos, ev);
			if (ev->kind != RSP_EV_NONE)
				return 0;
		}
		if (read_more(c, deadline, cause) < 0)
			return -1;
	}
}

/* Describe a frame event the client never accepts. */
static int bad_event(const struct bench_conn *c, const struct rsp_event *ev, char **cause)
{
	switch (ev->kind) {
	case RSP_EV_BAD_CHECKSUM:
		return cause_fail(cause, "received a packet with a bad checksum");
	case RSP_EV_MALFORMED:
		return cause_fail(cause, "received a malformed packet");
	case RSP_EV_OVERFLOW:
		return cause_fail(cause, "received a packet longer than %zu bytes", c->dec.cap);
	case RSP_EV_INTERRUPT:
		return cause_fail(cause, "received an unexpected 0x03");
	case RSP_EV_NAK:
		return cause_fail(cause, "received an unexpected '-' in no-ack mode");
	default:
		return cause_fail(cause, "received an unexpected event %d", (int)ev->kind);
	}
}

/* Resend the last packet after a `-`, at most MAX_RESENDS times. */
static int resend(struct bench_conn *c, int *resends, uint64_t deadline, char **cause)
{
	if (++*resends > MAX_RESENDS)
		return cause_fail(cause, "packet refused with '-' %d times", MAX_RESENDS);
	return write_all(c, c->out, c->out_len, deadline, cause);
}

/* A packet came instead of the `+` we wait for (QEMU sends a stop reply to a
 * new connection while the VM runs): acknowledge it, count it, ignore it, as
 * gdb does ("Packet instead of Ack, ignoring it"). */
static int ack_stray(struct bench_conn *c, uint64_t deadline, char **cause)
{
	c->stray++;
	return write_all(c, (const uint8_t *)"+", 1, deadline, cause);
}

/* In ack mode, wait for the `+` of the packet just sent. */
static int wait_ack(struct bench_conn *c, uint64_t deadline, char **cause)
{
	struct rsp_event ev;
	int resends = 0;

	for (;;) {
		if (next_event(c, &ev, deadline, cause) < 0)
			return -1;
		if (ev.kind == RSP_EV_ACK)
			return 0;
		if (ev.kind == RSP_EV_NAK) {
			if (resend(c, &resends, deadline, cause) < 0)
				return -1;
			continue;
		}
		if (ev.kind == RSP_EV_PACKET) {
			if (ack_stray(c, deadline, cause) < 0)
				return -1;
			continue;
		}
		if (ev.kind != RSP_EV_NOTIFICATION)
			return bad_event(c, &ev, cause);
	}
}

/* Make room for an encoded packet of up to need bytes. */
static int reserve_out(struct bench_conn *c, size_t need, char **cause)
{
	uint8_t *p;

	if (need <= c->out_cap)
		return 0;
	if ((p = realloc(c->out, need)) == NULL)
		return cause_fail(cause, "out of memory");
	c->out = p;
	c->out_cap = need;
	return 0;
}

/* Encode and send one packet, then wait for its ack in ack mode. */
int bench_conn_send(struct bench_conn *c, const void *payload, size_t len, char **cause)
{
	uint64_t deadline = deadline_after(c->timeout_ms);

	*cause = NULL;
	if (reserve_out(c, RSP_ENCODED_MAX(len), cause) < 0)
		return -1;
	c->out_len = rsp_encode_packet(c->out, c->out_cap, payload, len);
	if (c->out_len == 0)
		return cause_fail(cause, "cannot encode a %zu-byte packet", len);
	if (write_all(c, c->out, c->out_len, deadline, cause) < 0)
		return -1;
	return c->no_ack ? 0 : wait_ack(c, deadline, cause);
}

/* Sort one event met while waiting for a packet: 1 a packet, 0 an event
 * to skip (an ack, a notification, a `-` answered by resending), -1 an
 * event never accepted. */
static int sort_event(struct bench_conn *c, const struct rsp_event *ev, int *resends,
		      uint64_t deadline, char **cause)
{
	if (ev->kind == RSP_EV_PACKET)
		return 1;
	if (ev->kind == RSP_EV_ACK || ev->kind == RSP_EV_NOTIFICATION)
		return 0;
	if (ev->kind == RSP_EV_NAK && !c->no_ack)
		return resend(c, resends, deadline, cause) < 0 ? -1 : 0;
	return bad_event(c, ev, cause);
}

/* Hand out the packet ev, acknowledging it in ack mode. */
static int deliver(struct bench_conn *c, const struct rsp_event *ev, const uint8_t **reply,
		   size_t *len, uint64_t deadline, char **cause)
{
	if (!c->no_ack && write_all(c, (const uint8_t *)"+", 1, deadline, cause) < 0)
		return -1;
	*reply = ev->payload;
	*len = ev->len;
	return 0;
}

/* Wait for the next packet and acknowledge it in ack mode. */
int bench_conn_recv(struct bench_conn *c, const uint8_t **reply, size_t *len,
		    char **cause)
{
	uint64_t deadline = deadline_after(c->timeout_ms);
	struct rsp_event ev;
	int resends = 0, r;

	*cause = NULL;
	do {
		if (next_event(c, &ev, deadline, cause) < 0)
			return -1;
		r = sort_event(c, &ev, &resends, deadline, cause);
	} while (r == 0);
	if (r < 0)
		return -1;
	return deliver(c, &ev, reply, len, deadline, cause);
}

/* Read what the socket holds now into c->in (which is empty) without
 * waiting: 1 bytes came, 0 nothing there, -1 closed or failed. */
static int read_now(struct bench_conn *c, char **cause)
{
	ssize_t n;

	do {
		n = recv(c->fd, c->in, sizeof(c->in), MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n == 0)
		return cause_fail(cause, "connection closed by the peer");
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n < 0)
		return cause_fail(cause, "recv: %s", strerror(errno));
	c->in_pos = 0;
	c->in_len = (size_t)n;
	return 1;
}

/* The next packet if one can be had without waiting. */
int bench_conn_try_recv(struct bench_conn *c, const uint8_t **reply, size_t *len,
			char **cause)
{
	uint64_t deadline = deadline_after(c->timeout_ms);
	struct rsp_event ev = { .kind = RSP_EV_NONE };
	int resends = 0, r;

	*cause = NULL;
	for (;;) {
		if (c->in_pos < c->in_len) {
			c->in_pos += rsp_decoder_feed(&c->dec, c->in + c->in_pos,
						      c->in_len - c->in_pos, &ev);
			if (ev.kind == RSP_EV_NONE)
				continue;
			r = sort_event(c, &ev, &resends, deadline, cause);
			if (r < 0)
				return -1;
			if (r == 1)
				return deliver(c, &ev, reply, len, deadline, cause) < 0 ? -1 : 1;
			continue;
		}
		r = read_now(c, cause);
		if (r <= 0)
			return r;
	}
}

/* Whether received bytes wait to be decoded (poll cannot see them). */
bool bench_conn_buffered(const struct bench_conn *c)
{
	return c->in_pos < c->in_len;
}

/* The socket, for poll. */
int bench_conn_fd(const struct bench_conn *c)
{
	return c->fd;
}

/* Write raw bytes outside any packet. */
int bench_conn_send_raw(struct bench_conn *c, const void *buf, size_t len, char **cause)
{
	*cause = NULL;
	return write_all(c, buf, len, deadline_after(c->timeout_ms), cause);
}

/* Send a NUL-terminated payload and wait for its reply. */
int bench_conn_request(struct bench_conn *c, const char *payload,
		       const uint8_t **reply, size_t *len, char **cause)
{
	if (bench_conn_send(c, payload, strlen(payload), cause) < 0)
		return -1;
	return bench_conn_recv(c, reply, len, cause);
}

/* Packets ignored because they came where an ack was due. */
size_t bench_conn_stray(const struct bench_conn *c)
{
	return c->stray;
}
