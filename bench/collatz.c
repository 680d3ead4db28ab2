/* Native build of worker-kernels/collatz/assembly/index.ts, the same algorithm (u64, runs of halvings by count of
 * trailing zeros, every odd value mixed into the trajectory hash, overflowing starts set aside), for
 * bench/kernels.ts: gcc -O3 -march=native.
 * Usage: collatz START COUNT REPS. Prints "cpu wall maxSteps argMax totalSteps digest overflowed": the best times of
 * REPS (bench/timing.h), then the answers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "timing.h"

static const uint64_t LIMIT = 6148914691236517204ull; /* (2^64 - 2) / 3 */

static uint32_t mix(uint32_t h, uint64_t v) {
  h = (h ^ (uint32_t)v) * 0x9e3779b1u;
  h ^= h >> 15;
  h = (h ^ (uint32_t)(v >> 32)) * 0x85ebca77u;
  return h ^ (h >> 13);
}

static int steps(uint64_t n, uint32_t *hash) {
  int s = 0;
  uint32_t h = mix(0x811c9dc5u, n);
  for (;;) {
    int z = __builtin_ctzll(n);
    n >>= z;
    s += z;
    if (n == 1) {
      *hash = h;
      return s;
    }
    if (n > LIMIT) return -1;
    h = mix(h, n);
    n = 3 * n + 1;
    s++;
  }
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: collatz START COUNT REPS\n"); return 2; }
  uint64_t start = strtoull(argv[1], 0, 10);
  long count = atol(argv[2]);
  int reps = atoi(argv[3]);
  stamp best = {1e30, 1e30};
  int maxSteps = -1;
  uint64_t argMax = 0, total = 0, overflowed = 0;
  uint32_t digest = 0;
  for (int r = 0; r < reps; r++) {
    stamp t0 = stamp_now();
    maxSteps = -1; total = 0; overflowed = 0; digest = 0;
    for (long i = 0; i < count; i++) {
      uint32_t hash;
      int s = steps(start + i, &hash);
      if (s < 0) { overflowed++; continue; }
      total += s;
      digest += hash;
      if (s > maxSteps) { maxSteps = s; argMax = start + i; }
    }
    keep_best(t0, &best);
  }
  printf("%.9f %.9f %d %llu %llu %u %llu\n", best.cpu, best.wall, maxSteps, (unsigned long long)argMax,
         (unsigned long long)total, digest, (unsigned long long)overflowed);
  return 0;
}
