/* Parsing `monitor replay ...`. */
#include "backends/replay/replay_cmd.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The next word of *p into word (cap bytes); false at the end. */
static bool next_word(const char **p, char *word, size_t cap)
{
	size_t n = 0;

	while (isspace((unsigned char)**p))
		(*p)++;
	if (**p == '\0')
		return false;
	while (**p != '\0' && !isspace((unsigned char)**p)) {
		if (n + 1 < cap)
			word[n++] = **p;
		(*p)++;
	}
	word[n] = '\0';
	return true;
}

/* An unsigned number, all of word: decimal, or hex after 0x. */
static int parse_number(const char *word, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)word[0]))
		return -1;
	errno = 0;
	v = strtoull(word, &end, 0);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

int replay_cmd_parse(const char *args, struct replay_cmd *out, char *err, size_t cap)
{
	const char *p = args;
	char verb[32], arg[64], extra[8];
	uint64_t n = 0;

	*out = (struct replay_cmd){ .verb = REPLAY_INFO };
	if (!next_word(&p, verb, sizeof(verb)))
		return 0;
	bool has_arg = next_word(&p, arg, sizeof(arg));
	if (next_word(&p, extra, sizeof(extra))) {
		snprintf(err, cap, "too many words; usage: %s", REPLAY_USAGE);
		return -1;
	}
	if ((strcmp(verb, "info") == 0 || strcmp(verb, "checkpoints") == 0) && !has_arg) {
		out->verb = verb[0] == 'i' ? REPLAY_INFO : REPLAY_CHECKPOINTS;
		return 0;
	}
	if (strcmp(verb, "seek") == 0 || strcmp(verb, "follow") == 0) {
		bool seek = verb[0] == 's';
		if (!has_arg || parse_number(arg, &n) != 0 || (!seek && (n == 0 || n > UINT32_MAX))) {
			snprintf(err, cap, "%s needs %s; usage: %s", verb,
				 seek ? "an instruction count (ICOUNT)" : "a client id (CLIENT)",
				 REPLAY_USAGE);
			return -1;
		}
		out->verb = seek ? REPLAY_SEEK : REPLAY_FOLLOW;
		out->icount = seek ? n : 0;
		out->client = seek ? 0 : (uint32_t)n;
		return 0;
	}
	snprintf(err, cap, "unknown replay command \"%s\"; usage: %s", verb, REPLAY_USAGE);
	return -1;
}
