import { describe, expect, test } from 'vitest';
import { backends } from '../../testing/backends.ts';
import { honest } from '../../testing/results.ts';
import { storePerTest } from '../../testing/store-fixture.ts';
import { tinyUnits } from '../../testing/tiny-units.ts';
import { loadDue, prefixWithin } from './due-units.ts';
import type { WorkUnitRow } from './rows.ts';

describe('prefixWithin', () => {
  test('default: takes sizes from the first while they fit together', () => {
    expect(prefixWithin(10, [3, 4, 3, 1])).toBe(3);
    expect(prefixWithin(10, [])).toBe(0);
  });

  test('edge: one larger than the whole budget is still taken, alone, so that a round always moves on', () => {
    expect(prefixWithin(10, [50, 1])).toBe(1);
    expect(prefixWithin(10, [1, 50, 1])).toBe(1);
  });
});

describe.each(backends)('loadDue on $name', (backend) => {
  const fixture = storePerTest(backend);
  const now = 1_000_000;

  /** Three units, each with two reported results, all queued for the validator. */
  async function reported() {
    const { store, db } = fixture;
    await store.createBatch({ app: 'signal-search', name: 'three', units: tinyUnits(3), now });
    for (let h = 0; h < 2; h++) {
      const host = await store.createHost({ tokenHash: `t-${h}`, now });
      const issued = await store.issueReplicas(host, 3, now);
      await store.recordResults(host, issued.map(honest), now);
    }
    return db;
  }

  test(
    'default: the validator gets every locked unit with its results, ' + 'the transitioner none of the results',
    async () => {
      const db = await reported();
      await db.transaction(async (q) => {
        const locked = await q.all<WorkUnitRow>('SELECT * FROM work_units ORDER BY id');
        const forValidator = await loadDue(q, db.dialect, 'validate', locked);
        expect(forValidator.units.map((u) => u.id)).toEqual(locked.map((u) => u.id));
        for (const unit of locked) {
          const results = forValidator.replicas.get(unit.id)!.map((r) => r.result);
          expect(results).toHaveLength(2);
          expect(results.every((r) => typeof r === 'string' && r.startsWith('{'))).toBe(true);
        }
        const forTransitioner = await loadDue(q, db.dialect, 'transition', locked);
        expect(forTransitioner.units).toHaveLength(3);
        expect([...forTransitioner.replicas.values()].flat().map((r) => r.result)).toEqual(Array(6).fill(null));
      });
    },
  );

  test('edge: past the budget of result bytes, a round takes the first units only, and at least one', async () => {
    const db = await reported();
    await db.transaction(async (q) => {
      const locked = await q.all<WorkUnitRow>('SELECT * FROM work_units ORDER BY id');
      const { result_bytes: oneUnit } = (await q.get<{ result_bytes: number }>(
        'SELECT sum(octet_length(result)) AS result_bytes FROM replicas WHERE work_unit_id = ?',
        [locked[0]!.id],
      ))!;
      const two = await loadDue(q, db.dialect, 'validate', locked, Number(oneUnit) * 2.5);
      expect(two.units.map((u) => u.id)).toEqual(locked.slice(0, 2).map((u) => u.id));
      const one = await loadDue(q, db.dialect, 'validate', locked, 1);
      expect(one.units.map((u) => u.id)).toEqual([locked[0]!.id]);
      expect(one.replicas.get(locked[0]!.id)!.every((r) => r.result !== null)).toBe(true);
    });
  });
});
