/**
 * @module server/store/sql/research-progress
 * How far a set of work units has come (one batch, or all of a project's): units by state, replicas in flight,
 * active hosts, compute rate, validated units over time and errors by reason. Written as a few aggregate queries
 * over the core tables, with the set given as a SQL condition on `u` (work_units). The units by state are kept as
 * they change (batch-counts.ts): unitCounts here is the recount the tests hold those to.
 */
import type { ErrorGroup, UnitCounts } from '../../../protocol/research.ts';
import type { Param, Queryable } from './db.ts';

/** Hosts with a replica out, or that returned one in this window, count as active; rates are over it too. */
export const ACTIVE_WINDOW_MS = 10 * 60_000;

/**
 * The window before `now` starts on a whole second, so that the status page's FLOPs, kept by the second
 * (activity-counts.ts), cover exactly the results this module's recount does.
 */
export const WINDOW_STEP_MS = 1000;
export const windowStart = (now: number) => Math.floor((now - ACTIVE_WINDOW_MS) / WINDOW_STEP_MS) * WINDOW_STEP_MS;

export interface UnitSet {
  /** A condition on `u` (work_units), e.g. 'u.batch_id = ?'. */
  where: string;
  params: Param[];
}

export interface Activity {
  replicasInFlight: number;
  /** Hosts holding those replicas (computing them, or keeping them in their work buffers). */
  hostsHolding: number;
  /** The earliest deadline among them (ms since epoch), after which that replica is sent to another host. */
  nextDeadline: number | null;
  activeHosts: number;
  activeVolunteers: number;
  gflops: number;
}

const n = (v: unknown) => Number(v ?? 0);

export async function unitCounts(q: Queryable, set: UnitSet): Promise<UnitCounts> {
  const row = (await q.get<Record<string, unknown>>(
    `SELECT count(*) AS total,
        sum(CASE WHEN u.canonical_replica_id IS NOT NULL THEN 1 ELSE 0 END) AS validated,
        sum(CASE WHEN u.canonical_replica_id IS NULL AND u.state = 'failed' THEN 1 ELSE 0 END) AS failed,
        sum(CASE WHEN u.canonical_replica_id IS NULL AND u.state = 'active' AND EXISTS
          (SELECT 1 FROM replicas r WHERE r.work_unit_id = u.id AND r.server_state <> 'unsent')
          THEN 1 ELSE 0 END) AS in_progress
      FROM work_units u WHERE ${set.where}`,
    set.params,
  ))!;
  const total = n(row['total']);
  const validated = n(row['validated']);
  const failed = n(row['failed']);
  const inProgress = n(row['in_progress']);
  return { total, waiting: total - validated - failed - inProgress, inProgress, validated, failed };
}

export async function activity(q: Queryable, set: UnitSet, now: number): Promise<Activity> {
  const since = windowStart(now);
  const row = (await q.get<Record<string, unknown>>(
    `SELECT sum(CASE WHEN r.server_state = 'in_progress' THEN 1 ELSE 0 END) AS in_flight,
        count(DISTINCT CASE WHEN r.server_state = 'in_progress' THEN r.host_id END) AS holding,
        min(CASE WHEN r.server_state = 'in_progress' THEN r.deadline END) AS next_deadline,
        count(DISTINCT r.host_id) AS hosts, count(DISTINCT r.volunteer_id) AS volunteers,
        sum(CASE WHEN r.outcome = 'success' AND r.received_at >= ? THEN u.flops_estimate ELSE 0 END) AS flops
      FROM replicas r JOIN work_units u ON u.id = r.work_unit_id
      WHERE ${set.where} AND (r.server_state = 'in_progress' OR r.received_at >= ?)`,
    [since, ...set.params, since],
  ))!;
  return {
    replicasInFlight: n(row['in_flight']),
    hostsHolding: n(row['holding']),
    nextDeadline: row['next_deadline'] === null || row['next_deadline'] === undefined ? null : n(row['next_deadline']),
    activeHosts: n(row['hosts']),
    activeVolunteers: n(row['volunteers']),
    gflops: n(row['flops']) / (ACTIVE_WINDOW_MS / 1000) / 1e9,
  };
}

/** Validated units per bucket of `bucketMs`, by when their canonical result was chosen. */
export async function throughput(q: Queryable, set: UnitSet, bucketMs: number): Promise<Array<[number, number]>> {
  const rows = await q.all<{ b: unknown; c: unknown }>(
    // The cast makes it a division of integers on both engines: node:sqlite binds every JS number as REAL, and an
    // integer divided by a REAL is a fraction, so without it each unit was a bucket of its own (issue 19).
    `SELECT r.validated_at / CAST(? AS BIGINT) AS b, count(*) AS c
      FROM work_units u JOIN replicas r ON r.id = u.canonical_replica_id
      WHERE ${set.where} AND r.validated_at IS NOT NULL GROUP BY 1 ORDER BY 1`,
    [Math.round(bucketMs), ...set.params],
  );
  return rows.map((r) => [n(r.b) * bucketMs, n(r.c)]);
}

export async function validatedSince(q: Queryable, set: UnitSet, since: number): Promise<number> {
  const row = await q.get<{ c: unknown }>(
    `SELECT count(*) AS c FROM work_units u JOIN replicas r ON r.id = u.canonical_replica_id
      WHERE ${set.where} AND r.validated_at >= ?`,
    [...set.params, since],
  );
  return n(row?.c);
}

export async function errorGroups(q: Queryable, set: UnitSet, limit = 20): Promise<ErrorGroup[]> {
  const units = await q.all<{ reason: string; c: unknown }>(
    `SELECT u.failure AS reason, count(*) AS c FROM work_units u WHERE ${set.where} AND u.state = 'failed'
      GROUP BY u.failure ORDER BY 2 DESC LIMIT ?`,
    [...set.params, limit],
  );
  const replicas = await q.all<{ reason: string; c: unknown }>(
    `SELECT CASE WHEN r.outcome = 'no_reply' THEN 'no reply before the deadline'
          WHEN r.validate_state = 'invalid' THEN 'result disagreed with the quorum' ELSE r.error END AS reason,
        count(*) AS c
      FROM replicas r JOIN work_units u ON u.id = r.work_unit_id
      WHERE ${set.where} AND (r.outcome IN ('client_error', 'no_reply') OR r.validate_state = 'invalid')
      GROUP BY 1 ORDER BY 2 DESC LIMIT ?`,
    [...set.params, limit],
  );
  return [
    ...units.map((r) => ({ kind: 'unit' as const, reason: r.reason ?? 'unknown', count: n(r.c) })),
    ...replicas.map((r) => ({ kind: 'replica' as const, reason: r.reason ?? 'unknown', count: n(r.c) })),
  ];
}

/**
 * When the remaining units should be done, at the rate validated over the last window (or since creation, for a
 * younger batch); null while nothing has been validated in it.
 */
export function estimateCompletion(remaining: number, recent: number, windowMs: number, now: number): number | null {
  if (remaining === 0) return now;
  if (recent === 0 || windowMs <= 0) return null;
  return Math.round(now + (remaining / recent) * windowMs);
}
