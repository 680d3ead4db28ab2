import { describe, expect, it } from 'vitest';
import { innerLrAt, jobFinished } from './schedule.ts';

describe('innerLrAt', () => {
  it('default: cosine from lr at round 0 to half at the middle, above 0 at the last round', () => {
    const at = (r: number) => innerLrAt({ lr: 0.01, schedule: 'cosine' }, r, 12);
    expect(at(0)).toBe(0.01);
    expect(at(6)).toBeCloseTo(0.005, 12);
    expect(at(11)).toBeGreaterThan(0);
    expect(at(11)).toBeLessThan(0.0003);
    for (let r = 1; r < 12; r++) expect(at(r)).toBeLessThan(at(r - 1));
  });

  it('behavior: a floor keeps the cosine above lr·floor, from lr at round 0, halfway between at the middle', () => {
    const at = (r: number) => innerLrAt({ lr: 0.01, schedule: 'cosine', floor: 0.3 }, r, 12);
    expect(at(0)).toBe(0.01);
    expect(at(6)).toBeCloseTo(0.0065, 12);
    expect(at(11)).toBeGreaterThan(0.003);
    expect(at(11)).toBeLessThan(0.0032);
    for (let r = 1; r < 12; r++) expect(at(r)).toBeLessThan(at(r - 1));
    expect(innerLrAt({ lr: 0.01, schedule: 'cosine', floor: 0 }, 6, 12)).toBe(
      innerLrAt({ lr: 0.01, schedule: 'cosine' }, 6, 12),
    );
  });

  it('behavior: constant keeps lr', () => {
    expect(innerLrAt({ lr: 0.05, schedule: 'constant' }, 7, 12)).toBe(0.05);
  });

  it('behavior: rounds past the job (a repeated last round) keep the last rate; a one-round job keeps lr', () => {
    const spec = { lr: 0.01, schedule: 'cosine' } as const;
    expect(innerLrAt(spec, 15, 12)).toBe(innerLrAt(spec, 11, 12));
    expect(innerLrAt(spec, 0, 1)).toBe(0.01);
  });
});

describe('jobFinished', () => {
  it('default: a job is over once it has applied its rounds, however many it ran', () => {
    expect(jobFinished({ applied: 11, run: 11 }, 12, 2)).toBe(false);
    expect(jobFinished({ applied: 12, run: 12 }, 12, 2)).toBe(true);
    expect(jobFinished({ applied: 12, run: 15 }, 12, 2)).toBe(true);
  });

  it('behavior: refused rounds extend it up to roundsCap times its rounds; a cap of 1 runs exactly its rounds', () => {
    expect(jobFinished({ applied: 9, run: 12 }, 12, 2)).toBe(false);
    expect(jobFinished({ applied: 9, run: 24 }, 12, 2)).toBe(true);
    expect(jobFinished({ applied: 9, run: 12 }, 12, 1)).toBe(true);
  });
});
