import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { backends } from '../../testing/backends.ts';
import { freshStore } from '../../testing/store-fixture.ts';
import type { Db } from './db.ts';
import { migrate } from './schema.ts';

/** Columns of a replica that change after it is sent: no index of the table may read them (see migration 8). */
const CHANGING = [
  'server_state',
  'outcome',
  'validate_state',
  'received_at',
  'result',
  'variant',
  'elapsed_ms',
  'error',
  'granted_credit',
  'unverified',
  'validated_at',
];

async function replicaIndexes(db: Db): Promise<string[]> {
  const rows =
    db.dialect === 'postgres'
      ? await db.all<{ def: string }>(
          "SELECT indexdef AS def FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'replicas'",
        )
      : await db.all<{ def: string }>(
          "SELECT sql AS def FROM sqlite_master WHERE type = 'index' AND tbl_name = 'replicas' AND sql IS NOT NULL",
        );
  return rows.map((r) => r.def);
}

describe.each(backends)('the schema on $name', ({ name, available }) => {
  let db: Db;
  let cleanup = async () => {};

  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    const fresh = await freshStore(name, () => 0, { upTo: 7 });
    cleanup = fresh.cleanup;
    db = fresh.db;
  });
  afterEach(async () => {
    if (available) await cleanup();
  });

  test('default: no index of replicas reads a column that changes after the replica is sent', async () => {
    await migrate(db);
    const indexes = await replicaIndexes(db);
    expect(indexes.join('\n')).toMatch(/replicas_queue/);
    for (const def of indexes)
      for (const column of CHANGING) expect(def, def).not.toMatch(new RegExp(`\\b${column}\\b`));
  });

  test(
    'default: on Postgres, sending a replica locks neither its host ' + 'nor its volunteer (no foreign keys to them)',
    async (ctx) => {
      if (db.dialect !== 'postgres') return ctx.skip();
      await migrate(db);
      const keys = await db.all<{ conname: string }>(
        `SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid = 'replicas'::regclass ORDER BY conname`,
      );
      expect(keys.map((k) => k.conname)).toEqual(['replicas_work_unit_id_fkey']);
    },
  );

  test(
    'behavior: migration 8 queues the credit not yet added and not yet settled, ' + 'and keeps the unsent queued',
    async () => {
      await db.run("INSERT INTO volunteers (id, name, created_at) VALUES (1, 'v', 0)");
      await db.run('INSERT INTO hosts (id, volunteer_id, created_at) VALUES (1, 1, 0)');
      await db.run("INSERT INTO batches (id, app, name, created_at) VALUES (1, 'collatz', 'b', 0)");
      await db.run(
        `INSERT INTO work_units (id, batch_id, app, input, flops_estimate, min_quorum, target_nresults,
          max_error_results, max_total_results, delay_bound_s, requested_quorum, requested_target, created_at)
          VALUES (1, 1, 'collatz', '{}', 1, 1, 1, 1, 4, 60, 1, 1, 0)`,
      );
      // Valid and neither added nor settled; added, not settled; added and settled; invalid; unsent.
      const replicas: Array<[number, string, string, number, number]> = [
        [1, 'over', 'valid', 0, 0],
        [2, 'over', 'valid', 1, 0],
        [3, 'over', 'valid', 1, 1],
        [4, 'over', 'invalid', 0, 0],
        [5, 'unsent', 'init', 0, 0],
      ];
      for (const [id, state, validate, credited, settled] of replicas) {
        const sent = state === 'unsent' ? null : 1;
        await db.run(
          `INSERT INTO replicas (id, work_unit_id, app, host_id, volunteer_id, server_state, validate_state,
            granted_credit, credited, settled, validated_at)
          VALUES (?, 1, 'collatz', ?, ?, ?, ?, ?, ?, ?, ?)`,
          [id, sent, sent, state, validate, id * 10, credited, settled, validate === 'valid' ? 100 + id : null],
        );
      }
      await migrate(db);
      expect(
        await db.all('SELECT replica_id, host_id, volunteer_id, credit FROM pending_credit ORDER BY replica_id'),
      ).toEqual([{ replica_id: 1, host_id: 1, volunteer_id: 1, credit: 10 }]);
      expect(
        await db.all('SELECT replica_id, volunteer_id, credit, validated_at FROM unsettled_credit ORDER BY replica_id'),
      ).toEqual([
        { replica_id: 1, volunteer_id: 1, credit: 10, validated_at: 101 },
        { replica_id: 2, volunteer_id: 1, credit: 20, validated_at: 102 },
      ]);
      expect(await db.all('SELECT id FROM replicas WHERE queued = 1')).toEqual([{ id: 5 }]);
    },
  );
});
