/**
 * @module web/volunteer/unit-claims
 * Which buffered replica each worker takes next: a replica is claimed by one worker at a time, and taken by none
 * while its result is being written to the outbox. Drawing on the buffer tops it up from the coordinator, and now
 * and then sweeps out replicas past their deadline.
 */
import { CoordinatorError } from '../../protocol/coordinator-error.ts';
import type { CoordinatorClient } from '../lib/coordinator-client.ts';
import { bufferedIds, bufferedUnit, dropExpired, type ReadyUnit } from '../lib/storage/work-buffer.ts';
import type { ReplicaRef } from '../../protocol/work.ts';
import { WorkFetcher, type FetchPlan } from '../lib/work-fetcher.ts';

/** How often the buffer is swept for replicas past their deadline. */
const EXPIRY_CHECK_MS = 5_000;

/** Why the last request for work failed: the page says so rather than "no work". */
export type FetchTrouble = { kind: 'unreachable' } | { kind: 'busy' } | { kind: 'refused'; message: string };

export function fetchTrouble(e: unknown): FetchTrouble {
  if (e instanceof CoordinatorError && e.name === 'NetworkError') return { kind: 'unreachable' };
  if (e instanceof CoordinatorError && e.name === 'RateLimitedError') return { kind: 'busy' };
  return { kind: 'refused', message: e instanceof Error ? e.message : String(e) };
}

export class UnitClaims {
  /** Replicas in the work buffer. */
  buffered = $state(0);
  /** Why the last request for work failed; null when it was answered. */
  trouble = $state.raw<FetchTrouble | null>(null);
  private readonly fetcher: WorkFetcher;
  /** How much work to hold, asked afresh at each fetch (settings, measured speed and workers change). */
  private readonly plan: () => FetchPlan;
  private readonly claimed = new Set<ReplicaRef>();
  /** Replicas computed whose results are being written to the outbox. */
  private readonly saving = new Set<ReplicaRef>();
  private expiredCheckedAt = 0;

  constructor(client: CoordinatorClient, plan: () => FetchPlan) {
    this.fetcher = new WorkFetcher(client);
    this.plan = plan;
  }

  async count(): Promise<void> {
    this.buffered = (await bufferedIds()).length;
  }

  /** The next replica no other worker has, fetching more when the buffer runs low; none when there is no work. */
  async next(): Promise<ReadyUnit | undefined> {
    const now = Date.now();
    if (now - this.expiredCheckedAt > EXPIRY_CHECK_MS) {
      this.expiredCheckedAt = now;
      for (const id of await dropExpired(now)) this.claimed.delete(id);
    }
    let ids = await bufferedIds();
    void this.fill().then(() => this.count());
    const free = (id: ReplicaRef) => !this.claimed.has(id) && !this.saving.has(id);
    if (!ids.some(free)) {
      await this.fill();
      ids = await bufferedIds();
    }
    this.buffered = ids.length;
    const id = ids.find(free);
    if (id === undefined) return undefined;
    this.claimed.add(id);
    const unit = await bufferedUnit(id);
    if (!unit) this.claimed.delete(id); // completed or dropped meanwhile
    return unit;
  }

  /** Tops the buffer up, noting why when the coordinator could not be asked; never throws. */
  private async fill(): Promise<void> {
    try {
      await this.fetcher.fill(this.plan());
      this.trouble = null;
    } catch (e) {
      this.trouble = fetchTrouble(e);
    }
  }

  /** Gives back a replica that did not finish (stopped, or to be tried again). */
  release(replicaId: ReplicaRef): void {
    this.claimed.delete(replicaId);
  }

  /** A finished replica, which no worker takes again while its result is being `saved` to the outbox. */
  finished(replicaId: ReplicaRef, saved: Promise<void>): Promise<void> {
    this.saving.add(replicaId);
    this.claimed.delete(replicaId);
    return saved.finally(() => this.saving.delete(replicaId));
  }

  /** Forgets every claim: the workers were stopped. */
  releaseAll(): void {
    this.claimed.clear();
  }
}
