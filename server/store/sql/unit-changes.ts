/**
 * @module server/store/sql/unit-changes
 * Applies what a pass decided for a batch of units, inside the caller's transaction, in a handful of set-based
 * statements whatever the batch's size, and moves each unit between queues: the pass's own flag is cleared, the
 * transitioner is woken after a validation that changed something, and a transitioned unit's next transition time
 * becomes its earliest outstanding deadline. Credit granted to results made valid is queued for the credit pass.
 */
import type { UnitQueue } from '../store.ts';
import type { Replica, UnitChanges, WorkUnit } from '../types.ts';
import type { Queryable, Scalar } from './db.ts';
import { bulkInsert, bulkUpdate, type ColumnType, type Dialect } from './bulk.ts';
import type { WorkUnitRow } from './rows.ts';
import { queueCredit, type GrantedCredit } from './credit.ts';
import { recordTrustEvents } from './trust-events.ts';
import { recordSamples } from './app-versions.ts';

/** One unit as loaded, and the decision a pass took on it. */
export interface Decided {
  row: WorkUnitRow;
  unit: WorkUnit;
  replicas: Replica[];
  changes: UnitChanges;
}

type ReplicaPatch = NonNullable<UnitChanges['replicas']>[number];

const replicaColumns: Record<Exclude<keyof ReplicaPatch, 'id'>, [string, ColumnType]> = {
  serverState: ['server_state', 'text'],
  outcome: ['outcome', 'text'],
  validateState: ['validate_state', 'text'],
  grantedCredit: ['granted_credit', 'double'],
  unverified: ['unverified', 'bigint'],
  validatedAt: ['validated_at', 'bigint'],
};

const unitColumns = {
  state: 'text',
  canonical_replica_id: 'bigint',
  failure: 'text',
  target_nresults: 'bigint',
  min_quorum: 'bigint',
  single: 'bigint',
  done_at: 'bigint',
  need_validate: 'bigint',
  transition_at: 'bigint',
  sibling_at: 'bigint',
} as const satisfies Record<string, ColumnType>;

export async function applyDecisions(
  q: Queryable,
  dialect: Dialect,
  queue: UnitQueue,
  decided: readonly Decided[],
  now: number,
) {
  if (decided.length === 0) return;
  await bulkUpdate(
    q,
    dialect,
    { table: 'work_units', key: { id: 'bigint' }, columns: unitColumns },
    decided.map((d) => [d.row.id, ...nextUnitRow(d, queue, now)]),
  );
  await updateReplicas(
    q,
    dialect,
    decided.flatMap((d) => d.changes.replicas ?? []),
  );
  await queueCredit(
    q,
    dialect,
    decided.flatMap((d) => newlyValid(d, now)),
  );
  await recordTrustEvents(
    q,
    dialect,
    decided.flatMap((d) => (d.changes.trust ?? []).map((t) => ({ ...t, app: d.row.app }))),
  );
  await recordSamples(
    q,
    dialect,
    decided.flatMap((d) => d.changes.flopSamples ?? []),
    now,
  );
  await bulkInsert(
    q,
    dialect,
    'replicas',
    { work_unit_id: 'bigint', app: 'text', project_id: 'bigint', tail: 'bigint' },
    decided.flatMap((d) =>
      Array.from({ length: d.changes.newReplicas ?? 0 }, () => [
        d.row.id,
        d.row.app,
        d.row.project_id,
        Number(d.changes.tailReplica === true),
      ]),
    ),
  );
}

/** The credit of the unit's results that this decision makes valid (a result already valid keeps its queued one). */
function newlyValid({ replicas, changes }: Decided, now: number): GrantedCredit[] {
  const before = new Map(replicas.map((r) => [r.id, r]));
  return (changes.replicas ?? []).flatMap((p) => {
    const r = before.get(p.id);
    if (p.validateState !== 'valid' || !r || r.validateState === 'valid') return [];
    if (r.hostId === null || r.volunteerId === null)
      throw new Error(`replica ${r.id} judged valid was never sent to a host`);
    return [
      {
        replicaId: r.id,
        hostId: r.hostId,
        volunteerId: r.volunteerId,
        credit: p.grantedCredit ?? r.grantedCredit,
        validatedAt: p.validatedAt ?? now,
      },
    ];
  });
}

