/* Native build of worker-kernels/signal-search/assembly/index.ts, the same algorithm (per drift and block:
 * de-chirp, radix-2 FFT with per-stage twiddles, power, threshold, Σ √snr), for bench/kernels.ts: gcc -O3
 * -march=native.
 * The signal is generated as signal.ts does (mulberry32, Box–Muller) but is not timed, as the WASM timing excludes it.
 * Usage: signal-search SEED SAMPLES FFTSIZE DRIFTS THRESHOLD REPS. Prints "cpu wall peaks amplitude" (the best
 * times of REPS, bench/timing.h; Σ over the drifts of their amplitude sums). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "timing.h"

static uint32_t state;
static double next(void) {
  state += 0x6d2b79f5u;
  uint32_t t = state;
  t = (t ^ (t >> 15)) * (t | 1u);
  t ^= t + (t ^ (t >> 7)) * (t | 61u);
  return (double)(t ^ (t >> 14)) / 4294967296.0;
}

static void plan(int n, double *twRe, double *twIm, uint32_t *rev) {
  for (int half = 1; half < n; half <<= 1)
    for (int k = 0; k < half; k++) {
      double angle = 2 * M_PI * k / (2.0 * half);
      twRe[half + k] = cos(angle);
      twIm[half + k] = -sin(angle);
    }
  int bits = __builtin_ctz(n);
  for (int i = 0; i < n; i++) {
    uint32_t r = 0;
    for (int b = 0; b < bits; b++) r |= ((i >> b) & 1u) << (bits - 1 - b);
    rev[i] = r;
  }
}

static void fft(double *re, double *im, int n, const double *twRe, const double *twIm, const uint32_t *rev) {
  for (int i = 0; i < n; i++) {
    int j = rev[i];
    if (j > i) { double t = re[i]; re[i] = re[j]; re[j] = t; t = im[i]; im[i] = im[j]; im[j] = t; }
  }
  for (int half = 1; half < n; half <<= 1)
    for (int start = 0; start < n; start += 2 * half) {
      double *ra = re + start, *ia = im + start;
      const double *wr = twRe + half, *wi = twIm + half;
      for (int k = 0; k < half; k++) {
        double xr = ra[half + k] * wr[k] - ia[half + k] * wi[k];
        double xi = ra[half + k] * wi[k] + ia[half + k] * wr[k];
        ra[half + k] = ra[k] - xr; ia[half + k] = ia[k] - xi;
        ra[k] += xr; ia[k] += xi;
      }
    }
}

static long searchDrift(const double *sr, const double *si, int samples, int n, double drift, double threshold,
                        double *re, double *im, double *power, const double *twRe, const double *twIm,
                        const uint32_t *rev, double *amplitude) {
  long found = 0;
  *amplitude = 0;
  for (int block = 0; block < samples / n; block++) {
    int offset = block * n;
    for (int i = 0; i < n; i++) {
      double t = offset + i, cycles = drift * t * t / 2;
      double angle = -2 * M_PI * (cycles - floor(cycles));
      double c = cos(angle), s = sin(angle);
      re[i] = sr[offset + i] * c - si[offset + i] * s;
      im[i] = sr[offset + i] * s + si[offset + i] * c;
    }
    fft(re, im, n, twRe, twIm, rev);
    double sum = 0;
    for (int k = 0; k < n; k++) sum += power[k] = re[k] * re[k] + im[k] * im[k];
    double mean = sum / n;
    if (mean > 0) {
      double blockSum = 0;
      for (int k = 0; k < n; k++) {
        double snr = power[k] / mean;
        blockSum += sqrt(snr);
        found += snr > threshold;
      }
      *amplitude += blockSum;
    }
  }
  return found;
}

int main(int argc, char **argv) {
  if (argc != 7) { fprintf(stderr, "usage: signal-search SEED SAMPLES FFTSIZE DRIFTS THRESHOLD REPS\n"); return 2; }
  state = (uint32_t)strtoul(argv[1], 0, 10);
  int samples = atoi(argv[2]), n = atoi(argv[3]), drifts = atoi(argv[4]), reps = atoi(argv[6]);
  double threshold = atof(argv[5]);
  double *sr = malloc(8.0 * samples), *si = malloc(8.0 * samples);
  for (int t = 0; t < samples; t++) {
    double radius = sqrt(-2 * log(1 - next())), angle = 2 * M_PI * next();
    sr[t] = radius * cos(angle);
    si[t] = radius * sin(angle);
  }
  double *re = malloc(8.0 * n), *im = malloc(8.0 * n), *power = malloc(8.0 * n);
  double *twRe = malloc(8.0 * n), *twIm = malloc(8.0 * n);
  uint32_t *rev = malloc(4.0 * n);
  plan(n, twRe, twIm, rev);
  stamp best = {1e30, 1e30};
  long peaks = 0;
  double amplitude = 0;
  for (int r = 0; r < reps; r++) {
    stamp t0 = stamp_now();
    peaks = 0;
    amplitude = 0;
    for (int d = 0; d < drifts; d++) {
      double drift = (d - drifts / 2) * 1e-7, sum;
      peaks += searchDrift(sr, si, samples, n, drift, threshold, re, im, power, twRe, twIm, rev, &sum);
      amplitude += sum;
    }
    keep_best(t0, &best);
  }
  printf("%.9f %.9f %ld %.17g\n", best.cpu, best.wall, peaks, amplitude);
  return 0;
}
