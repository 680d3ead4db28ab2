import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../worker-kernels/training/dataset.ts';
import { ROBUST_AGGREGATION } from '../../worker-kernels/training/robust.ts';
import { loadTrainingWasm } from '../../worker-kernels/training/wasm.ts';
import { type Kit, kitOf, type SimConfig, simulate } from './sim.ts';

let kit: Kit;
beforeAll(async () => {
  kit = kitOf(...(await Promise.all([loadMnist(), loadTrainingWasm()])));
});

/**
 * A small job as the coordinator runs one (loss screen, second wave, round check) against 60% label-flippers, half the
 * units recomputed. The seeds are ones whose second wave would reach an identity banned earlier in its round, or a
 * liar, were the rules broken (each assertion fails with its rule taken out of sim.ts).
 */
const job = (seed: number): SimConfig => ({
  model: { kind: 'mlp', hidden: 16 },
  volunteers: 10,
  byzantine: 0.6,
  attack: 'label-flip',
  noniid: true,
  recompute: 0.5,
  rounds: 3,
  steps: 20,
  batch: 4,
  lr: 0.01,
  schedule: 'cosine',
  momentum: 0.9,
  block: 256,
  aggregator: 'centered-clip',
  bucket: ROBUST_AGGREGATION.bucket,
  workerMomentum: 0,
  clip: { ...ROBUST_AGGREGATION.clip },
  outer: { lr: 0.7, momentum: 0.9 },
  seed,
  dealing: 'random',
  gateLoss: 0.05,
  roundsCap: 2,
  screenEven: true,
  redeal: true,
  screen: 0.1,
});

describe('the simulated job deals its second wave as the coordinator does', () => {
  it.each([4, 5, 8])('never to an identity banned earlier in the round (seed %i)', async (seed) => {
    const { bannedAfter, tasks, dealtAgain } = await simulate(kit, job(seed), () => {});
    expect(dealtAgain).toBeGreaterThan(0);
    // A banned identity's count of tasks stops at its ban.
    for (const [i, banned] of bannedAfter.entries()) if (banned !== null) expect(tasks[i]).toBe(banned);
  });

  it('recomputes units dealt again on the same coin, so a liar among them is caught', async () => {
    const lines: string[] = [];
    const { verifyOverhead } = await simulate(kit, job(2), (line) => lines.push(line));
    // r: a unit dealt again whose holder a recomputation caught; its honest replica stands.
    expect(lines.filter((line) => /dealt again \([hAr]*r[hAr]*\)/.test(line))).not.toEqual([]);
    expect(verifyOverhead).toBeGreaterThan(0);
    // The liar caught there had an update kept from the first units of that round: it is dropped too.
    expect(lines.filter((line) => line.includes('dropped: their sender was caught'))).not.toEqual([]);
  });
});

describe('screen-edge: attackers that read the loss screen', () => {
  const edge: SimConfig = { ...job(1), byzantine: 0.3, attack: 'screen-edge', recompute: 0, screenMargin: 2 };
  /** Each attacker's t statistic on the screen's lines (A-0.0013(-1.1)). */
  const attackersT = async (config: SimConfig) => {
    const lines: string[] = [];
    await simulate(kit, config, (line) => lines.push(line));
    return lines
      .filter((line) => line.includes(': screen kept'))
      .flatMap((line) => [...line.matchAll(/A-?[\d.]+\((-?[\d.]+|-?Infinity)\)/g)].map((m) => Number(m[1])));
  };

  it('pass at the margin where the check digits are the first 500, at the edge rather than inside it', async () => {
    const t = await attackersT(edge);
    expect(t.length).toBeGreaterThan(0);
    expect(t.every((x) => x > -2)).toBe(true); // every one passes
    expect(t.some((x) => x < 0)).toBe(true); // and raises the loss where it can
  });

  it('are refused where the check digits are drawn for each round, as the coordinator draws them', async () => {
    const t = await attackersT({ ...edge, checkDigits: 'drawn' });
    expect(t.some((x) => x < -2)).toBe(true);
  });
});
