/* The non-stop stop-notification queue (see stopq.h). */
#include <stdio.h>
#include <stdlib.h>

#include "backends/kvm/stub/stopq.h"

int stopq_init(struct stopq *q, unsigned n_cpus)
{
	q->cap = n_cpus + 1;
	q->head = q->n = 0;
	q->e = calloc(q->cap, sizeof(*q->e));
	return q->e ? 0 : -1;
}

void stopq_free(struct stopq *q)
{
	free(q->e);
	q->e = NULL;
	q->cap = q->head = q->n = 0;
}

void stopq_clear(struct stopq *q)
{
	q->head = q->n = 0;
}

static struct stopq_entry *at(const struct stopq *q, unsigned i)
{
	return &q->e[(q->head + i) % q->cap];
}

static struct stopq_entry *find(const struct stopq *q, int cpu)
{
	for (unsigned i = 0; i < q->n; i++)
		if (at(q, i)->cpu == cpu)
			return at(q, i);
	return NULL;
}

int stopq_push(struct stopq *q, int cpu, const char *text)
{
	struct stopq_entry *e = find(q, cpu);
	bool was_empty = q->n == 0;

	if (cpu < STOPQ_PROCESS || (cpu >= 0 && (unsigned)cpu + 1 >= q->cap))
		return -1;
	if (!e) {
		if (q->n == q->cap)
			return -1;
		e = at(q, q->n++);
		e->cpu = cpu;
	}
	snprintf(e->text, sizeof(e->text), "%s", text);
	return was_empty ? 1 : 0;
}

const struct stopq_entry *stopq_head(const struct stopq *q)
{
	return q->n ? at(q, 0) : NULL;
}

const struct stopq_entry *stopq_ack(struct stopq *q)
{
	if (q->n) {
		q->head = (q->head + 1) % q->cap;
		q->n--;
	}
	return stopq_head(q);
}

bool stopq_has(const struct stopq *q, int cpu)
{
	return find(q, cpu) != NULL;
}
