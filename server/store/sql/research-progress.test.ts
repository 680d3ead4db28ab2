import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { backends } from '../../testing/backends.ts';
import { freshStore } from '../../testing/store-fixture.ts';
import { tinyUnits } from '../../testing/tiny-units.ts';
import type { Store } from '../store.ts';
import type { Db } from './db.ts';
import { estimateCompletion, throughput } from './research-progress.ts';

describe('estimateCompletion', () => {
  test('default: the remaining units at the recent rate', () => {
    // 10 units validated in the last minute, 30 to go: three more minutes.
    expect(estimateCompletion(30, 10, 60_000, 1_000_000)).toBe(1_000_000 + 180_000);
  });
  test('behavior: nothing left is done now; nothing moving is unknown', () => {
    expect(estimateCompletion(0, 0, 60_000, 5)).toBe(5);
    expect(estimateCompletion(4, 0, 60_000, 5)).toBeNull();
    expect(estimateCompletion(4, 3, 0, 5)).toBeNull();
  });
});

describe.each(backends)('throughput on $name', ({ name, available }) => {
  let store: Store;
  let db: Db;
  let cleanup = async () => {};
  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    ({ store, db, cleanup } = await freshStore(name, () => 0));
  });
  afterEach(async () => {
    if (available) await cleanup();
  });

  /** A batch whose units' canonical results were validated at the given times. */
  async function validatedAt(times: number[]): Promise<number> {
    const batchId = await store.createBatch({
      app: 'signal-search',
      name: 'b',
      units: tinyUnits(times.length),
      now: 0,
    });
    const units = await db.all<{ id: number }>('SELECT id FROM work_units WHERE batch_id = ? ORDER BY id', [batchId]);
    for (const [i, { id }] of units.entries()) {
      const replica = (await db.get<{ id: number }>('SELECT min(id) AS id FROM replicas WHERE work_unit_id = ?', [
        id,
      ]))!;
      await db.run('UPDATE replicas SET validated_at = ? WHERE id = ?', [times[i]!, replica.id]);
      await db.run('UPDATE work_units SET canonical_replica_id = ? WHERE id = ?', [replica.id, id]);
    }
    return batchId;
  }

  test('default: units validated within one bucket are counted together, by the bucket they fall in', async () => {
    // Three units in the bucket [960,000, 1,020,000), one in the next.
    const batchId = await validatedAt([960_000, 975_500, 1_019_999, 1_020_001]);
    const points = await throughput(db, { where: 'u.batch_id = ?', params: [batchId] }, 60_000);
    // node:sqlite binds a JS number as REAL: validated_at / ? was a float division, one row per unit, every count 1.
    expect(points).toEqual([
      [960_000, 3],
      [1_020_000, 1],
    ]);
  });
});
