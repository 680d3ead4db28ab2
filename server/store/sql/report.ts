/**
 * @module server/store/sql/report
 * Accepting hosts' reports of results, named by their replicas' tokens (their ids enciphered:
 * server/store/replica-tokens.ts): each result only from the host it was sent to, once, while its unit is active
 * (late ones too, as BOINC accepts them). The reports that arrive together are recorded together, in one transaction
 * of a few statements whatever their number and size; everything is committed before any caller acknowledges.
 */
import type { Host, RecordOutcome, ResultToRecord } from '../types.ts';
import { anyOf, bulkUpdate } from './bulk.ts';
import type { Db, Param, Queryable } from './db.ts';
import type { ReplicaTokens } from '../replica-tokens.ts';
import { foldSpeeds, UNMEASURED_FLOPS } from './host-speed.ts';
import { recordTrustEvents } from './trust-events.ts';
import { summarizeError } from '../../../protocol/error-wire.ts';
import { ForeignReplicaError } from '../store.ts';

interface ReportedReplica {
  id: number;
  /** Kept only for a replica sent before migration 25 (replica-tokens.ts): others' tokens are their ids enciphered. */
  token: string | null;
  work_unit_id: number;
  host_id: number | null;
  outcome: string | null;
  app: string;
  canonical_replica_id: number | null;
  state: string;
  flops_estimate: number;
  /** The host's measured speed before this report (UNMEASURED_FLOPS until it has one). */
  host_flops: number;
}

export interface Report {
  host: Host;
  results: readonly ResultToRecord[];
  now: number;
}

type Accepted = { r: ResultToRecord; row: ReportedReplica; host: Host; now: number };

/**
 * Records a batch of reports (server/store/batcher.ts) in one transaction: each result is judged in order, so a
 * replica reported twice, in one report or two, is taken once. A report naming a token that is not one of its
 * host's replicas is refused whole (its ForeignReplicaError is its answer) and the others go on.
 */
export function recordReports(
  db: Db,
  tokens: ReplicaTokens,
  reports: readonly Report[],
): Promise<Array<RecordOutcome[] | ForeignReplicaError>> {
  return db.transaction(async (q) => {
    const named = [...new Set(reports.flatMap((report) => report.results.map((r) => r.token)))];
    if (named.length === 0) return reports.map(() => []);
    const rows = await replicasNamed(db, q, tokens, named);
    const taken = new Set<number>();
    const accepted: Accepted[] = [];
    const outcomes = reports.map(({ host, results, now }) => {
      const foreign = results.flatMap((r, i) => (rows.get(r.token)?.host_id === host.id ? [] : [i]));
      if (foreign.length > 0) return new ForeignReplicaError(foreign);
      return results.map((r): RecordOutcome => {
        const row = rows.get(r.token)!;
        const error = refusal(row, r) ?? (taken.has(row.id) ? `replica ${r.token} was already reported` : undefined);
        if (error) return { token: r.token, replicaId: row.id, ok: false, error };
        taken.add(row.id);
        accepted.push({ r, row, host, now });
        return { token: r.token, replicaId: row.id, ok: true };
      });
    });
    await store(db, q, accepted);
    return outcomes;
  });
}

async function store(db: Db, q: Queryable, accepted: Accepted[]) {
  if (accepted.length === 0) return;
  type Of<S> = Accepted & { r: Extract<ResultToRecord, { status: S }> };
  const successes = accepted.filter((a): a is Of<'success'> => a.r.status === 'success');
  const errors = accepted.filter((a): a is Of<'error'> => a.r.status === 'error');
  await bulkUpdate(
    q,
    db.dialect,
    {
      table: 'replicas',
      key: { id: 'bigint' },
      columns: {
        server_state: 'text',
        outcome: 'text',
        received_at: 'bigint',
        result: 'text',
        variant: 'text',
        elapsed_ms: 'double',
        host_flops: 'double',
      },
    },
    successes.map(({ r, row, now }) => [
      row.id,
      'over',
      'success',
      now,
      JSON.stringify(r.result.output),
      r.variant,
      r.elapsedMs,
      Number(row.host_flops),
    ]),
  );
  await bulkUpdate(
    q,
    db.dialect,
    {
      table: 'replicas',
      key: { id: 'bigint' },
      columns: { server_state: 'text', outcome: 'text', received_at: 'bigint', elapsed_ms: 'double', error: 'text' },
    },
    errors.map(({ r, row, now }) => [row.id, 'over', 'client_error', now, r.elapsedMs, summarizeError(r.error)]),
  );

  // A researcher's app's FLOPs are what it declares: its times would measure the declaration, not the host.
  await updateSpeeds(
    db,
    q,
    successes.filter(({ row }) => row.app !== 'custom'),
  );
  await recordTrustEvents(
    q,
    db.dialect,
    errors.map(({ row, host }) => ({ hostId: host.id, app: row.app, event: 'error' as const })),
  );

  // A success goes straight to the validator once the unit has enough of them; an error to the transitioner, which
  // decides whether to reissue or fail the unit.
  const validate = [...new Set(successes.map(({ row }) => row.work_unit_id))];
  if (validate.length > 0) {
    const units = anyOf(db.dialect, 'id', validate);
    await q.run(
      `UPDATE work_units SET need_validate = 1 WHERE ${units.sql} AND min_quorum <= (SELECT count(*)
        FROM replicas WHERE work_unit_id = work_units.id AND outcome = 'success' AND validate_state <> 'invalid')`,
      units.params,
    );
  }
  const transition = [...new Set(errors.map(({ row }) => row.work_unit_id))];
  if (transition.length > 0) {
    const units = anyOf(db.dialect, 'id', transition);
    await q.run(`UPDATE work_units SET transition_at = ? WHERE ${units.sql}`, [
      Math.max(...errors.map((e) => e.now)),
      ...units.params,
    ]);
  }
}

