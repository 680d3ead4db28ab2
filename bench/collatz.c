/* Native build of worker-kernels/collatz/assembly/index.ts, the same algorithm (u64, runs of halvings by count of
 * trailing zeros, overflowing starts set aside), for bench/kernels.ts: gcc -O3 -march=native.
 * Usage: collatz START COUNT REPS. Prints "seconds maxSteps argMax totalSteps overflowed" (best time of REPS). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const uint64_t LIMIT = 6148914691236517204ull; /* (2^64 - 2) / 3 */

static int steps(uint64_t n) {
  int s = 0;
  for (;;) {
    int z = __builtin_ctzll(n);
    n >>= z;
    s += z;
    if (n == 1) return s;
    if (n > LIMIT) return -1;
    n = 3 * n + 1;
    s++;
  }
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: collatz START COUNT REPS\n"); return 2; }
  uint64_t start = strtoull(argv[1], 0, 10);
  long count = atol(argv[2]);
  int reps = atoi(argv[3]);
  double best = 1e30;
  int maxSteps = -1;
  uint64_t argMax = 0, total = 0, overflowed = 0;
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    maxSteps = -1; total = 0; overflowed = 0;
    for (long i = 0; i < count; i++) {
      int s = steps(start + i);
      if (s < 0) { overflowed++; continue; }
      total += s;
      if (s > maxSteps) { maxSteps = s; argMax = start + i; }
    }
    double dt = now() - t0;
    if (dt < best) best = dt;
  }
  printf("%.9f %d %llu %llu %llu\n", best, maxSteps, (unsigned long long)argMax, (unsigned long long)total,
         (unsigned long long)overflowed);
  return 0;
}
