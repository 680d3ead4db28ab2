import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { randomBytes } from 'node:crypto';
import { REPLICA_TOKEN_BYTES, tokenOf } from '../../../protocol/work.ts';
import { runReference } from '../../../worker-kernels/registry.ts';
import { backends } from '../../testing/backends.ts';
import { freshStore, type FreshStore } from '../../testing/store-fixture.ts';
import { tinyUnits } from '../../testing/tiny-units.ts';
import { ForeignReplicaError } from '../store.ts';
import type { Host, ResultToRecord } from '../types.ts';
import type { Db } from './db.ts';
import { migrate } from './schema.ts';
import { replicaTokensOf } from './replica-token-key.ts';
import { sqlStores } from './sql-stores.ts';

/** A correct result for replica `replicaId`, reported under `token`. */
async function successOf(db: Db, token: string, replicaId: number): Promise<ResultToRecord> {
  const row = await db.get<{ input: string }>(
    'SELECT u.input FROM replicas r JOIN work_units u ON u.id = r.work_unit_id WHERE r.id = ?',
    [replicaId],
  );
  const job = { app: 'signal-search' as const, input: JSON.parse(row!.input) };
  return {
    status: 'success',
    token,
    elapsedMs: 5,
    variant: 'reference',
    result: runReference(job, { progress() {}, checkpoint() {} }),
  };
}

/**
 * Migration 21 on a database in flight: replicas hosts hold under their old numbers stay reportable by those
 * numbers, by the hosts that hold them only; every replica sent since has a random token, which no number reaches.
 */
describe.each(backends)('replica tokens (migration 21) on $name', ({ name, available }) => {
  let fresh: FreshStore;
  const now = 9_000_000;

  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    fresh = await freshStore(name, () => 0.99, { upTo: 22 });
  });
  afterEach(async () => {
    if (available) await fresh.cleanup();
  });

  /** What a coordinator before migration 21 did when it sent a replica to a host. */
  async function sentBefore(host: Host, replicaId: number) {
    await fresh.db.run(
      `UPDATE replicas SET server_state = 'in_progress', host_id = ?, volunteer_id = ?, sent_at = ?, deadline = ?
        WHERE id = ?`,
      [host.id, host.volunteerId, now, now + 3_600_000, replicaId],
    );
  }

  const success = (replicaId: number | string, of: number) =>
    successOf(fresh.db, typeof replicaId === 'number' ? tokenOf(replicaId) : replicaId, of);

  test('default: a replica held under its number is reported by it, by its host only; new ones, tokens', async () => {
    const { store, db } = fresh;
    await store.createBatch({ app: 'signal-search', name: 'old', units: tinyUnits(2), now });
    const [holder, other, later] = await Promise.all(
      ['a', 'b', 'c'].map((t) => store.createHost({ tokenHash: `mig-${t}`, now })),
    );
    // Unit 1's two replicas went out before the migration; unit 2's wait.
    await sentBefore(holder!, 1);
    await sentBefore(other!, 2);
    await migrate(db);

    const tokens = await db.all<{ id: number; token: string | null }>('SELECT id, token FROM replicas ORDER BY id');
    expect(tokens.map((r) => r.token)).toEqual(['1', '2', null, null]);

    // The number reaches the replica for the host that holds it, not for another.
    await expect(store.recordResults(other!, [await success(1, 1)], now)).rejects.toBeInstanceOf(ForeignReplicaError);
    expect(await store.recordResults(holder!, [await success(1, 1)], now)).toEqual([
      { token: '1', replicaId: 1, ok: true },
    ]);

    // A replica sent now gets a random token, unrelated to its number; its number reaches nothing.
    const [fresh3] = await store.issueReplicas(later!, 1, now);
    expect(fresh3!.token).toMatch(/^[A-Za-z0-9_-]{21}[AQgw]$/);
    await expect(
      store.recordResults(later!, [await success(fresh3!.replicaId, fresh3!.replicaId)], now),
    ).rejects.toBeInstanceOf(ForeignReplicaError);
    expect(await store.recordResults(later!, [await success(fresh3!.token, fresh3!.replicaId)], now)).toEqual([
      { token: fresh3!.token, replicaId: fresh3!.replicaId, ok: true },
    ]);
  });
});

/**
 * Migration 25 on a database in flight: tokens drawn and kept before it still reach their replicas, for their hosts
 * only; replicas sent since keep no token (theirs is their id enciphered) and any coordinator on the database reads
 * them, while an enciphered id never reaches a replica that has a kept token.
 */
describe.each(backends)('enciphered replica tokens (migration 25) on $name', ({ name, available }) => {
  let fresh: FreshStore;
  const now = 9_000_000;

  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    fresh = await freshStore(name, () => 0.99, { upTo: 24 });
  });
  afterEach(async () => {
    if (available) await fresh.cleanup();
  });

  const success = (token: string, replicaId: number) => successOf(fresh.db, token, replicaId);

  test('default: a drawn token still reaches its replica; new ones kept nowhere, read by any coordinator', async () => {
    const { store, db, inspect } = fresh;
    await store.createBatch({ app: 'signal-search', name: 'old', units: tinyUnits(2), now });
    const [holder, other, later] = await Promise.all(
      ['a', 'b', 'c'].map((t) => store.createHost({ tokenHash: `enc-${t}`, now })),
    );
    // Replica 1 went out under migration 23's coordinator, with a drawn token kept in its row.
    const drawn = randomBytes(REPLICA_TOKEN_BYTES).toString('base64url');
    await db.run(
      `UPDATE replicas SET server_state = 'in_progress', host_id = ?, volunteer_id = ?, sent_at = ?, deadline = ?,
        token = ? WHERE id = 1`,
      [holder!.id, holder!.volunteerId, now, now + 3_600_000, drawn],
    );
    await migrate(db);

    await expect(store.recordResults(other!, [await success(drawn, 1)], now)).rejects.toBeInstanceOf(
      ForeignReplicaError,
    );
    // Its id enciphered is not how its host knows it, and reaches nothing; the inspector names it as its host does.
    const enciphered = (await replicaTokensOf(db)).tokenOf(1);
    await expect(store.recordResults(holder!, [await success(enciphered, 1)], now)).rejects.toBeInstanceOf(
      ForeignReplicaError,
    );
    expect((await inspect.replicas())[0]!.token).toBe(drawn);
    expect(await store.recordResults(holder!, [await success(drawn, 1)], now)).toEqual([
      { token: drawn, replicaId: 1, ok: true },
    ]);

    // A replica sent now keeps no token; another coordinator on this database (a store of its own) reads it.
    const [sent] = await store.issueReplicas(later!, 1, now);
    expect(sent!.token).toMatch(/^[A-Za-z0-9_-]{21}[AQgw]$/);
    const kept = await db.get<{ token: string | null }>('SELECT token FROM replicas WHERE id = ?', [sent!.replicaId]);
    expect(kept!.token).toBeNull();
    expect((await inspect.replicas()).find((r) => r.id === sent!.replicaId)!.token).toBe(sent!.token);
    const second = sqlStores(db).work;
    await expect(
      second.recordResults(other!, [await success(sent!.token, sent!.replicaId)], now),
    ).rejects.toBeInstanceOf(ForeignReplicaError);
    expect(await second.recordResults(later!, [await success(sent!.token, sent!.replicaId)], now)).toEqual([
      { token: sent!.token, replicaId: sent!.replicaId, ok: true },
    ]);
  });
});
