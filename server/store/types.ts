/**
 * @module server/store/types
 * The coordinator's state, in the domain's words. A work unit is replicated into replicas; each replica is sent to
 * one host and comes back as its result. States follow BOINC's (server_state, outcome, validate_state) so that its
 * daemons' logic carries over.
 */
import type { AppInput, AppName, AppOutput, Variant } from '../../protocol/apps.ts';
import type { TrustEvent } from './trust.ts';
import type { SerializedError } from '../../protocol/errors.ts';

export type UnitState = 'active' | 'done' | 'failed';
export type ServerState = 'unsent' | 'in_progress' | 'over';
export type Outcome = 'success' | 'client_error' | 'no_reply' | 'didnt_need';
export type ValidateState = 'init' | 'valid' | 'invalid' | 'inconclusive' | 'too_late';

export interface WorkUnitLimits {
  minQuorum: number;
  /** Replicas issued at once; the validator raises it by one when a quorum disagrees. */
  targetNresults: number;
  maxErrorResults: number;
  maxTotalResults: number;
  /** Seconds a host has to return a replica before it is reissued. */
  delayBoundS: number;
}

/** What a host must offer to run a unit. */
export interface UnitNeeds {
  webgpu: boolean;
  memoryMb: number;
}

export interface NewWorkUnit extends WorkUnitLimits {
  job: AppInput;
  flopsEstimate: number;
  /** Defaults: no WebGPU, 256 MiB. */
  needs?: Partial<UnitNeeds>;
}

/** What a host asks for: a count, optionally a buffer in seconds, and what it can run. */
export interface WorkAsk {
  maxReplicas: number;
  bufferSeconds?: number | undefined;
  capabilities?: UnitNeeds | undefined;
  /** Only this project's units (a partner widget embedded for one project); by default any project's. */
  projectId?: number | undefined;
  /**
   * The network the request came from (server/http/network.ts): recorded as the host's, and no unit goes to two
   * hosts on one network. Undefined: the host's last recorded network stands.
   */
  network?: string | undefined;
}

export interface WorkUnit extends NewWorkUnit {
  id: number;
  batchId: number;
  state: UnitState;
  /** Issued as one replica to a trusted host (adaptive replication); its result is unverified until settled. */
  single: boolean;
  /** The quorum and replica count the unit was created with, restored when a single replica is revoked. */
  requestedQuorum: number;
  requestedTarget: number;
  canonicalReplicaId: number | null;
  /** Why a unit failed, for the researcher. */
  failure: string | null;
  /**
   * Sent as a single replica to a host caught cheating since (its catches differ from when it was sent): its result
   * may not stand alone, whenever it comes (server/store/sql/credit.ts). Known to the validator only.
   */
  singleHostCaught?: boolean;
  /**
   * Before this time no replica beyond those out is made (work_units.sibling_at): its first replica's siblings wait
   * a randomized time, so they go to a host drawn from later askers. Null: no wait began, or it is over and restarts.
   */
  siblingAt?: number | null;
  /**
   * The coordinator has established hosts of the unit's app (server/store/sql/established.ts), so a quorum must
   * include one (server/store/trust.ts). Known to the validator only.
   */
  quorumNeedsEstablished?: boolean;
  /**
   * Its batch is in its tail (server/store/tail.ts), so an overdue replica of it gets a tail replica. Loaded by the
   * transitioner only for units with an overdue replica.
   */
  batchInTail?: boolean;
  /**
   * A researcher's app's normalised measured share (server/credit/app-version.ts): what its units are credited at,
   * as a share of their declared FLOPs, once its versions have enough validated units. Known to the validator only.
   */
  creditShare?: number;
}

export interface Replica {
  id: number;
  workUnitId: number;
  hostId: number | null;
  volunteerId: number | null;
  serverState: ServerState;
  outcome: Outcome | null;
  validateState: ValidateState;
  sentAt: number | null;
  deadline: number | null;
  receivedAt: number | null;
  result: AppOutput | null;
  variant: Variant | null;
  elapsedMs: number | null;
  /** Its host's measured speed (FLOP/s) when it reported, from the coordinator's own apps: what bounds its credit. */
  hostFlops: number | null;
  /** Why the host could not compute it, for a client error. */
  error: string | null;
  grantedCredit: number;
  /** Accepted on a single replica: revocable until settled. */
  unverified: boolean;
  validatedAt: number | null;
  /** Whether its host has a track record with the app (TRACK_RECORD valid results) as the passes load it. */
  hostTracked?: boolean;
  /** Whether its host was established for the app when it was sent (server/store/trust.ts isEstablished). */
  established?: boolean;
  /** A tail replica (server/store/tail.ts): only a reliable host may take it, and a unit gets one at most. */
  tail?: boolean;
}

