/* `monitor replay ...`: the words after "replay" as a command. Pure. */
#ifndef GDBHUB_REPLAY_CMD_H
#define GDBHUB_REPLAY_CMD_H

#include <stddef.h>
#include <stdint.h>

enum replay_verb {
	REPLAY_INFO,
	REPLAY_SEEK,        /* icount */
	REPLAY_CHECKPOINTS,
	REPLAY_FOLLOW,      /* client */
};

struct replay_cmd {
	enum replay_verb verb;
	uint64_t icount;
	uint32_t client;
};

/* The usage line the daemon prints with a parse error. */
#define REPLAY_USAGE "monitor replay info | seek ICOUNT | checkpoints | follow CLIENT"

/* Parse args (the text after "replay", may be empty: info). ICOUNT is
 * decimal or 0x-hex; CLIENT a client id as `monitor whoami` prints it.
 * Returns 0, or -1 with the reason in err. */
int replay_cmd_parse(const char *args, struct replay_cmd *out, char *err, size_t cap);

#endif
