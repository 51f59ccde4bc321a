/* `gdbhub ctl`: send one request to the control socket, print the reply. */
#include "proxy/control/control.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <json.h>

#include "config/config.h"
#include "proxy/control/ctl_args.h"
#include "proxy/control/request.h"

/* Exit statuses. */
#define CTL_OK 0
#define CTL_REFUSED 1
#define CTL_USAGE 2
/* Removing a target waits for its QEMU to quit (a few seconds at most);
 * the daemon answers everything else at once. */
#define CTL_REPLY_TIMEOUT_S 60
/* Replies longer than this are cut off: a listing of thousands of clients. */
#define CTL_MAX_REPLY (64 * 1024 * 1024)

struct ctl_opts {
	const char *config;
	const char *socket;
	bool raw;
};

static void usage(FILE *out)
{
	const struct ctl_command *c;

	fprintf(out, "usage: gdbhub ctl (-c CONFIG | -s SOCKET) [--json] CMD [ARG|KEY=VALUE|@FILE ...]\n\n");
	for (size_t i = 0; (c = ctl_command_at(i)) != NULL; i++)
		fprintf(out, "  %-14s %s\n", c->name, c->help);
	fprintf(out, "\nARG is the command's argument (a target as JSON, a name, an id);\n"
		"@FILE reads it from FILE. --json prints the reply line as received.\n"
		"Exit status: 0 ok, 1 the daemon refused, 2 usage or connection error.\n");
}

/* Read a whole (small) file; NULL with errno set on failure. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n;

	if (f == NULL)
		return NULL;
	if ((buf = malloc(CTL_MAX_LINE + 1)) != NULL) {
		n = fread(buf, 1, CTL_MAX_LINE, f);
		buf[n] = '\0';
		if (ferror(f)) {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

/* The arguments with each @FILE replaced by the file's text (freed with
 * free_args); NULL after saying why. */
static char **expand_files(char **args, int n)
{
	char **v = calloc((size_t)n + 1, sizeof(*v));

	for (int i = 0; v != NULL && i < n; i++) {
		v[i] = args[i][0] == '@' ? slurp(args[i] + 1) : strdup(args[i]);
		if (v[i] == NULL) {
			fprintf(stderr, "gdbhub ctl: %s: %s\n", args[i], strerror(errno));
			for (int j = 0; j < i; j++)
				free(v[j]);
			free(v);
			return NULL;
		}
	}
	return v;
}

static void free_args(char **v, int n)
{
	for (int i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

/* The socket path: -s, or the config's "control". */
static char *socket_path(const struct ctl_opts *o)
{
	struct config *cfg;
	char *cause = NULL, *path;

	if (o->socket != NULL)
		return strdup(o->socket);
	if (config_load(o->config, &cfg, &cause) != 0) {
		fprintf(stderr, "gdbhub ctl: %s\n", cause != NULL ? cause : "cannot load the config");
		free(cause);
		return NULL;
	}
	path = cfg->control != NULL ? strdup(cfg->control) : NULL;
	if (cfg->control == NULL)
		fprintf(stderr, "gdbhub ctl: %s has no \"control\" socket\n", o->config);
	config_free(cfg);
	return path;
}

/* Connect to the daemon's control socket; -1 after saying why. */
static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { CTL_REPLY_TIMEOUT_S, 0 };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "gdbhub ctl: socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "gdbhub ctl: cannot connect to %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Write all of buf. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read up to the first newline; NULL on error, timeout or EOF first. */
static char *read_line(int fd)
{
	size_t len = 0, cap = 0;
	char *buf = NULL, *grown, *nl;
	ssize_t n;

	for (;;) {
		if (len + 4096 + 1 > cap) {
			if (cap >= CTL_MAX_REPLY || (grown = realloc(buf, cap ? cap * 2 : 8192)) == NULL)
				break;
			buf = grown;
			cap = cap ? cap * 2 : 8192;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		nl = memchr(buf + len, '\n', (size_t)n);
		len += (size_t)n;
		if (nl != NULL) {
			*nl = '\0';
			return buf;
		}
	}
	free(buf);
	return NULL;
}

/* Print the reply; the exit status it means. */
static int print_reply(const char *line, bool raw)
{
	json_object *reply = json_tokener_parse(line), *ok, *err;
	int rc;

	if (reply == NULL || !json_object_object_get_ex(reply, "ok", &ok)) {
		fprintf(stderr, "gdbhub ctl: unreadable reply: %.200s\n", line);
		json_object_put(reply);
		return CTL_USAGE;
	}
	rc = json_object_get_boolean(ok) ? CTL_OK : CTL_REFUSED;
	if (raw)
		printf("%s\n", line);
	else if (rc == CTL_REFUSED && json_object_object_get_ex(reply, "error", &err))
		fprintf(stderr, "gdbhub ctl: %s\n", json_object_get_string(err));
	else
		printf("%s\n", json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PRETTY |
			JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(reply);
	return rc;
}

/* Send the request and print the reply. */
static int exchange(const char *path, json_object *req, bool raw)
{
	const char *text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	int fd = connect_to(path), rc;
	char *reply;

	if (fd < 0)
		return CTL_USAGE;
	if (write_all(fd, text, strlen(text)) != 0 || write_all(fd, "\n", 1) != 0) {
		fprintf(stderr, "gdbhub ctl: cannot send to %s: %s\n", path, strerror(errno));
		close(fd);
		return CTL_USAGE;
	}
	reply = read_line(fd);
	close(fd);
	if (reply == NULL) {
		fprintf(stderr, "gdbhub ctl: no reply from %s\n", path);
		return CTL_USAGE;
	}
	rc = print_reply(reply, raw);
	free(reply);
	return rc;
}

/* Options before CMD; returns the index of CMD, or -1. */
static int parse_opts(int argc, char **argv, struct ctl_opts *o)
{
	static const struct option longs[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	optind = 1;
	/* "+": options end at CMD, so KEY=VALUE arguments are never options. */
	while ((opt = getopt_long(argc, argv, "+c:s:jh", longs, NULL)) != -1) {
		if (opt == 'c')
			o->config = optarg;
		else if (opt == 's')
			o->socket = optarg;
		else if (opt == 'j')
			o->raw = true;
		else
			return -1;
	}
	if ((o->config == NULL) == (o->socket == NULL) || optind >= argc)
		return -1;
	return optind;
}

/* gdbhub ctl ... */
int ctl_main(int argc, char **argv)
{
	struct ctl_opts o = { 0 };
	json_object *req;
	char *cause = NULL, *path, **args;
	int first = parse_opts(argc, argv, &o), rc, n;

	if (first < 0) {
		usage(stderr);
		return CTL_USAGE;
	}
	n = argc - first - 1;
	if ((args = expand_files(argv + first + 1, n)) == NULL)
		return CTL_USAGE;
	req = ctl_args_build(argv[first], args, n, &cause);
	free_args(args, n);
	if (req == NULL) {
		fprintf(stderr, "gdbhub ctl: %s\n", cause != NULL ? cause : "out of memory");
		free(cause);
		return CTL_USAGE;
	}
	if ((path = socket_path(&o)) == NULL) {
		json_object_put(req);
		return CTL_USAGE;
	}
	rc = exchange(path, req, o.raw);
	free(path);
	json_object_put(req);
	return rc;
}
