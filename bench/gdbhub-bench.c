/* gdbhub-bench: measure a GDB remote stub (QEMU's, a relay, gdbhub) from the
 * client side: `g` round trip, single-step rate, memory read throughput.
 * With --fanout: how long a stop takes to reach one controller and many
 * observers of one gdbhub target (bench_fanout.h).
 *
 * Exit status: 0 all measured, 1 error (figures so far are still printed),
 * 2 usage, 3 the target exited while stepping (the rest is skipped). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_conn.h"
#include "bench/bench_fanout.h"
#include "bench/bench_measure.h"
#include "bench/bench_util.h"
#include "proxy/cause.h"

struct options {
	const char *address;
	size_t rounds;
	size_t steps;
	struct bench_region region;
	int timeout_ms;
	bool ack;
	bool json;
	bool rounds_set;          /* --rounds given */
	size_t fanout;            /* --fanout N; 0: the usual measurements */
	const char *observe;      /* --observe-address */
	unsigned settle_us;
	bool hold;
};

/* Fan-out rounds unless --rounds says otherwise. */
#define FANOUT_ROUNDS 200

static const char usage_text[] =
	"usage: gdbhub-bench ADDRESS [options]\n"
	"       gdbhub-bench --fanout N --observe-address ADDR2 ADDRESS [options]\n"
	"  ADDRESS        host:port, [v6]:port or unix:PATH of a GDB stub, or\n"
	"                 '| COMMAND': run COMMAND with /bin/sh -c and speak RSP over\n"
	"                 its stdin and stdout, as gdb's target remote | COMMAND\n"
	"                 ('| ssh -p 2222 alice@host attach vm1'); so may ADDR2\n"
	"  --rounds N     g round trips (default 2000, 0 skips)\n"
	"  --steps N      single steps (default 5000, 0 skips)\n"
	"  --bytes N      bytes read with m, and with x (default 4M, 0 skips)\n"
	"  --addr HEX     start of the memory read (default 0x100000)\n"
	"  --region N     reads wrap around after N bytes (default 1M)\n"
	"  --chunk N      bytes per read packet (default: the largest PacketSize allows)\n"
	"  --timeout SEC  wait at most SEC seconds for any reply (default 10)\n"
	"  --ack          keep acknowledgements even if the peer offers no-ack mode\n"
	"  --json         print one JSON object instead of text\n"
	"Fan-out (gdbhub): a controller on ADDRESS, observers of the same target:\n"
	"  --fanout N     N clients, the controller and N-1 observers; each round\n"
	"                 all resume, the controller interrupts, every stop reply is\n"
	"                 timed (--rounds K rounds, default 200)\n"
	"  --observe-address ADDR\n"
	"                 where the observers connect (an observe listener)\n"
	"  --settle US    without acks: pause after the resumes so that they are\n"
	"                 served before the interrupt (default 1000; grows on races)\n"
	"  --hold         only connect and handshake the N clients, print 'ready',\n"
	"                 stay idle until stdin ends\n"
	"N takes a k or M suffix (KiB, MiB).\n";

/* Print usage to stderr and return the usage exit status. */
static int usage(void)
{
	fputs(usage_text, stderr);
	return 2;
}

/* Parse a number with an optional k/K/m/M suffix (base 10, or 0x hex). */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || s[0] == '-')
		return -1;
	if (*end == 'k' || *end == 'K')
		v *= 1024, end++;
	else if (*end == 'm' || *end == 'M')
		v *= 1024 * 1024, end++;
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* Parse a hex address, with or without 0x. */
static int parse_hex(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 16);
	return (errno != 0 || end == s || *end != '\0' || s[0] == '-') ? -1 : 0;
}

/* Apply one option with its argument; returns 0 or -1 on a bad value. */
static int apply_option(struct options *o, int opt, const char *arg)
{
	uint64_t v = 0;
	int r = opt == 'a' ? parse_hex(arg, &v) : parse_size(arg, &v);

	if (r < 0)
		return -1;
	switch (opt) {
	case 'r': o->rounds = (size_t)v; o->rounds_set = true; break;
	case 'f': o->fanout = (size_t)v; return v == 0 || v > 4096 ? -1 : 0;
	case 'S': o->settle_us = (unsigned)v; return v > 1000000 ? -1 : 0;
	case 's': o->steps = (size_t)v; break;
	case 'b': o->region.bytes = v; break;
	case 'a': o->region.addr = v; break;
	case 'R': o->region.size = v; return v == 0 ? -1 : 0;
	case 'c': o->region.chunk = (size_t)v; break;
	case 't': o->timeout_ms = (int)(v * 1000); return v == 0 || v > 86400 ? -1 : 0;
	}
	return 0;
}

