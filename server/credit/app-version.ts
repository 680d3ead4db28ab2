/**
 * @module server/credit/app-version
 * Credit normalised per app version (the idea of BOINC's CreditNew). A researcher's app declares its units' FLOPs,
 * so its credit is bounded by what hosts were measured to spend (server/credit/bounded-claim.ts). One unit's
 * measurement is noisy and its quorum's hosts choose their own times within what the coordinator saw, so the
 * coordinator also keeps, per app version, a running average of what validated units measured against what they
 * declared, and credits every unit of the app by it once it has a few units behind it.
 *
 * An app version is the app, the version of a researcher's app (its name and version: one module), and the variant
 * that ran (WebAssembly or WebGPU): `custom:prime-count@2/webgpu`. Variants of one app do the same work, so every
 * unit of the app is credited by its most efficient variant's average (the lowest measured share, as CreditNew
 * normalises versions to the most efficient): a WebGPU and a WASM host computing the same units are paid alike.
 *
 * Robust to a few liars: a sample comes only from results that agreed in a quorum (one sample per variant per
 * unit, the least of its results, so one inflated time in a quorum moves nothing), it is clamped to the declared
 * FLOPs, and once the average has a few units behind it to within a factor of 2 of it, so a crowd that fills whole
 * quorums moves it by at most a tenth a unit, and only its own variant's average.
 */
import type { Variant } from '../../protocol/apps.ts';
import { type CreditedResult, measuredFlops } from './bounded-claim.ts';

/** Weight of a new unit's sample in the running average (BOINC's CreditNew averages over about ten). */
export const SAMPLE_WEIGHT = 0.1;
/** Units a version's average needs before it prices units (until then each unit is priced by its own quorum). */
export const MIN_SAMPLES = 5;
/** Once it prices units, a sample counts at most this factor away from the average. */
export const SAMPLE_CLAMP = 2;

/** A version's running average: measured FLOPs as a share of declared FLOPs, over `samples` validated units. */
export interface VersionAverage {
  share: number;
  samples: number;
}

/** What a researcher's app's versions share: its name and version (one module), whatever the variant. */
export const appKeyOf = (name: string, version: number) => `custom:${name}@${version}`;
export const versionKeyOf = (appKey: string, variant: Variant) => `${appKey}/${variant}`;

/**
 * One validated unit's samples, one per variant among its agreeing results: the least share measured with it
 * (measured FLOPs over declared, at most 1).
 */
export function unitSamples(
  declared: number,
  agreeing: ReadonlyArray<CreditedResult & { variant: Variant | null }>,
): Map<Variant, number> {
  const samples = new Map<Variant, number>();
  if (!(declared > 0)) return samples;
  for (const r of agreeing) {
    if (r.variant === null) continue;
    const share = Math.min(1, measuredFlops(r) / declared);
    samples.set(r.variant, Math.min(share, samples.get(r.variant) ?? Infinity));
  }
  return samples;
}

/** The average with one more unit's sample folded in (clamped to it once the average prices units). */
export function foldSample(avg: VersionAverage | undefined, sample: number): VersionAverage {
  if (!avg || avg.samples === 0) return { share: sample, samples: 1 };
  const counted =
    avg.samples >= MIN_SAMPLES
      ? Math.min(avg.share * SAMPLE_CLAMP, Math.max(avg.share / SAMPLE_CLAMP, sample))
      : sample;
  return { share: avg.share + SAMPLE_WEIGHT * (counted - avg.share), samples: avg.samples + 1 };
}

/**
 * The share every unit of an app is credited at: its most efficient version's average among those with
 * MIN_SAMPLES units or more; undefined while none has them.
 */
export function normalisedShare(versions: Iterable<VersionAverage>): number | undefined {
  let least: number | undefined;
  for (const v of versions) if (v.samples >= MIN_SAMPLES && (least === undefined || v.share < least)) least = v.share;
  return least;
}
