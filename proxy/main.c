/* gdbhub: the daemon's command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "backends/replay/record.h"
#include "config/config.h"
#include "proxy/control/control.h"
#include "proxy/hub.h"
#include "proxy/log.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: gdbhub serve -c CONFIG [-v]\n"
		"       gdbhub check -c CONFIG\n"
		"       gdbhub ctl (-c CONFIG | -s SOCKET) [--json] CMD [ARG ...]\n"
		"       gdbhub record -c CONFIG TARGET --out DIR [--max-seconds S] [--max-icount N]\n"
		"       gdbhub --version\n"
		"\n"
		"serve   run the daemon: start the configured targets and serve gdb clients\n"
		"check   load and validate CONFIG, print what it defines, and exit\n"
		"record  run a tcg target under QEMU record mode into a recording folder,\n"
		"        which a \"replay\" target debugs backwards (gdbhub record --help)\n"
		"ctl     send one request to a running daemon's control socket\n"
		"        (gdbhub ctl --help lists the commands)\n");
}

/* Print what a config defines (gdbhub check): each target's backend, and
 * the VM it starts (tcg, kvm) or the stub it attaches to (remote). */
static void print_config(const struct config *cfg)
{
	for (size_t i = 0; i < cfg->n_targets; i++) {
		const struct cfg_target *t = &cfg->targets[i];

		switch (t->backend) {
		case CFG_BACKEND_REMOTE:
			printf("target %s: remote %s\n", t->name, t->gdb);
			break;
		case CFG_BACKEND_REPLAY:
			printf("target %s: replay of %s\n", t->name, t->recording);
			break;
		case CFG_BACKEND_TCG:
		case CFG_BACKEND_KVM:
			printf("target %s: %s %s, kernel %s, %u cpu%s, %u MiB\n", t->name,
			       t->backend == CFG_BACKEND_KVM ? "kvm" : "tcg", t->arch, t->kernel,
			       t->cpus, t->cpus == 1 ? "" : "s", t->memory_mb);
			break;
		}
	}
}

/* Run the daemon until SIGINT/SIGTERM. */
static int serve(struct config *cfg)
{
	struct event_base *base = event_base_new();
	struct hub hub;
	char *cause = NULL;
	int rc = 0;

	if (base == NULL) {
		log_error("cannot create the event loop");
		config_free(cfg);
		return 1;
	}
	if (hub_start(&hub, base, cfg, &cause) != 0) {
		log_error("%s", cause != NULL ? cause : "start-up failed");
		free(cause);
		rc = 1;
	} else {
		log_info("gdbhub serving %zu target(s)", cfg->n_targets);
		event_base_dispatch(base);
	}
	hub_stop(&hub);
	event_base_free(base);
	return rc;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	struct config *cfg = NULL;
	char *cause = NULL;
	int opt;

	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("gdbhub 0.1.0\n");
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "ctl") == 0)
		return ctl_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "record") == 0)
		return record_main(argc - 1, argv + 1);
	if (argc < 2 || (strcmp(argv[1], "serve") != 0 && strcmp(argv[1], "check") != 0)) {
		usage(argc >= 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr);
		return argc >= 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
	}
	optind = 2;
	while ((opt = getopt(argc, argv, "c:v")) != -1) {
		if (opt == 'c')
			path = optarg;
		else if (opt == 'v')
			log_set_level(LOG_DEBUG);
		else {
			usage(stderr);
			return 2;
		}
	}
	if (path == NULL) {
		usage(stderr);
		return 2;
	}
	if (config_load(path, &cfg, &cause) != 0) {
		fprintf(stderr, "gdbhub: %s\n", cause != NULL ? cause : "cannot load the config");
		free(cause);
		return 1;
	}
	if (strcmp(argv[1], "check") == 0) {
		print_config(cfg);
		config_free(cfg);
		return 0;
	}
	return serve(cfg);
}
