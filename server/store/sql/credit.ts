/**
 * @module server/store/sql/credit
 * The credit passes' writes: granted credit queued by the validator, added to host and volunteer totals (and their
 * recent averages) by the credit pass, made final by the settler, and a caught host's unverified credit revoked.
 * Set-based: a pass of a few hundred results is a few statements, and rows are locked in id order so that two
 * coordinator processes cannot deadlock.
 */
import { addCredit } from '../../credit/rac.ts';
import { anyOf, bulkInsert, bulkUpdate, type Dialect } from './bulk.ts';
import type { Db, Queryable } from './db.ts';

export async function applyCredit(db: Db, now: number, limit: number): Promise<number> {
  // The pass runs after every batch of reports; with nothing pending, one statement rather than a transaction.
  if (!(await db.get('SELECT 1 AS one FROM pending_credit LIMIT 1'))) return 0;
  return db.transaction(async (q) => {
    const due = await q.all<{ replica_id: number; host_id: number; volunteer_id: number; credit: number }>(
      `SELECT replica_id, host_id, volunteer_id, credit FROM pending_credit
        ORDER BY replica_id LIMIT ?${db.forUpdateSkipLocked}`,
      [limit],
    );
    if (due.length === 0) return 0;
    const ids = anyOf(
      db.dialect,
      'replica_id',
      due.map((r) => r.replica_id),
    );
    await q.run(`DELETE FROM pending_credit WHERE ${ids.sql}`, ids.params);
    await addToTotals(
      q,
      db,
      'hosts',
      sumBy(due, (r) => r.host_id),
      now,
    );
    await addToTotals(
      q,
      db,
      'volunteers',
      sumBy(due, (r) => r.volunteer_id),
      now,
    );
    return due.length;
  });
}

/**
 * Credit already added to the totals (none of it pending) becomes final once validated at or before `before`. A
 * single replica's result whose host was caught since it was sent never does, however the catch and its validation
 * interleaved (a validator beside the revoker may have judged it on the catches it read before): its host is
 * flagged for the revoker instead, which takes it back with the rest.
 */
export function settleCredit(db: Db, before: number, limit: number): Promise<number> {
  return db.transaction(async (q) => {
    const rows = await q.all<{
      replica_id: number;
      volunteer_id: number;
      credit: number;
      host_id: number;
      app: string;
      caught: number;
    }>(
      `SELECT s.replica_id, s.volunteer_id, s.credit, r.host_id, r.app,
        CASE WHEN r.unverified = 1 AND u.single_mark IS NOT NULL AND a.invalid <> u.single_mark THEN 1 ELSE 0 END
          AS caught
        FROM unsettled_credit s JOIN replicas r ON r.id = s.replica_id JOIN work_units u ON u.id = r.work_unit_id
        LEFT JOIN host_apps a ON a.host_id = r.host_id AND a.app = r.app
        WHERE s.validated_at <= ? AND NOT EXISTS (SELECT 1 FROM pending_credit p WHERE p.replica_id = s.replica_id)
        ORDER BY s.validated_at LIMIT ?${db.forUpdateSkipLocked ? ' FOR UPDATE OF s SKIP LOCKED' : ''}`,
      [before, limit],
    );
    const caught = rows.filter((r) => Number(r.caught) === 1);
    for (const r of caught)
      await q.run('UPDATE host_apps SET revoke_pending = 1 WHERE host_id = ? AND app = ?', [r.host_id, r.app]);
    const due = rows.filter((r) => Number(r.caught) !== 1);
    if (due.length === 0) return 0;
    const ids = anyOf(
      db.dialect,
      'replica_id',
      due.map((r) => r.replica_id),
    );
    await q.run(`DELETE FROM unsettled_credit WHERE ${ids.sql}`, ids.params);
    const byVolunteer = sumBy(due, (r) => r.volunteer_id);
    await lockRows(q, db, 'volunteers', [...byVolunteer.keys()]);
    await bulkUpdate(
      q,
      db.dialect,
      {
        table: 'volunteers',
        key: { id: 'bigint' },
        columns: { credit: 'double' },
        set: 'settled_credit = volunteers.settled_credit + v.credit',
      },
      [...byVolunteer].map(([id, credit]) => [id, credit]),
    );
    return due.length;
  });
}

/**
 * Queues the credit of results just judged valid: to be added to the totals (the credit pass) and to become final
 * after the settling period (the settler). Each result once: one already valid keeps the credit it was granted.
 */
export async function queueCredit(q: Queryable, dialect: Dialect, granted: readonly GrantedCredit[]) {
  if (granted.length === 0) return;
  await bulkInsert(
    q,
    dialect,
    'pending_credit',
    { replica_id: 'bigint', host_id: 'bigint', volunteer_id: 'bigint', credit: 'double' },
    granted.map((g) => [g.replicaId, g.hostId, g.volunteerId, g.credit]),
    { skipConflictsOn: 'replica_id' },
  );
  await bulkInsert(
    q,
    dialect,
    'unsettled_credit',
    { replica_id: 'bigint', volunteer_id: 'bigint', credit: 'double', validated_at: 'bigint' },
    granted.map((g) => [g.replicaId, g.volunteerId, g.credit, g.validatedAt]),
    { skipConflictsOn: 'replica_id' },
  );
}

