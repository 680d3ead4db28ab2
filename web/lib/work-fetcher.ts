/**
 * @module web/lib/work-fetcher
 * Keeps the work buffer filled to the volunteer's minutes of work (BOINC's work buffer), estimated from the units'
 * FLOPs and this device's measured speed, so that computing goes on through a lost network. Under Save-Data it
 * fetches one replica at a time, and only when the buffer is empty.
 */
import { MAX_REPLICAS_PER_REQUEST } from '../../protocol/work.ts';
import type { CoordinatorClient } from './coordinator-client.ts';
import { addToBuffer, bufferedIds } from './storage/work-buffer.ts';

/** Never hold more than this many replicas, whatever the minutes say: others should get work too. */
export const MAX_BUFFERED = 100;

export interface FetchPlan {
  bufferMinutes: number;
  flopsPerSecond: number;
  workers: number;
  saveData: boolean;
}

/** How many replicas to ask for now, from what the buffer holds: 0 when it is full enough. */
export function replicasWanted(held: number, heldSeconds: number, typicalFlops: number, plan: FetchPlan): number {
  if (plan.saveData) return held === 0 ? 1 : 0;
  const missingSeconds = plan.bufferMinutes * 60 - heldSeconds;
  if (held >= plan.workers && missingSeconds <= 0) return 0;
  const byTime = Math.ceil((Math.max(0, missingSeconds) * plan.flopsPerSecond) / typicalFlops);
  return Math.max(0, Math.min(MAX_REPLICAS_PER_REQUEST, MAX_BUFFERED - held, Math.max(byTime, plan.workers - held)));
}

export class WorkFetcher {
  private readonly client: CoordinatorClient;
  private fetching: Promise<number> | undefined;
  private typicalFlops = 1e9;

  constructor(client: CoordinatorClient) {
    this.client = client;
  }

  /** Tops the buffer up; resolves to the replicas received (0 when none were needed or offered). */
  fill(plan: FetchPlan): Promise<number> {
    this.fetching ??= this.topUp(plan).finally(() => (this.fetching = undefined));
    return this.fetching;
  }

  private async topUp(plan: FetchPlan): Promise<number> {
    // Seconds held are estimated from the typical unit, so that no unit is read from the buffer just to count it.
    const held = (await bufferedIds()).length;
    const wanted = replicasWanted(held, (held * this.typicalFlops) / plan.flopsPerSecond, this.typicalFlops, plan);
    if (wanted === 0) return 0;
    const { replicas } = await this.client.requestWork(wanted);
    if (replicas.length > 0) {
      this.typicalFlops = replicas.reduce((s, r) => s + r.flopsEstimate, 0) / replicas.length;
      await addToBuffer(replicas);
    }
    return replicas.length;
  }
}
