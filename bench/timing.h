/* Clocks of the native benchmarks (bench/<app>.c), read as bench/kernels.ts reads its WebAssembly runs: the thread's
 * CPU time (CLOCK_THREAD_CPUTIME_ID, exact to the call), which a busy shared machine does not inflate by preempting
 * the run, and the wall clock beside it. Each program prints the best of its repetitions on both, "cpu wall", before
 * its answers. */
#include <time.h>

typedef struct {
  double cpu, wall;
} stamp;

static double seconds(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static stamp stamp_now(void) { return (stamp){seconds(CLOCK_THREAD_CPUTIME_ID), seconds(CLOCK_MONOTONIC)}; }

/* Folds the run started at `t0` into the bests so far. */
static void keep_best(stamp t0, stamp *best) {
  stamp t1 = stamp_now();
  if (t1.cpu - t0.cpu < best->cpu) best->cpu = t1.cpu - t0.cpu;
  if (t1.wall - t0.wall < best->wall) best->wall = t1.wall - t0.wall;
}
