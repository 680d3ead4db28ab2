/**
 * @module server/epochs/stake-weight
 * The stake the attester draw uses: each volunteer's recent credit, decayed with BOINC's one-week half-life, as a
 * deterministic integer function of the previous epoch's committed weights and this epoch's credit deltas and cut
 * time, so that an attester (or anyone) recomputes every weight bit for bit from the two epoch files:
 *
 *   weight = floor(previousWeight × decay(cutAt − previousCutAt) / 10^18) + max(0, credit − previousCredit)
 *
 * decay(dt) is 2^(−dt/halfLife) in 18-decimal fixed point: whole half-lives are right shifts, the remainder is
 * e^(−x) for x = floor(r × LN2 / halfLife) summed as a Taylor series, each term rounded down, until a term is 0.
 * The weight is RAC up to a constant: with credit earned at a steady rate, weight = RAC × halfLife / (ln2 × 1 day).
 */
import { RAC_HALF_LIFE_S } from '../credit/rac.ts';

export const WEIGHT_HALF_LIFE_S = BigInt(RAC_HALF_LIFE_S);
const WAD = 10n ** 18n;
/** floor(ln 2 × 10^18). */
const LN2_WAD = 693_147_180_559_945_309n;

/**
 * 2^(−dtS / halfLife) × 10^18, rounded down by the rule above; 10^18 for dtS ≤ 0.
 * @example decayWad(2n * WEIGHT_HALF_LIFE_S) === 10n ** 18n / 4n
 */
export function decayWad(dtS: bigint, halfLifeS: bigint = WEIGHT_HALF_LIFE_S): bigint {
  if (dtS <= 0n) return WAD;
  const halvings = dtS / halfLifeS;
  if (halvings >= 64n) return 0n; // 10^18 / 2^64 < 1
  const x = ((dtS % halfLifeS) * LN2_WAD) / halfLifeS; // in [0, ln2) × 10^18
  let sum = WAD;
  let term = WAD;
  for (let k = 1n; term > 0n; k++) {
    term = (term * x) / (WAD * k);
    sum = k % 2n === 1n ? sum - term : sum + term;
  }
  return sum >> halvings;
}

/** A volunteer's committed state in an epoch: cumulative credit and weight, COP wei. */
export interface Committed {
  credit: bigint;
  weight: bigint;
}

/** The previous epoch as the weights need it: its cut time (unix seconds) and each address's leaf. */
export interface PreviousEpoch {
  cutAt: number;
  leaves: ReadonlyMap<string, Committed>;
}

/**
 * The weight of a volunteer with cumulative `credit` at `cutAt`, given its leaf in the previous epoch (none: a
 * newcomer, or the first epoch). Credit that fell (a grant withdrawn) adds nothing; it never subtracts weight.
 * @example nextWeight(previous, cutAt, { credit }) // floor(w × decay) + max(0, credit − previousCredit)
 */
export function nextWeight(previous: PreviousEpoch | undefined, cutAt: number, address: string, credit: bigint) {
  const before = previous?.leaves.get(address.toLowerCase());
  if (!previous || !before) return credit;
  const decayed = (before.weight * decayWad(BigInt(cutAt - previous.cutAt))) / WAD;
  return decayed + (credit > before.credit ? credit - before.credit : 0n);
}

/** The previous epoch's leaves keyed by lower-case address, for nextWeight. */
export function previousEpoch(
  cutAt: number,
  leaves: ReadonlyArray<readonly [string, bigint, bigint, bigint]>,
): PreviousEpoch {
  return { cutAt, leaves: new Map(leaves.map(([a, credit, , weight]) => [a.toLowerCase(), { credit, weight }])) };
}

/**
 * What is wrong with an epoch's weights given the previous epoch (undefined for epoch 1), in plain words: a cut
 * before the previous one, and the first few leaves whose weight is not nextWeight's. Empty when all hold.
 * @example weightProblems(previousEpoch(prevCut, prevLeaves), cutAt, leaves) // []
 */
export function weightProblems(
  previous: PreviousEpoch | undefined,
  cutAt: number,
  leaves: ReadonlyArray<readonly [string, bigint, bigint, bigint]>,
): string[] {
  if (previous && cutAt < previous.cutAt)
    return [`its weights are cut at ${cutAt}, before the previous epoch's cut ${previous.cutAt}`];
  const wrong = leaves.filter(([address, credit, , weight]) => weight !== nextWeight(previous, cutAt, address, credit));
  return wrong
    .slice(0, 3)
    .map(
      ([address, credit, , weight]) =>
        `${address}'s weight is ${weight}, not ${nextWeight(previous, cutAt, address, credit)}`,
    )
    .concat(wrong.length > 3 ? [`and ${wrong.length - 3} more wrong weights`] : []);
}
