/* RSP over one socket, for the supervisor: the daemon's side and each
 * QEMU's gdbstub. The codec is proxy/rsp's. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backends/replay/sup/sup.h"

void link_init(struct link *l, int fd)
{
	l->fd = fd;
	l->acks = true;
	l->in_len = l->in_off = 0;
	rsp_decoder_init(&l->dec, l->dbuf, SUP_PACKET_MAX);
}

int link_fill(struct link *l, bool wait)
{
	ssize_t n;

	if (l->in_off < l->in_len)
		return 0;
	do
		n = recv(l->fd, l->in, sizeof(l->in), wait ? 0 : MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n <= 0)
		return -1;
	l->in_off = 0;
	l->in_len = (size_t)n;
	return 0;
}

struct rsp_event link_next(struct link *l)
{
	struct rsp_event ev = { .kind = RSP_EV_NONE };

	while (l->in_off < l->in_len && ev.kind == RSP_EV_NONE)
		l->in_off += rsp_decoder_feed(&l->dec, l->in + l->in_off, l->in_len - l->in_off, &ev);
	return ev;
}

int link_send_raw(struct link *l, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = send(l->fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int link_send(struct link *l, const char *payload, size_t len)
{
	static uint8_t out[RSP_ENCODED_MAX(SUP_PACKET_MAX)];
	size_t n = rsp_encode_packet(out, sizeof(out), (const uint8_t *)payload, len);

	return n == 0 ? -1 : link_send_raw(l, out, n);
}

int link_wait(struct link *l, char *out, size_t cap)
{
	for (;;) {
		struct rsp_event ev = link_next(l);

		if (ev.kind == RSP_EV_PACKET) {
			size_t n = ev.len < cap - 1 ? ev.len : cap - 1;

			memcpy(out, ev.payload, n);
			out[n] = '\0';
			return l->acks ? link_send_raw(l, "+", 1) : 0;
		}
		if (ev.kind == RSP_EV_NONE && link_fill(l, true) != 0)
			return -1;
	}
}

int link_call(struct link *l, const char *payload, char *out, size_t cap)
{
	if (link_send(l, payload, strlen(payload)) != 0)
		return -1;
	return link_wait(l, out, cap);
}