/** Folds each host's timed successes, in the order reported, into its measured speed: one statement for all hosts. */
async function updateSpeeds(db: Db, q: Queryable, successes: readonly Accepted[]) {
  const byHost = new Map<number, Array<{ flops: number; elapsedMs: number }>>();
  for (const { host, row, r } of successes) {
    if (!byHost.has(host.id)) byHost.set(host.id, []);
    byHost.get(host.id)!.push({ flops: row.flops_estimate, elapsedMs: r.elapsedMs });
  }
  const folds = [...byHost].flatMap(([hostId, timed]) => {
    const speed = foldSpeeds(timed);
    return speed ? [[hostId, speed.first, speed.keep, speed.add]] : [];
  });
  await bulkUpdate(
    q,
    db.dialect,
    {
      table: 'hosts',
      key: { id: 'bigint' },
      columns: { speed_first: 'double', speed_keep: 'double', speed_add: 'double' },
      set: 'flops = CASE WHEN hosts.flops IS NULL THEN v.speed_first ELSE hosts.flops * v.speed_keep + v.speed_add END',
    },
    folds,
  );
}

/**
 * The replicas these tokens name, by token. An enciphered token names its replica by id
 * (server/store/replica-tokens.ts); any other is looked up among the tokens kept in `replicas.token` (drawn before
 * migration 25, or a replica's old number: protocol/work.ts LegacyReplicaId), and a replica that has one is named by
 * it alone. A token that names
 * nothing is absent, as another host's is foreign to the reporter: the answer is the same.
 */
async function replicasNamed(
  db: Db,
  q: Queryable,
  tokens: ReplicaTokens,
  named: readonly string[],
): Promise<Map<string, ReportedReplica>> {
  const byId = new Map<number, string>();
  const kept: string[] = [];
  for (const token of named) {
    const id = tokens.idOf(token);
    if (id === undefined) kept.push(token);
    else byId.set(id, token);
  }
  const ids = anyOf(db.dialect, 'r.id', [...byId.keys()]);
  const keptTokens = anyOf(db.dialect, 'r.token', kept, 'text');
  await lockUnitsOf(db, q, ids, keptTokens);
  const select = (where: { sql: string; params: Param[] }) =>
    q.all<ReportedReplica>(
      `SELECT r.id, r.token, r.work_unit_id, r.host_id, r.outcome, r.app, u.canonical_replica_id, u.state,
        u.flops_estimate, coalesce(h.flops, ?) AS host_flops
      FROM replicas r JOIN work_units u ON u.id = r.work_unit_id LEFT JOIN hosts h ON h.id = r.host_id
      WHERE ${where.sql}${db.forUpdate ? ' FOR UPDATE OF r' : ''}`,
      [UNMEASURED_FLOPS, ...where.params],
    );
  const found = new Map<string, ReportedReplica>();
  if (byId.size > 0) {
    for (const row of await select(ids)) if (row.token === null) found.set(byId.get(Number(row.id))!, row);
  }
  if (kept.length > 0) for (const row of await select(keptTokens)) found.set(row.token!, row);
  return found;
}

/**
 * On Postgres, locks the work units of these replicas, in id order (so two reporters cannot deadlock), before any
 * result is counted: two replicas of one unit reported at once through two processes then see each other's
 * result, and the second one flags the unit for validation. SQLite's transactions are serial already.
 */
async function lockUnitsOf(
  db: Db,
  q: Queryable,
  ids: { sql: string; params: Param[] },
  kept: { sql: string; params: Param[] },
): Promise<void> {
  if (!db.forUpdate) return;
  await q.all(
    `SELECT id FROM work_units WHERE id IN (SELECT r.work_unit_id FROM replicas r WHERE ${ids.sql} OR ${kept.sql})
      ORDER BY id FOR UPDATE`,
    [...ids.params, ...kept.params],
  );
}

/** Why a result for one of the host's own replicas cannot be accepted, or undefined when it can. */
function refusal(row: ReportedReplica, r: ResultToRecord): string | undefined {
  if (r.status === 'success' && row.app !== r.result.app)
    return `replica ${r.token} is of app ${row.app}, not ${r.result.app}`;
  if (row.outcome === 'success' || row.outcome === 'client_error') return `replica ${r.token} was already reported`;
  if (row.outcome === 'didnt_need') return `replica ${r.token} is no longer needed`;
  // A replica past its deadline (no_reply) still counts while its unit is active, as BOINC accepts late results:
  // before a quorum as any result; after one (a unit stays active while a replica of it is out, such as the one a
  // batch's tail replica overtook: server/store/tail.ts) it is checked against the canonical result and credited
  // as the quorum was.
  if (row.state !== 'active') return `replica ${r.token} arrived after its work unit was decided`;
  return undefined;
}
