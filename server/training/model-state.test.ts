/**
 * The trainer's next version starts its robust aggregate where the current version's left off (the aggregate stored
 * with it), as the bench measured: a sign-flipping minority is then far from the centre and drops out.
 */
import { describe, expect, test } from 'vitest';
import { TrainingJobSubmission } from '../../protocol/training-job.ts';
import { Random } from '../../worker-kernels/random.ts';
import { mean, squaredDistance } from '../../worker-kernels/training/aggregate.ts';
import { parameterCount } from '../../worker-kernels/training/model.ts';
import { initialState, nextVersion } from './model-state.ts';

const JOB = TrainingJobSubmission.parse({ name: 'digits', model: { kind: 'mlp', hidden: 4 }, rounds: 2 });

describe('the next model version', () => {
  const size = parameterCount(JOB.model);
  const random = new Random(24);
  const drift = Float32Array.from({ length: size }, () => random.uniform(-0.01, 0.01));
  const honest = Array.from({ length: 7 }, () => drift.map((d) => d + random.uniform(-0.003, 0.003)));
  const flipped = mean(honest).map((x) => -x);
  const deltas = [...honest, flipped, flipped, flipped];
  const distance = (a: Float32Array) => Math.sqrt(squaredDistance(a, mean(honest)));

  test('default: it keeps the aggregate it applied, and an empty round keeps the last one', () => {
    const start = initialState(JOB);
    const next = nextVersion(JOB, start, honest, 1);
    expect(next.aggregate.some((x) => x !== 0)).toBe(true);
    expect(next.params).not.toEqual(start.params);
    expect(nextVersion(JOB, next, [], 2)).toEqual(next);
  });

  test('behavior: centred on the stored aggregate, three sign-flippers of ten are dropped; from zero they pull', () => {
    const start = initialState(JOB);
    const fromZero = nextVersion(JOB, start, deltas, 1).aggregate;
    const fromLast = nextVersion(JOB, { ...start, aggregate: drift }, deltas, 1).aggregate;
    expect(distance(fromLast)).toBeLessThan(0.01 * distance(fromZero));
  });
});
