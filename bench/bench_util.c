/* Small helpers shared by the benchmark client. */
#include "bench/bench_util.h"

#include <stdlib.h>
#include <time.h>

/* Read CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* qsort order for uint64_t. */
static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Interpolate the p-th quantile between the two nearest sorted samples. */
static double interpolate(double lo, double hi, double frac)
{
	return lo + (hi - lo) * frac;
}

/* Quantile of uint64_t samples. */
double bench_quantile(uint64_t *v, size_t n, double p)
{
	double pos;
	size_t i;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	pos = p * (double)(n - 1);
	i = (size_t)pos;
	if (i + 1 >= n)
		return (double)v[n - 1];
	return interpolate((double)v[i], (double)v[i + 1], pos - (double)i);
}
