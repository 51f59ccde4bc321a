/* Checkpoints: VM snapshots taken with savevm during replay, each kept in
 * a qcow2 of its own (a copy of the disk of the QEMU that took it, made
 * just after), then deleted from that QEMU's disk. A running QEMU's disk
 * thus only ever holds `init`: QEMU's own reverse step, reverse continue
 * and replay-seek load the nearest snapshot of their disk, and loading any
 * later one into a running QEMU 7.2 with kvmvapic deadlocks it. Not so for
 * x86 recordings without kvmvapic, nor for aarch64 and riscv64 ones
 * (s->live, recording_live_snapshots): there they stay in the running
 * QEMU's disk, for QEMU's own use, and are neither copied nor deleted
 * (but for thinning, thin.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "backends/replay/sup/sup.h"
#include "backends/replay/sup/thin.h"
#include "proxy/cause.h"

int sup_copy_file(const char *from, const char *to, char **cause);

void ckpt_init(struct sup *s)
{
	struct ckpt *c = &s->ck[0];

	snprintf(c->tag, sizeof(c->tag), "%s", RECORDING_SNAPSHOT);
	snprintf(c->disk, sizeof(c->disk), "%s/%s", s->recording, RECORDING_DISK);
	c->icount = 0;
	s->n_ck = 1;
}

const struct ckpt *ckpt_before(const struct sup *s, uint64_t icount)
{
	const struct ckpt *best = &s->ck[0];

	for (size_t i = 1; i < s->n_ck; i++)
		if (s->ck[i].icount <= icount && s->ck[i].icount > best->icount)
			best = &s->ck[i];
	return best;
}

/* An HMP command whose success prints nothing (savevm, delvm). */
static int hmp_quiet(struct qemu *q, const char *line, char **cause)
{
	json_object *ret = qemu_hmp(q, line, cause);
	const char *text = ret != NULL ? json_object_get_string(ret) : NULL;
	int rc = ret == NULL ? -1 : 0;

	if (text != NULL && text[0] != '\0')
		rc = cause_fail(cause, "%s: %s", line, text);
	json_object_put(ret);
	return rc;
}

/* Drop checkpoint i: its file, or (live) its snapshot in q's disk. Gone
 * from the list either way: a snapshot delvm could not delete is only
 * disk QEMU keeps using, never a wrong answer. */
static void drop(struct sup *s, struct qemu *q, size_t i)
{
	struct ckpt *c = &s->ck[i];
	char line[64], *cause = NULL;

	if (c->disk[0] != '\0') {
		unlink(c->disk);
	} else {
		snprintf(line, sizeof(line), "delvm %s", c->tag);
		if (hmp_quiet(q, line, &cause) != 0)
			sup_log("checkpoint %s stays in QEMU's disk: %s", c->tag, cause ? cause : "?");
		free(cause);
	}
	sup_log("checkpoint %s at icount %llu dropped (%zu kept)", c->tag,
		(unsigned long long)c->icount, s->max_ck);
	memmove(c, c + 1, (s->n_ck - i - 1) * sizeof(*c));
	s->n_ck--;
}

int ckpt_take(struct sup *s, struct qemu *q, uint64_t icount, char **cause)
{
	struct ckpt c = { .icount = icount };
	char line[64];
	size_t victim;

	snprintf(c.tag, sizeof(c.tag), "ck%u", ++s->seq);
	snprintf(c.disk, sizeof(c.disk), "%s.%s.qcow2", s->work, c.tag);
	snprintf(line, sizeof(line), "savevm %s", c.tag);
	if (hmp_quiet(q, line, cause) != 0)
		return -1;
	if (s->live)
		c.disk[0] = '\0';
	else if (sup_copy_file(q->disk_path, c.disk, cause) != 0)
		return -1;
	snprintf(line, sizeof(line), "delvm %s", c.tag);
	if (!s->live && hmp_quiet(q, line, cause) != 0) {
		unlink(c.disk);
		return -1;
	}
	s->ck[s->n_ck++] = c;
	sup_log("checkpoint %s at icount %llu", c.tag, (unsigned long long)icount);
	/* The one just taken is where the user is: it stays. */
	while (s->n_ck - 1 > s->max_ck &&
	       (victim = ckpt_thin_victim(s->ck, s->n_ck, s->n_ck - 1)) != SIZE_MAX)
		drop(s, q, victim);
	return 0;
}

void ckpt_list(const struct sup *s, char *out, size_t cap)
{
	size_t len = 0;
	int w = snprintf(out, cap, "ID        TAG               VM SIZE                DATE     VM CLOCK     ICOUNT\n");
	bool done[SUP_MAX_CKPTS + 2] = { false };

	len = w > 0 ? (size_t)w : 0;
	/* In icount order, as a reader of the list expects. */
	for (size_t k = 0; k < s->n_ck && len < cap; k++) {
		size_t best = SIZE_MAX;

		for (size_t i = 0; i < s->n_ck; i++)
			if (!done[i] && (best == SIZE_MAX || s->ck[i].icount < s->ck[best].icount))
				best = i;
		done[best] = true;
		w = snprintf(out + len, cap - len, "%-9zu %-17s 0 B 1970-01-01 00:00:00 00:00:00.000 %llu\n",
			     k + 1, s->ck[best].tag, (unsigned long long)s->ck[best].icount);
		len += w > 0 ? (size_t)w : 0;
	}
}

void ckpt_remove_all(struct sup *s)
{
	for (size_t i = 1; i < s->n_ck; i++)
		if (s->ck[i].disk[0] != '\0')
			unlink(s->ck[i].disk);
	s->n_ck = 1;
}
