/**
 * @module server/store/store
 * The work store: the narrow interface between the coordinator's work (hosts, volunteers, batches, units, replicas,
 * credit) and its database. The host API and the passes see only this; SQLite (the embedded default) and Postgres
 * implement it. Every method is one transaction: it either happens whole or not at all, and a result is durable
 * before recordResults returns. The other parts of the coordinator have stores of their own (server/store/stores.ts).
 */
import { BaseError } from '../../protocol/base-error.ts';
import type {
  AppName,
  HostSummary,
  Host,
  HostCredentials,
  IssuedReplica,
  VolunteerAccount,
  VolunteerStats,
  HostStats,
  NewWorkUnit,
  RecordOutcome,
  ResultToRecord,
  UnitChanges,
  UnitWithReplicas,
  WorkAsk,
} from './types.ts';

export type UnitQueue = 'transition' | 'validate';

/**
 * The database did not answer (restarting, unreachable, the connection cut): the coordinator answers 503, to try
 * again shortly. A statement cut off at its commit may have been applied; every write the API makes is safe to repeat.
 */
export class DatabaseUnavailableError extends BaseError {
  override name = 'DatabaseUnavailableError' as const;
}

/** What waits for each pass: units due for the transitioner or flagged for the validator, credit to add or settle. */
export interface Backlog {
  transition: number;
  validate: number;
  credit: number;
  settle: number;
  revoke: number;
}

/** A registration with a public key another host registered: one key is one host, or its signatures would be two. */
export class KeyTakenError extends BaseError {
  override name = 'KeyTakenError' as const;
  constructor() {
    super('publicKey: this key is already registered to another host; make a fresh key and register again', {
      details: { field: 'publicKey' },
    });
  }
}

/**
 * A report names a replica token that is not one of this host's replicas (another host's, or none at all): the
 * report is refused whole and changes nothing, and the answer is the same whether the token exists or not, so a
 * host cannot probe for other hosts' tokens.
 */
