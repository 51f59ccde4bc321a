/* Thinning gdbhub-replay's checkpoints to a cap (thin.c). */
#ifndef GDBHUB_REPLAY_SUP_THIN_H
#define GDBHUB_REPLAY_SUP_THIN_H

#include <stddef.h>
#include <stdint.h>

struct ckpt;

/* Of the n checkpoints ck[0..n) (ck[0] is init, at icount 0, and never
 * chosen; nor is ck[keep]), the index of the one to drop: the one whose
 * removal leaves the smallest gap between its neighbours, the farthest
 * along only if nothing else may go. SIZE_MAX if none may. */
size_t ckpt_thin_victim(const struct ckpt *ck, size_t n, size_t keep);

#endif
