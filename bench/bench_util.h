/* Small helpers shared by the benchmark client: clocks, percentiles.
 * Errors are handed back with the daemon's cause_fail (proxy/cause.h). */
#ifndef GDBHUB_BENCH_UTIL_H
#define GDBHUB_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Monotonic time in nanoseconds. */
uint64_t bench_now_ns(void);

/* The p-th quantile (0 <= p <= 1) of n samples, interpolating linearly
 * between neighbours (so p = 0.5 is the usual median). Sorts v in place.
 * Returns 0 when n is 0. */
double bench_quantile(uint64_t *v, size_t n, double p);

#endif
