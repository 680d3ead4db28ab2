/**
 * @module server/store/sqlite/rows
 * Rows as SQLite returns them, and their mapping to the domain types. JSON columns are parsed with the protocol
 * schemas on the way out too: a corrupted row fails loudly rather than flowing on as a wrong type.
 */
import { AppInput, AppOutput, Variant } from '../../../protocol/apps.ts';
import { TRACK_RECORD } from '../trust.ts';
import type { Outcome, Replica, ServerState, UnitState, ValidateState, WorkUnit } from '../types.ts';

export interface WorkUnitRow {
  id: number;
  batch_id: number;
  app: string;
  input: string;
  flops_estimate: number;
  min_quorum: number;
  target_nresults: number;
  max_error_results: number;
  max_total_results: number;
  delay_bound_s: number;
  requested_quorum: number;
  requested_target: number;
  single: number;
  /** For a unit sent as a single replica: its host's catches (host_apps.invalid) when it was sent. */
  single_mark: number | null;
  state: string;
  canonical_replica_id: number | null;
  failure: string | null;
  need_validate: number;
  transition_at: number | null;
  /** Before this, the transitioner makes no more replicas of the unit (migration 18). */
  sibling_at: number | null;
  done_at: number | null;
  /** The project whose batch holds the unit; 0 for the coordinator's own batches. */
  project_id: number;
}

export interface ReplicaRow {
  id: number;
  work_unit_id: number;
  host_id: number | null;
  volunteer_id: number | null;
  server_state: string;
  outcome: string | null;
  validate_state: string;
  sent_at: number | null;
  deadline: number | null;
  received_at: number | null;
  result: string | null;
  variant: string | null;
  elapsed_ms: number | null;
  host_flops: number | null;
  error: string | null;
  granted_credit: number;
  unverified: number;
  validated_at: number | null;
  /** The host's valid results of the unit's app, where loaded (server/store/sql/due-units.ts). */
  host_valid?: number | null;
  /** Its host was established for the app when it was sent (migration 18; null before, or never sent). */
  established?: number | null;
  /** A tail replica, for a reliable host only (migration 22, server/store/tail.ts). */
  tail?: number | null;
}

/**
 * Defines `key` on `target` as a getter that computes once, on first use: the transitioner never reads inputs or
 * outputs, so it should not pay for parsing them.
 */
function lazy<T extends object, K extends keyof T>(target: Omit<T, K>, key: K, compute: () => T[K]): T {
  let value: T[K] | undefined;
  let done = false;
  Object.defineProperty(target, key, {
    enumerable: true,
    get: () => {
      if (!done) {
        done = true;
        value = compute();
      }
      return value;
    },
  });
  return target as T;
}

export function toWorkUnit(row: WorkUnitRow): WorkUnit {
  return lazy<WorkUnit, 'job'>(
    {
      id: row.id,
      batchId: row.batch_id,
      flopsEstimate: row.flops_estimate,
      minQuorum: row.min_quorum,
      targetNresults: row.target_nresults,
      maxErrorResults: row.max_error_results,
      maxTotalResults: row.max_total_results,
      delayBoundS: row.delay_bound_s,
      state: row.state as UnitState,
      single: row.single === 1,
      requestedQuorum: row.requested_quorum,
      requestedTarget: row.requested_target,
      canonicalReplicaId: row.canonical_replica_id,
      failure: row.failure,
      siblingAt: row.sibling_at === null || row.sibling_at === undefined ? null : Number(row.sibling_at),
    },
    'job',
    () => AppInput.parse({ app: row.app, input: JSON.parse(row.input) }),
  );
}

export function toReplica(row: ReplicaRow, app: string): Replica {
  return lazy<Replica, 'result'>(
    {
      id: row.id,
      workUnitId: row.work_unit_id,
      hostId: row.host_id,
      volunteerId: row.volunteer_id,
      serverState: row.server_state as ServerState,
      outcome: row.outcome as Outcome | null,
      validateState: row.validate_state as ValidateState,
      sentAt: row.sent_at,
      deadline: row.deadline,
      receivedAt: row.received_at,
      variant: row.variant === null ? null : Variant.parse(row.variant),
      elapsedMs: row.elapsed_ms,
      hostFlops: row.host_flops === null || row.host_flops === undefined ? null : Number(row.host_flops),
      error: row.error,
      grantedCredit: row.granted_credit,
      unverified: row.unverified === 1,
      validatedAt: row.validated_at,
      established: Number(row.established ?? 0) === 1,
      tail: Number(row.tail ?? 0) === 1,
      ...(row.host_valid !== undefined &&
        row.host_id !== null && { hostTracked: Number(row.host_valid ?? 0) >= TRACK_RECORD }),
    },
    'result',
    () => (row.result === null ? null : AppOutput.parse({ app, output: JSON.parse(row.result) })),
  );
}