export interface GrantedCredit {
  replicaId: number;
  hostId: number;
  volunteerId: number;
  credit: number;
  validatedAt: number;
}

/** Credit granted at one instant sums (addCredit is linear in it), so each host and volunteer gets one update. */
function sumBy<T extends { credit: number }>(rows: readonly T[], key: (r: T) => number): Map<number, number> {
  const sums = new Map<number, number>();
  for (const r of rows) sums.set(key(r), (sums.get(key(r)) ?? 0) + r.credit);
  return sums;
}

async function lockRows(q: Queryable, db: Db, table: 'hosts' | 'volunteers', ids: number[]) {
  if (!db.forUpdate) return;
  const list = anyOf(db.dialect, 'id', ids);
  await q.all(`SELECT id FROM ${table} WHERE ${list.sql} ORDER BY id${db.forUpdate}`, list.params);
}

async function addToTotals(
  q: Queryable,
  db: Db,
  table: 'hosts' | 'volunteers',
  credits: Map<number, number>,
  now: number,
) {
  const ids = [...credits.keys()].sort((a, b) => a - b);
  const list = anyOf(db.dialect, 'id', ids);
  const current = await q.all<{ id: number; rac: number; rac_time: number }>(
    `SELECT id, rac, rac_time FROM ${table} WHERE ${list.sql} ORDER BY id${db.forUpdate}`,
    list.params,
  );
  await bulkUpdate(
    q,
    db.dialect,
    {
      table,
      key: { id: 'bigint' },
      columns: { credit: 'double', rac: 'double', rac_time: 'bigint' },
      set: `total_credit = ${table}.total_credit + v.credit, rac = v.rac, rac_time = v.rac_time`,
    },
    current.map((cur) => {
      const credit = credits.get(Number(cur.id))!;
      const avg = addCredit({ value: cur.rac, time: cur.rac_time }, credit, now);
      return [cur.id, credit, avg.value, avg.time];
    }),
  );
}

/**
 * Revokes a caught host's unsettled single-replica results of one app and reopens their units. Each result's queued
 * credit is taken off its queues first, and what that removes decides: settled meanwhile (by a settler beside this),
 * it is final and stays; still pending, it never reached the totals; otherwise it is withdrawn from them.
 */
export async function revokeHost(q: Queryable, hostId: number, app: string, now: number) {
  const revocable = await q.all<{ id: number; work_unit_id: number; volunteer_id: number; granted_credit: number }>(
    `SELECT r.id, r.work_unit_id, r.volunteer_id, r.granted_credit
      FROM replicas r JOIN unsettled_credit s ON s.replica_id = r.id
      WHERE r.host_id = ? AND r.app = ? AND r.unverified = 1 AND r.validate_state = 'valid'`,
    [hostId, app],
  );
  for (const r of revocable) {
    if ((await q.all('DELETE FROM unsettled_credit WHERE replica_id = ? RETURNING replica_id', [r.id])).length === 0)
      continue;
    const pending = await q.all('DELETE FROM pending_credit WHERE replica_id = ? RETURNING replica_id', [r.id]);
    await q.run("UPDATE replicas SET validate_state = 'invalid', granted_credit = 0 WHERE id = ?", [r.id]);
    if (pending.length === 0) {
      await withdraw(q, 'hosts', hostId, r.granted_credit);
      await withdraw(q, 'volunteers', r.volunteer_id, r.granted_credit);
    }
    await q.run(
      `UPDATE work_units SET state = 'active', canonical_replica_id = NULL, single = 0, min_quorum = requested_quorum,
        target_nresults = requested_target, done_at = NULL, transition_at = ? WHERE id = ?`,
      [now, r.work_unit_id],
    );
  }
}

/**
 * Of these units sent as single replicas, those whose host has been caught (an invalid result) since: the count of
 * its catches differs from the one the unit was sent with.
 */
export async function caughtSingles(q: Queryable, dialect: Dialect, unitIds: readonly number[]): Promise<Set<number>> {
  if (unitIds.length === 0) return new Set();
  const ids = anyOf(dialect, 'u.id', unitIds);
  const rows = await q.all<{ id: number }>(
    `SELECT DISTINCT u.id FROM work_units u JOIN replicas r ON r.work_unit_id = u.id
      JOIN host_apps a ON a.host_id = r.host_id AND a.app = r.app
      WHERE ${ids.sql} AND u.single = 1 AND u.single_mark IS NOT NULL AND a.invalid <> u.single_mark`,
    ids.params,
  );
  return new Set(rows.map((r) => Number(r.id)));
}

/** Takes back credit already added; the recent average loses the same amount (it cannot go below zero). */
async function withdraw(q: Queryable, table: 'hosts' | 'volunteers', id: number, credit: number) {
  await q.run(
    `UPDATE ${table} SET total_credit = CASE WHEN total_credit > ? THEN total_credit - ? ELSE 0 END,
      rac = CASE WHEN rac > ? THEN rac - ? ELSE 0 END WHERE id = ?`,
    [credit, credit, credit, credit, id],
  );
}