export class ForeignReplicaError extends BaseError {
  override name = 'ForeignReplicaError' as const;
  constructor(indexes: readonly number[]) {
    const message = 'not a replica sent to this host';
    const issues = indexes.map((i) => ({ path: `results.${i}.replicaId`, message }));
    super(`invalid result report: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
      details: { field: issues[0]?.path ?? 'results' },
      issues,
    });
  }
}

export class HostHoldsUnitsError extends BaseError {
  override name = 'HostHoldsUnitsError' as const;
  constructor(hostId: number, units: number) {
    super(
      `host ${hostId} holds ${units} unit(s) not yet decided; link it to another volunteer once they are ` +
        '(a link code cannot move units already held)',
      { details: { hostId, units } },
    );
  }
}

/** A registration whose challenge registered a host already: each solution buys one identity (issue 17, item 3). */
export class ChallengeSpentError extends BaseError {
  override name = 'ChallengeSpentError' as const;
  constructor() {
    super('proof.challenge: this challenge was used already; ask GET /api/hosts/challenge for a new one', {
      details: { field: 'proof.challenge' },
    });
  }
}

/** A registration from a network banned since one of its hosts was caught cheating (store/sql/identity-bans.ts). */
export class NetworkBannedError extends BaseError {
  override name = 'NetworkBannedError' as const;
  constructor(network: string, reason: string) {
    super(`network ${network} may not register hosts for now: ${reason}`, { details: { network } });
  }
}

/** A link code redeemed by a host whose volunteer is banned: the ban follows the host, it cannot walk away from it. */
export class VolunteerBannedError extends BaseError {
  override name = 'VolunteerBannedError' as const;
  constructor(hostId: number, reason: string) {
    super(`host ${hostId} cannot join another volunteer: its volunteer is banned (${reason})`, {
      details: { hostId },
    });
  }
}

export interface Store {
  /**
   * Creates a volunteer and their first host, identified by a public key (signed requests) or a token's hash; a key
   * already registered is a KeyTakenError, and nothing is created.
   */
  createHost(params: {
    volunteerName?: string | undefined;
    platform?: string | undefined;
    publicKey?: string | undefined;
    tokenHash?: string | undefined;
    /** The partner site's origin, for a host registered by an embedded widget. */
    partner?: string | undefined;
    /** The network it registered from (server/http/network.ts): refused with NetworkBannedError while banned. */
    network?: string | undefined;
    /**
     * The registration challenge it solved, spent in the same transaction (ChallengeSpentError if it was spent
     * before) and remembered until it expires.
     */
    challenge?: { id: string; expiresAt: number } | undefined;
    now: number;
  }): Promise<Host>;
  findHostByTokenHash(tokenHash: string): Promise<Host | undefined>;
  findHost(hostId: number): Promise<HostCredentials | undefined>;
  /** Records a request nonce of a host and gives the host as it stands; undefined when it was used (a replay). */
  useNonce(hostId: number, nonce: string, expiresAt: number): Promise<Host | undefined>;
  /**
   * Forgets nonces whose timestamps are outside the window anyway, and spent registration challenges past their
   * expiry. Returns how many.
   */
  purgeNonces(now: number, limit: number): Promise<number>;
  /** Why the host is banned (a recomputation contradicted its result: server/store/training.ts), or undefined. */
  banOf(hostId: number): Promise<string | undefined>;
  /**
   * Why the host gets no work and its results are refused, asking from `network` at `now`: its own ban, its
   * volunteer's (as linked now: a host linked to a banned volunteer is banned too), or its network's; or undefined.
   */
  refusalOf(hostId: number, network: string | undefined, now: number): Promise<string | undefined>;
  /** The secret called `name`, shared by every coordinator process of this database; `fresh` if none was kept yet. */
  sharedSecret(name: string, fresh: string): Promise<string>;
  /** The host's and its volunteer's credit, RAC decayed to `now`, and its results by state. */
  hostSummary(hostId: number, now: number): Promise<HostSummary>;

  volunteer(volunteerId: number): Promise<VolunteerAccount>;
  renameVolunteer(volunteerId: number, name: string): Promise<void>;
  /** Links an (already proven) address; false when another volunteer holds it. */
  setVolunteerAddress(volunteerId: number, address: string): Promise<boolean>;
  /** Stores a link code's hash for a volunteer, valid until `expiresAt`. */
  createLinkCode(volunteerId: number, codeHash: string, expiresAt: number): Promise<void>;
  /**
   * Moves the host to the volunteer whose live code this is, and spends the code; undefined when none is. Throws
   * HostHoldsUnitsError, changing nothing, while the host holds a replica or an undecided result of an undecided
   * unit: a unit's hosts are of different volunteers when it is sent, and stay so until it is decided. Throws
   * VolunteerBannedError, changing nothing, when the host's volunteer is banned.
   */
  redeemLinkCode(hostId: number, codeHash: string, now: number): Promise<number | undefined>;

  /** Creates a batch and its units, each with its first replicas (target_nresults of them). */
  createBatch(params: { app: AppName; name: string; units: NewWorkUnit[]; now: number }): Promise<number>;
  /** The id of the project with this short name (protocol/project-name.ts); 0 for "demo", the coordinator's own. */
  findProject(shortName: string): Promise<number | undefined>;
  /** The short name of project `projectId` ("demo" for 0); undefined when there is no such project. */
  projectShortName(projectId: number): Promise<string | undefined>;
  /**
   * Units of an app in the coordinator's own batches (the demo's) that no host holds a replica of yet: work any
   * host can take. (An unsent replica whose sibling went to a volunteer cannot go to that volunteer again, so a
   * count of unsent replicas would starve a lone volunteer.) Counts no further than `atMost`.
   */
  countFreshUnits(app: AppName, atMost: number): Promise<number>;

  /**
   * The scheduler: unsent replicas this host can run (its capabilities), never two of one unit to one volunteer,
   * enough to fill its buffer at its measured speed and at most maxReplicas, marked in progress with deadlines.
   */
  issueReplicas(host: Host, ask: WorkAsk | number, now: number): Promise<IssuedReplica[]>;
  /**
   * Stores results durably; each is accepted only from the host it was sent to, once. A report naming a token that
   * is not this host's is refused whole (ForeignReplicaError) and stores nothing.
   */
  recordResults(host: Host, results: ResultToRecord[], now: number): Promise<RecordOutcome[]>;

  /**
   * Takes up to `limit` units waiting in a pass's queue (transition: due by time; validate: flagged), oldest first,
   * skipping those another process holds; loads each with its replicas, lets `decide` choose the changes, applies
   * them and takes the unit off the queue; all in one transaction, so two coordinator processes never decide on one
   * unit at once (each takes its own share of a backlog) and a crash leaves every unit either decided or still
   * queued. Returns how many units it took.
   */
  decideDue(
    queue: UnitQueue,
    now: number,
    limit: number,
    decide: (state: UnitWithReplicas) => UnitChanges,
  ): Promise<number>;

  /** Adds the granted credit of newly validated replicas to their hosts' and volunteers' totals; returns how many. */
  applyCredit(now: number, limit: number): Promise<number>;

  /**
   * Makes final the credit of valid results validated at or before `before`: adds it to each volunteer's settled
   * credit (what may go on chain). Returns how many results settled.
   */
  settleCredit(before: number, limit: number): Promise<number>;

  /**
   * For hosts caught with an invalid result: revokes each of their single-replica results not yet settled (invalid,
   * credit withdrawn) and sends its unit back for replication. Returns how many hosts were handled.
   */
  revokeUnverified(now: number, limit: number): Promise<number>;

  /**
   * Drops the raw results of units closed before `before`, except each unit's canonical result, which the
   * researcher keeps. Returns how many were dropped.
   */
  purgeResults(before: number, limit: number): Promise<number>;

  /**
   * Folds up to `limit` changes of the public status page's counts into their totals, by batch
   * (server/store/sql/batch-counts.ts), and as many of the batches' errors (batch-errors.ts). Returns how many it
   * folded.
   */
  foldStatusCounts(limit: number): Promise<number>;

  /**
   * Folds up to `limit` changes of the public status page's activity figures into their tables and drops what left
   * the activity window before `now` (server/store/sql/activity-counts.ts). Returns how many changes it folded.
   */
  foldActivity(limit: number, now: number): Promise<number>;

  /**
   * How much waits for each pass at `now` (credit to settle: validated at or before `settleBefore`), each count
   * stopping at `atMost` so that it reads a bounded slice of one index, however long the queue.
   */
  backlog(now: number, settleBefore: number, atMost: number): Promise<Backlog>;

  /** Every volunteer's and host's credit as of `now` (RAC decayed to it), for the daily statistics export. */
  creditTable(now: number): Promise<{ volunteers: VolunteerStats[]; hosts: HostStats[] }>;
}