/* Fan-out options go together; returns 0 or -1 after printing the problem. */
static int check_fanout_options(struct options *o)
{
	if (o->fanout == 0 && (o->observe != NULL || o->hold)) {
		fputs("gdbhub-bench: --observe-address and --hold need --fanout\n", stderr);
		return -1;
	}
	if (o->fanout > 1 && o->observe == NULL) {
		fputs("gdbhub-bench: --fanout N > 1 needs --observe-address\n", stderr);
		return -1;
	}
	if (o->fanout > 0 && !o->rounds_set)
		o->rounds = FANOUT_ROUNDS;
	return 0;
}

/* Parse argv into o; returns 0 or -1 after printing the problem. */
static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "rounds", required_argument, NULL, 'r' },
		{ "steps", required_argument, NULL, 's' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "addr", required_argument, NULL, 'a' },
		{ "region", required_argument, NULL, 'R' },
		{ "chunk", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "ack", no_argument, NULL, 'k' },
		{ "fanout", required_argument, NULL, 'f' },
		{ "observe-address", required_argument, NULL, 'o' },
		{ "settle", required_argument, NULL, 'S' },
		{ "hold", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt;

	*o = (struct options){ .rounds = 2000, .steps = 5000, .timeout_ms = 10000, .settle_us = 1000,
		.region = { .addr = 0x100000, .size = 1 << 20, .bytes = 4 << 20 } };
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (opt == 'j') {
			o->json = true;
		} else if (opt == 'k') {
			o->ack = true;
		} else if (opt == 'H') {
			o->hold = true;
		} else if (opt == 'o') {
			o->observe = optarg;
		} else if (opt == 'h' || opt == '?') {
			return -1;
		} else if (apply_option(o, opt, optarg) < 0) {
			fprintf(stderr, "gdbhub-bench: bad value '%s'\n", optarg);
			return -1;
		}
	}
	if (optind != argc - 1)
		return -1;
	o->address = argv[optind];
	return check_fanout_options(o);
}