/** A unit and all its replicas: what the transitioner and validator decide on. */
export interface UnitWithReplicas {
  unit: WorkUnit;
  replicas: Replica[];
}

/** What a pass decided for one unit; the store applies it atomically. */
export interface UnitChanges {
  unit?: Partial<
    Pick<WorkUnit, 'state' | 'canonicalReplicaId' | 'failure' | 'targetNresults' | 'minQuorum' | 'single' | 'siblingAt'>
  >;
  replicas?: Array<
    { id: number } & Partial<
      Pick<Replica, 'serverState' | 'outcome' | 'validateState' | 'grantedCredit' | 'unverified' | 'validatedAt'>
    >
  >;
  /** What the decision says about the hosts involved, for adaptive replication. */
  trust?: Array<{ hostId: number; event: TrustEvent }>;
  /** Unsent replicas to create. */
  newReplicas?: number;
  /** A researcher's app's unit just validated: what its agreeing results measured, per variant, for the averages. */
  flopSamples?: FlopSample[];
  /** The one replica created is a tail replica (server/store/tail.ts), for a reliable host only. */
  tailReplica?: boolean;
  /** The transitioner should look again by then (a replica becomes overdue for the tail), before any deadline. */
  wakeAt?: number;
  /** Ask the validator to look at the unit (new results arrived, or a quorum may now exist). */
  needValidate?: boolean;
  /** The transitioner's decision is part of this one: the unit's next transition is its earliest deadline. */
  transitioned?: boolean;
}

/** One validated unit's sample for an app version's running average (server/credit/app-version.ts). */
export interface FlopSample {
  /** The researcher's app and version, whatever the variant: `custom:name@version`. */
  appKey: string;
  variant: Variant;
  /** Measured FLOPs as a share of the declared ones, at most 1. */
  share: number;
}

export interface Host {
  id: number;
  volunteerId: number;
}

/** A host as authentication needs it: its registered public key (JWK JSON), if it signs its requests. */
export interface HostCredentials extends Host {
  publicKey: string | null;
}

export interface IssuedReplica {
  /** The replica's own id and its unit's: the coordinator's, for its logs and tests; never sent to the host. */
  replicaId: number;
  workUnitId: number;
  /** What the host is given instead (protocol/work.ts ReplicaToken), drawn when the replica is sent. */
  token: string;
  /** The unit's project (0: the coordinator's own, the demo). */
  projectId: number;
  deadline: number;
  flopsEstimate: number;
  job: AppInput;
}

export type ResultToRecord =
  | { status: 'success'; token: string; elapsedMs: number; variant: Variant; result: AppOutput }
  | { status: 'error'; token: string; elapsedMs: number; error: SerializedError };

/** Each result's fate, by the token its host named it with (protocol/work.ts tokenOf). */
/** A reported result's fate, under the token it was reported by, as the host hears it. */
export type ReportedOutcome = { token: string; ok: true } | { token: string; ok: false; error: string };
/** And as the store decided it: `replicaId` is the coordinator's own, for its log; never sent to the host. */
export type RecordOutcome = ReportedOutcome & { replicaId: number };

export interface CreditTotals {
  total: number;
  recentAverage: number;
}

export interface HostSummary {
  hostId: number;
  volunteerId: number;
  volunteerName: string;
  credit: CreditTotals;
  volunteerCredit: CreditTotals;
  volunteerStages: { pending: number; settled: number };
  results: { inProgress: number; pending: number; awaitingVolunteer: number; valid: number; invalid: number };
}

export type { AppName };

export interface VolunteerAccount {
  volunteerId: number;
  name: string;
  address: string | null;
  hosts: number;
}

/** One line of the daily statistics export (docs/stats.md). */
export interface VolunteerStats {
  volunteer_id: number;
  name: string;
  address: string | null;
  total_credit: number;
  settled_credit: number;
  recent_average_credit: number;
  created_at: number;
}

export interface HostStats {
  host_id: number;
  volunteer_id: number;
  total_credit: number;
  recent_average_credit: number;
  created_at: number;
}
