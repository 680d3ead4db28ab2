/**
 * @module web/lib/format
 * Numbers as a volunteer reads them. Credit from one browser is small at first (a 1 GFLOPS device earns 200 a day,
 * about 0.002 a second), so small values keep three significant digits instead of rounding to zero.
 */

const small = new Intl.NumberFormat('en', { maximumSignificantDigits: 3 });
const large = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });

export function formatCredit(credit: number): string {
  return credit < 1 ? small.format(credit) : large.format(credit);
}

/** A speed in FLOPS with its SI prefix, e.g. "1.23 GFLOPS". */
export function formatFlops(flops: number): string {
  const prefixes = ['', 'k', 'M', 'G', 'T', 'P'];
  let i = 0;
  while (flops >= 1000 && i < prefixes.length - 1) {
    flops /= 1000;
    i++;
  }
  return `${small.format(flops)} ${prefixes[i]}FLOPS`;
}
