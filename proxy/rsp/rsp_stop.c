/* Thread ids and stop replies (see rsp_stop.h).
 *
 * Parsing is strict about the fixed parts (letter, two signal digits, the
 * values of the pairs gdbhub uses) and lenient about what it does not use:
 * register and unknown pairs are skipped unread, and the last pair may lack
 * its `;` (gdb accepts that for named pairs). When a reason appears twice,
 * the last one wins, as in gdb. */
#include "proxy/rsp/rsp_stop.h"

#include <limits.h>
#include <string.h>

#include "proxy/rsp/rsp_hex.h"

/* Output being built: writes stop at cap - 1 to keep room for the NUL. */
struct sbuf {
	char *out;
	size_t cap;
	size_t len;
	bool failed; /* out of room, or a value that cannot be written */
};

/* Append one character. */
static void sb_putc(struct sbuf *b, char c)
{
	if (b->len + 1 >= b->cap) {
		b->failed = true;
		return;
	}
	b->out[b->len++] = c;
}

/* Append a NUL-terminated string. */
static void sb_puts(struct sbuf *b, const char *s)
{
	while (*s)
		sb_putc(b, *s++);
}

/* Append v in lowercase hex without leading zeros. */
static void sb_put_hex(struct sbuf *b, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[16];
	int n = 0;

	do {
		tmp[n++] = digits[v & 0xf];
		v >>= 4;
	} while (v);
	while (n > 0)
		sb_putc(b, tmp[--n]);
}

/* Append exactly two lowercase hex digits. */
static void sb_put_byte(struct sbuf *b, uint8_t v)
{
	char tmp[2];

	rsp_hex_encode(tmp, &v, 1);
	sb_putc(b, tmp[0]);
	sb_putc(b, tmp[1]);
}

/* Append a thread-id part: `-1` for all, hex otherwise; other negatives
 * have no wire form. */
static void sb_put_id(struct sbuf *b, int64_t v)
{
	if (v == -1)
		sb_puts(b, "-1");
	else if (v < 0)
		b->failed = true;
	else
		sb_put_hex(b, (uint64_t)v);
}

/* Append a thread id in the multiprocess or plain form. */
static void sb_put_thread(struct sbuf *b, const struct rsp_thread_id *id,
			  bool multiprocess, int64_t default_pid)
{
	if (multiprocess) {
		sb_putc(b, 'p');
		sb_put_id(b, id->has_pid ? id->pid : default_pid);
		sb_putc(b, '.');
	}
	sb_put_id(b, id->tid);
}

/* NUL-terminate and return the length, or -1 if anything failed. */
static int sb_finish(struct sbuf *b)
{
	if (b->failed || b->cap == 0 || b->len > (size_t)INT_MAX)
		return -1;
	b->out[b->len] = '\0';
	return (int)b->len;
}

/* Parse `-1` or a hex number no larger than INT64_MAX. */
static int parse_id_part(const char **p, const char *end, int64_t *v)
{
	const char *s = *p;
	uint64_t u;

	if (s < end && *s == '-') {
		if (end - s < 2 || s[1] != '1')
			return -1;
		s += 2;
		if (s < end && rsp_hex_digit((uint8_t)*s) >= 0)
			return -1; /* `-10` is not -1 followed by something */
		*v = -1;
		*p = s;
		return 0;
	}
	if (rsp_parse_hex_u64(&s, end, &u) < 0 || u > (uint64_t)INT64_MAX)
		return -1;
	*v = (int64_t)u;
	*p = s;
	return 0;
}

/* Parse a thread id; *p and *id are untouched on failure. */
int rsp_parse_thread_id(const char **p, const char *end, struct rsp_thread_id *id)
{
	struct rsp_thread_id t = { .has_pid = false, .pid = 0, .tid = 0 };
	const char *s = *p;

	if (s < end && *s == 'p') {
		s++;
		t.has_pid = true;
		t.tid = -1; /* `pPID` alone: every thread of PID */
		if (parse_id_part(&s, end, &t.pid) < 0)
			return -1;
		if (s < end && *s == '.') {
			s++;
			if (parse_id_part(&s, end, &t.tid) < 0)
				return -1;
		}
	} else if (parse_id_part(&s, end, &t.tid) < 0) {
		return -1;
	}
	*id = t;
	*p = s;
	return 0;
}

