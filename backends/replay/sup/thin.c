/* Which checkpoint goes when there are more than the cap. Each costs disk
 * (a qcow2 of its own, or a snapshot in the live QEMU's disk), and a long
 * session of steps and seeks would otherwise take them without end. The
 * one dropped is the one whose removal leaves the smallest gap between
 * the checkpoints around it, as rr thins its own: what stays is spread
 * over the recording, dense where the user worked (fine checkpoints sit
 * close together there, and the newest is always kept), and a step back
 * from anywhere still starts at most the widest gap behind the goal. */
#include "backends/replay/sup/thin.h"

#include <stdbool.h>

#include "backends/replay/sup/sup.h"

/* The nearest checkpoint before and after ck[i] in icount order; init
 * (icount 0) is before everything. *next is SIZE_MAX if none is after. */
static void neighbours(const struct ckpt *ck, size_t n, size_t i, size_t *prev, size_t *next)
{
	*prev = 0;
	*next = SIZE_MAX;
	for (size_t j = 1; j < n; j++) {
		if (j == i)
			continue;
		if (ck[j].icount <= ck[i].icount && ck[j].icount >= ck[*prev].icount)
			*prev = j;
		if (ck[j].icount > ck[i].icount && (*next == SIZE_MAX || ck[j].icount < ck[*next].icount))
			*next = j;
	}
}

/* The gap left by removing ck[i]. The farthest checkpoint along has no
 * neighbour after it: it covers everything up to the end of the
 * recording, so its removal costs more than any gap inside. */
static uint64_t gap_without(const struct ckpt *ck, size_t n, size_t i, bool *last)
{
	size_t prev, next;

	neighbours(ck, n, i, &prev, &next);
	*last = next == SIZE_MAX;
	return *last ? ck[i].icount - ck[prev].icount : ck[next].icount - ck[prev].icount;
}

size_t ckpt_thin_victim(const struct ckpt *ck, size_t n, size_t keep)
{
	size_t best = SIZE_MAX;
	uint64_t best_gap = 0;
	bool best_last = true;

	for (size_t i = 1; i < n; i++) {
		bool last;
		uint64_t gap;

		if (i == keep)
			continue;
		gap = gap_without(ck, n, i, &last);
		/* Inner checkpoints before the last; then the smallest gap; on a
		 * tie the earlier one, farther from where the user works. */
		if (best == SIZE_MAX || (best_last && !last) ||
		    (last == best_last && (gap < best_gap ||
					   (gap == best_gap && ck[i].icount < ck[best].icount)))) {
			best = i;
			best_gap = gap;
			best_last = last;
		}
	}
	return best;
}
