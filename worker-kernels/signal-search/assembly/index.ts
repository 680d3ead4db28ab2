// @module worker-kernels/signal-search/assembly
// The signal search's inner loops in WebAssembly (the same algorithm as bench/signal-search.c): de-chirp a block,
// FFT it with f64x2 SIMD butterflies, list the bins whose power exceeds threshold × the block's mean, and add up
// every bin's √(power / mean). Selecting the strongest peaks and checkpointing stay in the driver, as in the reference.

/** Σ √snr over every block and bin of the last searchDrift. */
export let amplitudeSum: f64 = 0;

export function alloc(bytes: i32): usize {
  return heap.alloc(<usize>bytes);
}

export function reset(): void {
  heap.reset();
}

/**
 * Twiddles laid out per stage: for the stage whose butterflies span `half`, entries [half, 2·half) hold
 * cos and −sin of 2πk/(2·half), so each stage reads them contiguously (two per SIMD step).
 * rev holds the bit-reversal permutation. Tables are n f64 (twiddles) and n u32 (rev).
 */
export function plan(n: i32, twRe: usize, twIm: usize, rev: usize): void {
  for (let half = 1; half < n; half <<= 1) {
    for (let k = 0; k < half; k++) {
      const angle = (2 * Math.PI * <f64>k) / <f64>(2 * half);
      store<f64>(twRe + ((<usize>(half + k)) << 3), Math.cos(angle));
      store<f64>(twIm + ((<usize>(half + k)) << 3), -Math.sin(angle));
    }
  }
  const bits = <i32>ctz(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >>> b) & 1) << (bits - 1 - b);
    store<u32>(rev + ((<usize>i) << 2), r);
  }
}

function swap(p: usize, q: usize): void {
  const t = load<f64>(p);
  store<f64>(p, load<f64>(q));
  store<f64>(q, t);
}

/** In-place forward DFT of n (≥ 2, power of two) complex values, the reference's radix-2 order. */
function fft(re: usize, im: usize, n: i32, twRe: usize, twIm: usize, rev: usize): void {
  for (let i = 0; i < n; i++) {
    const j = <i32>load<u32>(rev + ((<usize>i) << 2));
    if (j > i) {
      swap(re + ((<usize>i) << 3), re + ((<usize>j) << 3));
      swap(im + ((<usize>i) << 3), im + ((<usize>j) << 3));
    }
  }
  // First stage (half = 1): the twiddle is 1.
  for (let a = 0; a < n; a += 2) {
    const pa = (<usize>a) << 3;
    const ar = load<f64>(re + pa),
      ai = load<f64>(im + pa),
      br = load<f64>(re + pa, 8),
      bi = load<f64>(im + pa, 8);
    store<f64>(re + pa, ar + br);
    store<f64>(im + pa, ai + bi);
    store<f64>(re + pa, ar - br, 8);
    store<f64>(im + pa, ai - bi, 8);
  }
  for (let half = 2; half < n; half <<= 1) {
    const tr = twRe + ((<usize>half) << 3),
      ti = twIm + ((<usize>half) << 3);
    const span = (<usize>half) << 3;
    for (let start = 0; start < n; start += half << 1) {
      const ra = re + ((<usize>start) << 3),
        ia = im + ((<usize>start) << 3);
      for (let k: usize = 0; k < span; k += 16) {
        const wr = v128.load(tr + k),
          wi = v128.load(ti + k);
        const brv = v128.load(ra + span + k),
          biv = v128.load(ia + span + k);
        const xr = f64x2.sub(f64x2.mul(brv, wr), f64x2.mul(biv, wi));
        const xi = f64x2.add(f64x2.mul(brv, wi), f64x2.mul(biv, wr));
        const arv = v128.load(ra + k),
          aiv = v128.load(ia + k);
        v128.store(ra + span + k, f64x2.sub(arv, xr));
        v128.store(ia + span + k, f64x2.sub(aiv, xi));
        v128.store(ra + k, f64x2.add(arv, xr));
        v128.store(ia + k, f64x2.add(aiv, xi));
      }
    }
  }
}

/** Chirp phase in cycles reduced to [0, 1), exactly as the reference's chirpCycles. */
function chirpCycles(drift: f64, t: f64): f64 {
  const cycles = (drift * t * t) / 2;
  return cycles - Math.floor(cycles);
}

/**
 * Searches one trial drift over all blocks of the signal (sigRe/sigIm, sampleCount f64 each). Writes each peak as
 * 16 bytes {f64 snr, i32 block, i32 bin} at `out` and returns how many; `out` must hold sampleCount of them.
 * `work` is scratch of 3·fftSize f64.
 */
export function searchDrift(
  sigRe: usize,
  sigIm: usize,
  sampleCount: i32,
  fftSize: i32,
  drift: f64,
  threshold: f64,
  work: usize,
  twRe: usize,
  twIm: usize,
  rev: usize,
  out: usize,
): i32 {
  const re = work,
    im = work + ((<usize>fftSize) << 3),
    power = im + ((<usize>fftSize) << 3);
  let found = 0;
  amplitudeSum = 0;
  for (let block = 0; block < sampleCount / fftSize; block++) {
    const offset = block * fftSize;
    for (let i = 0; i < fftSize; i++) {
      const angle = -2 * Math.PI * chirpCycles(drift, <f64>(offset + i));
      const c = Math.cos(angle),
        s = Math.sin(angle);
      const at = (<usize>(offset + i)) << 3;
      const xr = load<f64>(sigRe + at),
        xi = load<f64>(sigIm + at);
      store<f64>(re + ((<usize>i) << 3), xr * c - xi * s);
      store<f64>(im + ((<usize>i) << 3), xr * s + xi * c);
    }
    fft(re, im, fftSize, twRe, twIm, rev);
    let sum: f64 = 0;
    for (let k = 0; k < fftSize; k++) {
      const x = load<f64>(re + ((<usize>k) << 3)),
        y = load<f64>(im + ((<usize>k) << 3));
      const p = x * x + y * y;
      store<f64>(power + ((<usize>k) << 3), p);
      sum += p;
    }
    const mean = sum / <f64>fftSize;
    if (mean > 0) {
      // Two bins at a time (fftSize ≥ 16 is even): SNRs, their square roots summed lane by lane, and a look at each
      // bin only where either lane is above the threshold.
      const meanV = f64x2.splat(mean),
        thresholdV = f64x2.splat(threshold);
      let sums = f64x2.splat(0);
      for (let k = 0; k < fftSize; k += 2) {
        const snr = f64x2.div(v128.load(power + ((<usize>k) << 3)), meanV);
        sums = f64x2.add(sums, f64x2.sqrt(snr));
        if (v128.any_true(f64x2.gt(snr, thresholdV))) {
          for (let lane = 0; lane < 2; lane++) {
            const value = lane == 0 ? f64x2.extract_lane(snr, 0) : f64x2.extract_lane(snr, 1);
            if (value > threshold) {
              const record = out + ((<usize>found) << 4);
              store<f64>(record, value);
              store<i32>(record, block, 8);
              store<i32>(record, k + lane, 12);
              found++;
            }
          }
        }
      }
      amplitudeSum += f64x2.extract_lane(sums, 0) + f64x2.extract_lane(sums, 1);
    }
  }
  return found;
}