/* Format a thread id; -1 also when an id part is below -1. */
int rsp_format_thread_id(char *out, size_t cap, const struct rsp_thread_id *id,
			 bool multiprocess, int64_t default_pid)
{
	struct sbuf b = { .out = out, .cap = cap };

	sb_put_thread(&b, id, multiprocess, default_pid);
	return sb_finish(&b);
}

/* Parse exactly two hex digits. */
static int parse_byte(const char **p, const char *end, uint8_t *v)
{
	const char *s = *p;
	int hi, lo;

	if (end - s < 2)
		return -1;
	hi = rsp_hex_digit((uint8_t)s[0]);
	lo = rsp_hex_digit((uint8_t)s[1]);
	if (hi < 0 || lo < 0)
		return -1;
	*v = (uint8_t)(hi << 4 | lo);
	*p = s + 2;
	return 0;
}

/* Parse a hex value that must fill [s, end) exactly. */
static int parse_whole_hex(const char *s, const char *end, uint64_t *v)
{
	if (rsp_parse_hex_u64(&s, end, v) < 0)
		return -1;
	return s == end ? 0 : -1;
}

/* Whether [name, name_end) spells lit. */
static bool name_is(const char *name, const char *name_end, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(name_end - name) == n && memcmp(name, lit, n) == 0;
}

/* The reason a watchpoint pair name stands for, or NONE. */
static enum rsp_stop_reason watch_reason(const char *name, const char *name_end)
{
	if (name_is(name, name_end, "watch"))
		return RSP_REASON_WATCH;
	if (name_is(name, name_end, "rwatch"))
		return RSP_REASON_RWATCH;
	if (name_is(name, name_end, "awatch"))
		return RSP_REASON_AWATCH;
	return RSP_REASON_NONE;
}

/* Apply one `name:value` pair of a T reply; unknown names are skipped. */
static int parse_pair(struct rsp_stop *st, const char *name, const char *name_end,
		      const char *val, const char *val_end)
{
	enum rsp_stop_reason watch = watch_reason(name, name_end);
	const char *s = val;

	if (name_is(name, name_end, "thread")) {
		if (rsp_parse_thread_id(&s, val_end, &st->thread) < 0 || s != val_end)
			return -1;
		st->has_thread = true;
	} else if (name_is(name, name_end, "core")) {
		if (parse_whole_hex(val, val_end, &st->core) < 0)
			return -1;
		st->has_core = true;
	} else if (watch != RSP_REASON_NONE) {
		if (parse_whole_hex(val, val_end, &st->watch_addr) < 0)
			return -1;
		st->reason = watch;
	} else if (name_is(name, name_end, "swbreak")) {
		st->reason = RSP_REASON_SWBREAK;
	} else if (name_is(name, name_end, "hwbreak")) {
		st->reason = RSP_REASON_HWBREAK;
	} else if (name_is(name, name_end, "guest-exception")) {
		uint64_t v;

		if (parse_whole_hex(val, val_end, &v) < 0 || v == 0 || v > 31)
			return -1;
		st->guest_vector = (uint8_t)v;
	}
	return 0;
}

/* Parse the `name:value;` pairs after `Tss`. */
static int parse_pairs(struct rsp_stop *st, const char *p, const char *end)
{
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *pair_end = semi ? semi : end;
		const char *colon = memchr(p, ':', (size_t)(pair_end - p));

		if (colon == NULL || colon == p)
			return -1;
		if (parse_pair(st, p, colon, colon + 1, pair_end) < 0)
			return -1;
		p = semi ? semi + 1 : end;
	}
	return 0;
}

/* Parse what may follow `Wss` or `Xss`: nothing or `;process:PID`. */
static int parse_process(struct rsp_stop *st, const char *p, const char *end)
{
	static const char prefix[] = ";process:";
	const size_t plen = sizeof(prefix) - 1;
	uint64_t pid;

	if (p == end)
		return 0;
	if ((size_t)(end - p) < plen || memcmp(p, prefix, plen) != 0)
		return -1;
	if (parse_whole_hex(p + plen, end, &pid) < 0 || pid > (uint64_t)INT64_MAX)
		return -1;
	st->has_pid = true;
	st->pid = (int64_t)pid;
	return 0;
}

