/**
 * @module server/store/sql/credit
 * The credit passes' writes: granted credit added to host and volunteer totals (and their recent averages), credit
 * settled, and a caught host's unverified credit revoked. Set-based: a pass of a few hundred results is a few
 * statements, and rows are locked in id order so that two coordinator processes cannot deadlock.
 */
import { addCredit } from '../../credit/rac.ts';
import { bulkUpdate, inList, type Dialect } from './bulk.ts';
import type { Db, Queryable } from './db.ts';

export function applyCredit(db: Db, now: number, limit: number): Promise<number> {
  return db.transaction(async (q) => {
    const due = await q.all<{ id: number; host_id: number; volunteer_id: number; granted_credit: number }>(
      `SELECT id, host_id, volunteer_id, granted_credit FROM replicas WHERE validate_state = 'valid' AND credited = 0
        ORDER BY id LIMIT ?${db.forUpdateSkipLocked}`,
      [limit],
    );
    if (due.length === 0) return 0;
    await q.run(`UPDATE replicas SET credited = 1 WHERE id IN ${inList(due.length)}`, due.map((r) => r.id));
    await addToTotals(q, db, 'hosts', sumBy(due, (r) => r.host_id), now);
    await addToTotals(q, db, 'volunteers', sumBy(due, (r) => r.volunteer_id), now);
    return due.length;
  });
}

export function settleCredit(db: Db, before: number, limit: number): Promise<number> {
  return db.transaction(async (q) => {
    const due = await q.all<{ id: number; volunteer_id: number; granted_credit: number }>(
      `SELECT id, volunteer_id, granted_credit FROM replicas
        WHERE validate_state = 'valid' AND settled = 0 AND credited = 1 AND validated_at <= ?
        ORDER BY validated_at LIMIT ?${db.forUpdateSkipLocked}`,
      [before, limit],
    );
    if (due.length === 0) return 0;
    await q.run(`UPDATE replicas SET settled = 1 WHERE id IN ${inList(due.length)}`, due.map((r) => r.id));
    const byVolunteer = sumBy(due, (r) => r.volunteer_id);
    await lockRows(q, db, 'volunteers', [...byVolunteer.keys()]);
    await bulkUpdate(q, db.dialect, {
      table: 'volunteers', key: { id: 'bigint' }, columns: { credit: 'double' }, set: 'settled_credit = volunteers.settled_credit + v.credit',
    }, [...byVolunteer].map(([id, credit]) => [id, credit]));
    return due.length;
  });
}

/** Credit granted at one instant sums (addCredit is linear in it), so each host and volunteer gets one update. */
function sumBy<T extends { granted_credit: number }>(rows: readonly T[], key: (r: T) => number): Map<number, number> {
  const sums = new Map<number, number>();
  for (const r of rows) sums.set(key(r), (sums.get(key(r)) ?? 0) + r.granted_credit);
  return sums;
}

async function lockRows(q: Queryable, db: Db, table: 'hosts' | 'volunteers', ids: number[]) {
  if (db.forUpdate) await q.all(`SELECT id FROM ${table} WHERE id IN ${inList(ids.length)} ORDER BY id${db.forUpdate}`, ids);
}

async function addToTotals(q: Queryable, db: Db, table: 'hosts' | 'volunteers', credits: Map<number, number>, now: number) {
  const ids = [...credits.keys()].sort((a, b) => a - b);
  const current = await q.all<{ id: number; rac: number; rac_time: number }>(
    `SELECT id, rac, rac_time FROM ${table} WHERE id IN ${inList(ids.length)} ORDER BY id${db.forUpdate}`,
    ids,
  );
  await bulkUpdate(q, db.dialect as Dialect, {
    table, key: { id: 'bigint' }, columns: { credit: 'double', rac: 'double', rac_time: 'bigint' },
    set: `total_credit = ${table}.total_credit + v.credit, rac = v.rac, rac_time = v.rac_time`,
  }, current.map((cur) => {
    const credit = credits.get(Number(cur.id))!;
    const avg = addCredit({ value: cur.rac, time: cur.rac_time }, credit, now);
    return [cur.id, credit, avg.value, avg.time];
  }));
}

/** Revokes a caught host's unsettled single-replica results of one app and reopens their units. */
export async function revokeHost(q: Queryable, hostId: number, app: string, now: number) {
  const revoked = await q.all<{ id: number; work_unit_id: number; volunteer_id: number; granted_credit: number; credited: number }>(
    `SELECT id, work_unit_id, volunteer_id, granted_credit, credited FROM replicas
      WHERE host_id = ? AND app = ? AND unverified = 1 AND validate_state = 'valid' AND settled = 0`,
    [hostId, app],
  );
  for (const r of revoked) {
    await q.run("UPDATE replicas SET validate_state = 'invalid', granted_credit = 0 WHERE id = ?", [r.id]);
    if (r.credited === 1) {
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

/** Takes back credit already added; the recent average loses the same amount (it cannot go below zero). */
async function withdraw(q: Queryable, table: 'hosts' | 'volunteers', id: number, credit: number) {
  await q.run(
    `UPDATE ${table} SET total_credit = CASE WHEN total_credit > ? THEN total_credit - ? ELSE 0 END,
      rac = CASE WHEN rac > ? THEN rac - ? ELSE 0 END WHERE id = ?`,
    [credit, credit, credit, credit, id],
  );
}
