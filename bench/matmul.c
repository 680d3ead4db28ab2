/* Native build of worker-kernels/matmul/assembly/index.ts, the same algorithm (B packed 8 columns at a time, 4×8
 * tiles of C accumulated over all of k in eight 4-lane vectors), for bench/kernels.ts: gcc -O3 -march=native.
 * Usage: matmul SEED M K N REPS. Prints "cpu wall checksum": best times of REPS (bench/timing.h), Σ rowAbsSums. */
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "timing.h"

static uint32_t state;
static double next(void) { /* mulberry32, as worker-kernels/signal-search/signal.ts */
  state += 0x6d2b79f5u;
  uint32_t t = state;
  t = (t ^ (t >> 15)) * (t | 1u);
  t ^= t + (t ^ (t >> 7)) * (t | 61u);
  return (double)(t ^ (t >> 14)) / 4294967296.0;
}

/* Four lanes, as WebAssembly's f32x4, so both sides run the same instructions' worth of work; gcc may still fuse
 * the multiply-adds and use wider registers where -march=native offers them. */
typedef float v4 __attribute__((vector_size(16), aligned(4)));

static void matmul(const float *restrict a, const float *restrict b, float *restrict c, int m, int k, int n,
                   float *restrict panel) {
  for (int j = 0; j < n; j += 8) {
    for (int p = 0; p < k; p++)
      for (int q = 0; q < 8; q++) panel[p * 8 + q] = b[(size_t)p * n + j + q];
    for (int i = 0; i < m; i += 4) {
      v4 c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0}, c30 = {0}, c31 = {0};
      const float *a0 = a + (size_t)i * k, *a1 = a0 + k, *a2 = a1 + k, *a3 = a2 + k;
      for (int p = 0; p < k; p++) {
        v4 b0 = *(const v4 *)(panel + p * 8), b1 = *(const v4 *)(panel + p * 8 + 4);
        c00 += a0[p] * b0; c01 += a0[p] * b1;
        c10 += a1[p] * b0; c11 += a1[p] * b1;
        c20 += a2[p] * b0; c21 += a2[p] * b1;
        c30 += a3[p] * b0; c31 += a3[p] * b1;
      }
      float *c0 = c + (size_t)i * n + j;
      *(v4 *)c0 = c00; *(v4 *)(c0 + 4) = c01;
      *(v4 *)(c0 + n) = c10; *(v4 *)(c0 + n + 4) = c11;
      *(v4 *)(c0 + 2 * n) = c20; *(v4 *)(c0 + 2 * n + 4) = c21;
      *(v4 *)(c0 + 3 * n) = c30; *(v4 *)(c0 + 3 * n + 4) = c31;
    }
  }
}

int main(int argc, char **argv) {
  if (argc != 6) { fprintf(stderr, "usage: matmul SEED M K N REPS\n"); return 2; }
  state = (uint32_t)strtoul(argv[1], 0, 10);
  int m = atoi(argv[2]), k = atoi(argv[3]), n = atoi(argv[4]), reps = atoi(argv[5]);
  float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n), *c = malloc(sizeof(float) * m * n);
  float *panel = malloc(sizeof(float) * k * 8);
  for (int i = 0; i < m * k; i++) a[i] = (float)(2 * next() - 1);
  for (int i = 0; i < k * n; i++) b[i] = (float)(2 * next() - 1);
  stamp best = {1e30, 1e30};
  for (int r = 0; r < reps; r++) {
    stamp t0 = stamp_now();
    matmul(a, b, c, m, k, n, panel);
    keep_best(t0, &best);
  }
  double checksum = 0;
  for (int i = 0; i < m; i++) {
    double s = 0;
    for (int j = 0; j < n; j++) s += fabs((double)c[(size_t)i * n + j]);
    checksum += s;
  }
  printf("%.9f %.9f %.17g\n", best.cpu, best.wall, checksum);
  return 0;
}