/** The unit's columns after the decision, in unitColumns' order. */
function nextUnitRow({ row, replicas, changes }: Decided, queue: UnitQueue, now: number): Scalar[] {
  const u = changes.unit ?? {};
  const state = u.state ?? row.state;
  const closes = state !== row.state && (state === 'done' || state === 'failed');
  const needValidate = changes.needValidate ? 1 : queue === 'validate' ? 0 : row.need_validate;
  // After a validation that changed something the transitioner must look again (reissue, finish), unless its
  // decision came with the validation's; a validation that found too few results leaves the unit's schedule alone;
  // a transition waits for the next deadline, or until a replica becomes overdue for the tail (server/store/tail.ts).
  const transitionAt =
    queue === 'validate' && !changes.transitioned
      ? isEmpty(changes)
        ? row.transition_at
        : now
      : earlier(earliestDeadline(replicas, changes.replicas ?? []), changes.wakeAt);
  // A unit whose siblings still wait is woken when they may be made (server/passes/transition.ts).
  const siblingAt = u.siblingAt !== undefined ? u.siblingAt : row.sibling_at;
  const wakeAt =
    siblingAt !== null && siblingAt > now && state === 'active' && (transitionAt === null || siblingAt < transitionAt)
      ? siblingAt
      : transitionAt;
  return [
    state,
    u.canonicalReplicaId !== undefined ? u.canonicalReplicaId : row.canonical_replica_id,
    u.failure !== undefined ? u.failure : row.failure,
    u.targetNresults ?? row.target_nresults,
    u.minQuorum ?? row.min_quorum,
    u.single === undefined ? row.single : Number(u.single),
    closes ? now : row.done_at,
    needValidate,
    wakeAt,
    siblingAt,
  ];
}

/** The earliest deadline among the replicas still out after the patches (new replicas are unsent, with none). */
function earliestDeadline(replicas: readonly Replica[], patches: readonly ReplicaPatch[]): number | null {
  const serverState = new Map(patches.filter((p) => p.serverState).map((p) => [p.id, p.serverState]));
  let at: number | null = null;
  for (const r of replicas) {
    if ((serverState.get(r.id) ?? r.serverState) !== 'in_progress' || r.deadline === null) continue;
    if (at === null || r.deadline < at) at = r.deadline;
  }
  return at;
}

const earlier = (at: number | null, wake: number | undefined) =>
  wake === undefined ? at : at === null ? wake : Math.min(at, wake);

/** One statement per shape of patch (the columns it sets): a validation's valid, invalid and inconclusive ones. */
async function updateReplicas(q: Queryable, dialect: Dialect, patches: readonly ReplicaPatch[]) {
  const shapes = new Map<string, ReplicaPatch[]>();
  for (const p of patches) {
    const key = Object.keys(replicaColumns)
      .filter((k) => p[k as keyof ReplicaPatch] !== undefined)
      .join(',');
    if (!key) continue;
    const group = shapes.get(key);
    if (group) group.push(p);
    else shapes.set(key, [p]);
  }
  for (const [key, group] of shapes) {
    const fields = key.split(',') as (keyof typeof replicaColumns)[];
    await bulkUpdate(
      q,
      dialect,
      {
        table: 'replicas',
        key: { id: 'bigint' },
        columns: Object.fromEntries(fields.map((f) => replicaColumns[f])),
      },
      group.map((p) => [p.id, ...fields.map((f) => sqlValue(p[f]))]),
    );
  }
}

const sqlValue = (v: unknown): Scalar => (typeof v === 'boolean' ? Number(v) : (v as Scalar));

function isEmpty(changes: UnitChanges): boolean {
  return !changes.unit && !changes.replicas?.length && !changes.newReplicas && !changes.trust?.length;
}