/* Parse a stop reply; *stop is written only on success. */
int rsp_stop_parse(const char *s, size_t len, struct rsp_stop *stop)
{
	const char *p, *end;
	struct rsp_stop st;
	int r;

	if (s == NULL || len < 3)
		return -1;
	p = s + 1;
	end = s + len;
	memset(&st, 0, sizeof(st));
	if (parse_byte(&p, end, &st.signal) < 0)
		return -1;
	switch (s[0]) {
	case 'S':
		r = p == end ? 0 : -1;
		break;
	case 'T':
		r = parse_pairs(&st, p, end);
		break;
	case 'W':
		st.kind = RSP_STOP_EXITED;
		r = parse_process(&st, p, end);
		break;
	case 'X':
		st.kind = RSP_STOP_KILLED;
		r = parse_process(&st, p, end);
		break;
	default:
		r = -1;
		break;
	}
	if (r == 0)
		*stop = st;
	return r;
}

/* The pair name for a stop reason, or NULL for NONE or an unknown value. */
static const char *reason_name(enum rsp_stop_reason reason)
{
	switch (reason) {
	case RSP_REASON_SWBREAK:
		return "swbreak";
	case RSP_REASON_HWBREAK:
		return "hwbreak";
	case RSP_REASON_WATCH:
		return "watch";
	case RSP_REASON_RWATCH:
		return "rwatch";
	case RSP_REASON_AWATCH:
		return "awatch";
	default:
		return NULL;
	}
}

/* Append `Tss` and its pairs: thread, then reason, then core. */
static void put_signal_stop(struct sbuf *b, const struct rsp_stop *st,
			    bool multiprocess, int64_t default_pid)
{
	const char *reason = reason_name(st->reason);

	sb_putc(b, 'T');
	sb_put_byte(b, st->signal);
	if (st->has_thread) {
		sb_puts(b, "thread:");
		sb_put_thread(b, &st->thread, multiprocess, default_pid);
		sb_putc(b, ';');
	}
	if (st->reason != RSP_REASON_NONE && reason == NULL)
		b->failed = true;
	if (reason) {
		sb_puts(b, reason);
		sb_putc(b, ':');
		if (st->reason >= RSP_REASON_WATCH)
			sb_put_hex(b, st->watch_addr);
		sb_putc(b, ';');
	}
	if (st->has_core) {
		sb_puts(b, "core:");
		sb_put_hex(b, st->core);
		sb_putc(b, ';');
	}
}

/* Append `Wss` or `Xss`, and `;process:PID` when wanted. */
static void put_exit_stop(struct sbuf *b, char letter, const struct rsp_stop *st,
			  bool multiprocess)
{
	sb_putc(b, letter);
	sb_put_byte(b, st->signal);
	if (multiprocess && st->has_pid) {
		sb_puts(b, ";process:");
		sb_put_id(b, st->pid);
	}
}

/* Format a stop reply; -1 also for an unknown kind or reason. */
int rsp_stop_format(char *out, size_t cap, const struct rsp_stop *stop,
		    bool multiprocess, int64_t default_pid)
{
	struct sbuf b = { .out = out, .cap = cap };

	switch (stop->kind) {
	case RSP_STOP_SIGNAL:
		put_signal_stop(&b, stop, multiprocess, default_pid);
		break;
	case RSP_STOP_EXITED:
		put_exit_stop(&b, 'W', stop, multiprocess);
		break;
	case RSP_STOP_KILLED:
		put_exit_stop(&b, 'X', stop, multiprocess);
		break;
	default:
		b.failed = true;
		break;
	}
	return sb_finish(&b);
}

int rsp_stop_console(const char *s, size_t len, const char **hex, size_t *hexlen)
{
	static const char name[] = "gdbhub-console:";
	const size_t n = sizeof(name) - 1;
	const char *end = s + len, *p = s + 3; /* fields start after `TAA` */

	if (len < 3 || s[0] != 'T')
		return -1;
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));

		if (semi == NULL)
			return -1;
		if ((size_t)(semi - p) >= n && memcmp(p, name, n) == 0) {
			*hex = p + n;
			*hexlen = (size_t)(semi - p) - n;
			return 0;
		}
		p = semi + 1;
	}
	return -1;
}
