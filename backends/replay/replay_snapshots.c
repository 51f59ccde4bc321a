/* Parsing HMP's `info snapshots` table. Its columns are ID, TAG, VM SIZE
 * (two words), DATE (two words), VM CLOCK and, in replay mode, ICOUNT; only
 * TAG and ICOUNT matter here. */
#include "backends/replay/replay_snapshots.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether the n bytes at s are all digits. */
static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Read one table row [p, end) into *sn. Returns 0, or -1 if it is no row. */
static int parse_row(const char *p, const char *end, struct replay_snapshot *sn)
{
	const char *word[8], *last = NULL;
	size_t len[8], n = 0, last_len = 0;

	while (p < end) {
		const char *w;
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p >= end)
			break;
		for (w = p; p < end && !isspace((unsigned char)*p); p++)
			;
		if (n < 8) {
			word[n] = w;
			len[n] = (size_t)(p - w);
		}
		n++;
		last = w;
		last_len = (size_t)(p - w);
	}
	if (n < 2 || len[1] >= sizeof(sn->tag))
		return -1;
	memset(sn, 0, sizeof(*sn));
	memcpy(sn->tag, word[1], len[1]);
	/* Seven words without ICOUNT; eight with it. */
	if (n >= 8 && all_digits(last, last_len)) {
		sn->has_icount = true;
		sn->icount = strtoull(last, NULL, 10);
	}
	return 0;
}

/* Whether tag is among the first n of out. */
static bool seen(const struct replay_snapshot *out, size_t n, const char *tag)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(out[i].tag, tag) == 0)
			return true;
	return false;
}

int replay_snapshots_parse(const char *text, struct replay_snapshot *out, size_t cap)
{
	const char *p = text;
	bool in_table = false;
	size_t n = 0, stored = 0;

	while (*p != '\0') {
		const char *eol = p + strcspn(p, "\r\n");
		struct replay_snapshot sn;
		if (!in_table) {
			in_table = strncmp(p, "ID", 2) == 0 && isspace((unsigned char)p[2]);
		} else if (parse_row(p, eol, &sn) == 0 && !seen(out, stored, sn.tag)) {
			if (stored < cap)
				out[stored++] = sn;
			n++;
		}
		p = eol + strspn(eol, "\r\n");
	}
	return in_table ? (int)n : -1;
}