/* Print a JSON string value with the few escapes our strings can need. */
static void json_string(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

/* Print a JSON string value, or null for NULL or an empty string. */
static void json_string_or_null(const char *s)
{
	if (s != NULL && s[0] != '\0')
		json_string(s);
	else
		fputs("null", stdout);
}

/* Print `"key": ` with the separator before it. */
static void json_key(const char *key)
{
	printf(", \"%s\": ", key);
}

/* Print "key": number with the given precision, or null when absent. */
static void json_num(const char *key, bool present, double v, int prec)
{
	json_key(key);
	if (present)
		printf("%.*f", prec, v);
	else
		fputs("null", stdout);
}

/* Print "key": true/false. */
static void json_bool(const char *key, bool v)
{
	json_key(key);
	fputs(v ? "true" : "false", stdout);
}

/* JSON figures of one memory read; prefix is "m" or "x". */
static void json_read(const char *prefix, const struct bench_read *rd)
{
	char key[32];

	snprintf(key, sizeof(key), "%s_chunk", prefix);
	json_num(key, rd->done, (double)rd->chunk, 0);
	snprintf(key, sizeof(key), "%s_bytes", prefix);
	json_num(key, rd->done, (double)rd->bytes, 0);
	snprintf(key, sizeof(key), "%s_short_replies", prefix);
	json_num(key, rd->done, (double)rd->short_replies, 0);
	snprintf(key, sizeof(key), "%s_mb_per_s", prefix);
	json_num(key, rd->done, rd->mb_per_s, 2);
}

/* The whole result as one flat JSON object on one line. */
static void print_json(const struct options *o, const struct bench_peer *p,
		       const struct bench_result *r, const char *error)
{
	fputs("{\"address\": ", stdout);
	json_string(o->address);
	json_num("packet_size", p->complete, (double)p->packet_size, 0);
	json_bool("no_ack_offered", p->noack_offered);
	json_bool("no_ack", p->no_ack);
	json_bool("binary_upload", p->binary_upload);
	json_bool("x_supported", p->x_supported);
	json_key("step_packet");
	json_string(p->vcont_step ? "vCont;s" : "s");
	json_num("g_requests", r->g_done, (double)r->g_requests, 0);
	json_num("g_median_us", r->g_done, r->g_median_us, 2);
	json_num("g_p90_us", r->g_done, r->g_p90_us, 2);
	json_num("steps", r->step_done, (double)r->steps, 0);
	json_num("steps_per_s", r->step_done, r->steps_per_s, 1);
	json_key("target_exited");
	json_string_or_null(r->exit_reply);
	json_read("m", &r->m);
	json_read("x", &r->x);
	json_num("stray_packets", true, (double)r->stray, 0);
	json_key("error");
	json_string_or_null(error);
	puts("}");
}

/* One text line for a memory read. */
static void print_read(const char *name, const struct bench_read *rd)
{
	printf("%s read: %.2f MB/s (%" PRIu64 " bytes, %zu bytes/packet",
	       name, rd->mb_per_s, rd->bytes, rd->chunk);
	if (rd->short_replies > 0)
		printf(", %" PRIu64 " short replies", rd->short_replies);
	puts(")");
}

/* The peer's features, one line each. */
static void print_peer(const struct options *o, const struct bench_peer *p)
{
	printf("address: %s\n", o->address);
	printf("packet size: %zu%s\n", p->packet_size,
	       p->packet_size_offered ? "" : " (not offered, gdb's default)");
	printf("no-ack mode: %s\n", p->no_ack ? "yes" :
	       p->noack_offered ? "no (offered, declined: --ack)" : "no (not offered)");
	printf("binary-upload+: %s\n", p->binary_upload ? "offered" : "not offered");
	printf("stop reply: %s\n", p->stop);
}

/* The measured figures as text, one metric per line. */
static void print_text(const struct options *o, const struct bench_peer *p,
		       const struct bench_result *r)
{
	if (p->complete)
		print_peer(o, p);
	if (r->g_done)
		printf("g round trip: median %.2f us, p90 %.2f us (%zu requests)\n",
		       r->g_median_us, r->g_p90_us, r->g_requests);
	if (r->step_done)
		printf("single step: %.0f steps/s (%zu steps, %s)\n", r->steps_per_s,
		       r->steps, p->vcont_step ? "vCont;s" : "s");
	if (r->exit_reply[0] != '\0')
		printf("target exited: %s (after %zu steps)\n", r->exit_reply, r->steps);
	if (r->m.done)
		print_read("m", &r->m);
	if (r->x.done)
		print_read("x", &r->x);
	else if (p->complete && !p->x_supported && !p->exited && r->exit_reply[0] == '\0')
		printf("x: unsupported (%s)\n", p->x_note);
	if (r->stray > 0)
		printf("stray packets: %zu (came instead of an ack, ignored)\n", r->stray);
}

/* The measurements in order; stops at the first error or an exit. */
static int measure(struct bench_conn *c, const struct options *o, struct bench_peer *p,
		   struct bench_result *r, char **cause)
{
	if (bench_handshake(c, o->region.addr, !o->ack, p, cause) < 0)
		return -1;
	if (p->exited)
		return cause_fail(cause, "the target has already exited (%s)", p->stop);
	if (o->rounds > 0 && bench_g(c, o->rounds, r, cause) < 0)
		return -1;
	if (o->steps > 0 && bench_step(c, p, o->steps, r, cause) < 0)
		return -1;
	if (r->exit_reply[0] != '\0' || o->region.bytes == 0)
		return 0;
	if (bench_read(c, p, false, &o->region, &r->m, cause) < 0)
		return -1;
	if (p->x_supported && bench_read(c, p, true, &o->region, &r->x, cause) < 0)
		return -1;
	return 0;
}

/* The fan-out figures as one flat JSON object on one line. */
static void print_fanout_json(const struct options *o, const struct bench_fanout_result *r,
			      const char *error)
{
	fputs("{\"address\": ", stdout);
	json_string(o->address);
	json_key("observe_address");
	json_string(o->observe != NULL ? o->observe : "");
	json_num("clients", true, (double)o->fanout, 0);
	json_num("rounds", true, (double)r->rounds, 0);
	json_num("retries", true, (double)r->retries, 0);
	json_bool("no_ack", r->no_ack);
	json_num("settle_us", true, r->settle_us, 0);
	json_num("spread_median_us", r->rounds > 0, r->spread_median_us, 2);
	json_num("spread_p99_us", r->rounds > 0, r->spread_p99_us, 2);
	json_num("last_median_us", r->rounds > 0, r->last_median_us, 2);
	json_num("last_p99_us", r->rounds > 0, r->last_p99_us, 2);
	json_num("first_median_us", r->rounds > 0, r->first_median_us, 2);
	json_num("first_p99_us", r->rounds > 0, r->first_p99_us, 2);
	json_key("stop");
	json_string(r->stop);
	json_key("error");
	json_string_or_null(error);
	puts("}");
}

/* The fan-out figures as text. */
static void print_fanout_text(const struct options *o, const struct bench_fanout_result *r)
{
	printf("fan-out: %zu clients: 1 controller on %s", o->fanout, o->address);
	if (o->fanout > 1)
		printf(", %zu observers on %s", o->fanout - 1, o->observe);
	printf("\nrounds: %zu measured, %zu retried (an observer's resume raced the stop)\n",
	       r->rounds, r->retries);
	if (r->no_ack)
		printf("barrier: no-ack mode, %u us pause before the interrupt\n", r->settle_us);
	else
		puts("barrier: ack mode, every resume acknowledged before the interrupt");
	if (r->stop[0] != '\0')
		printf("stop reply (controller): %s\n", r->stop);
	if (r->rounds == 0)
		return;
	printf("spread, last reply - first reply: median %.2f us, p99 %.2f us\n",
	       r->spread_median_us, r->spread_p99_us);
	printf("last reply - 0x03 sent:           median %.2f us, p99 %.2f us\n",
	       r->last_median_us, r->last_p99_us);
	printf("first reply - 0x03 sent:          median %.2f us, p99 %.2f us\n",
	       r->first_median_us, r->first_p99_us);
}

/* --fanout: connect N clients, then measure or hold. */
static int run_fanout(const struct options *o)
{
	struct bench_fanout_opts fo = {
		.control = o->address, .observe = o->observe, .clients = o->fanout,
		.rounds = o->rounds, .timeout_ms = o->timeout_ms, .settle_us = o->settle_us,
		.allow_noack = !o->ack, .probe_addr = o->region.addr,
	};
	struct bench_fanout_result res = { 0 };
	struct bench_fanout *f = NULL;
	char *cause = NULL;
	int r = bench_fanout_open(&fo, &f, &cause);

	if (r == 0 && o->hold) {
		printf("ready: %zu clients connected and idle\n", o->fanout);
		fflush(stdout);
		r = bench_fanout_hold(f, 0, &cause);
	} else if (r == 0) {
		r = bench_fanout_measure(f, &res, &cause);
	}
	bench_fanout_close(f);
	if (r < 0 && cause == NULL)
		cause = strdup("failed");
	if (o->json && !o->hold)
		print_fanout_json(o, &res, cause);
	else if (!o->hold)
		print_fanout_text(o, &res);
	if (r < 0)
		fprintf(stderr, "gdbhub-bench: %s\n", cause);
	free(cause);
	return r < 0 ? 1 : 0;
}

/* Connect, measure, print. */
int main(int argc, char **argv)
{
	struct options o;
	struct bench_peer peer = { 0 };
	struct bench_result res = { 0 };
	struct bench_conn *c = NULL;
	char *cause = NULL;
	int r;

	if (parse_options(argc, argv, &o) < 0)
		return usage();
	if (o.fanout > 0)
		return run_fanout(&o);
	r = bench_conn_open(o.address, o.timeout_ms, &c, &cause);
	if (r == 0)
		r = measure(c, &o, &peer, &res, &cause);
	if (c != NULL)
		res.stray = bench_conn_stray(c);
	bench_conn_close(c);
	if (r < 0 && cause == NULL)
		cause = strdup("failed");
	if (o.json)
		print_json(&o, &peer, &res, cause);
	else
		print_text(&o, &peer, &res);
	if (r < 0)
		fprintf(stderr, "gdbhub-bench: %s\n", cause);
	free(cause);
	if (r < 0)
		return 1;
	return res.exit_reply[0] != '\0' ? 3 : 0;
}
