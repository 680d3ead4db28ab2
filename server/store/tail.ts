/**
 * @module server/store/tail
 * Early reissue of a batch's tail (BOINC's reliable hosts and accelerated retries). A researcher waits for a batch's
 * last units, and a closed tab holds its replicas until their deadlines: so once a batch is nearly decided, a unit
 * whose replica has been out for half its deadline (twice the host's expected completion, the deadline being four
 * times it: server/store/quota.ts) gets one extra replica, the tail replica, which only a reliable host may take,
 * with a deadline from that host's speed. The first results to make a quorum win; the late one is still checked
 * against the canonical result and credited alike.
 */
import { ESTABLISHED_VALID, isEstablished, type AppRecord } from './trust.ts';

/** A batch is in its tail once at most this share of its units is undecided... */
export const TAIL_SHARE = 0.1;
/** ...or at most this many (a small batch's last units). */
export const TAIL_UNITS = 2;

/** A replica is overdue, for the tail, once it has been out this share of its deadline. */
export const OVERDUE_SHARE = 0.5;
/**
 * An overdue replica of a batch not yet in its tail is looked at again after this share of its deadline, at least
 * TAIL_RECHECK_MS: its batch may have reached its tail meanwhile, and a unit is otherwise woken at its deadline only.
 */
export const RECHECK_SHARE = 1 / 8;
export const TAIL_RECHECK_MS = 60_000;

/** Verified valid results in a row, since its last invalid result, error or timeout, for a host to be reliable. */
export const RELIABLE_STREAK = ESTABLISHED_VALID;

/**
 * Whether a batch of `total` units, `open` of them still undecided (no canonical result, not failed), is in its tail.
 *
 * @example inTail(100, 10) // true
 */
export function inTail(total: number, open: number): boolean {
  return open > 0 && (open <= TAIL_UNITS || open <= total * TAIL_SHARE);
}

/** When a replica sent at `sentAt` and due at `deadline` becomes overdue for the tail. */
export function overdueAt(sentAt: number, deadline: number): number {
  return sentAt + Math.round((deadline - sentAt) * OVERDUE_SHARE);
}

/** When an overdue replica whose batch is not in its tail is looked at again (never past its deadline). */
export function recheckAt(sentAt: number, deadline: number, now: number): number {
  return Math.min(deadline, now + Math.max(TAIL_RECHECK_MS, Math.round((deadline - sentAt) * RECHECK_SHARE)));
}

/** A host's record with an app as the scheduler reads it: established, plus its run of verified results. */
export interface ReliableRecord extends AppRecord {
  consecutive: number;
}

/**
 * A reliable host for an app (BOINC's reliable hosts, decided by their record rather than an average turnaround):
 * established for it (server/store/trust.ts: a day old, ten valid results, few invalid) and its last RELIABLE_STREAK
 * results of it verified valid with no invalid result, error or timeout since, so a host that let a replica time
 * out (a tab closed with work in it) is not reliable again until it has ten more. How fast it is shows in the tail
 * replica's deadline, from its measured speed.
 *
 * @example isReliable({ valid: 30, invalid: 0, consecutive: 12, createdAt: now - 2 * 86_400_000 }, now) // true
 */
export function isReliable(r: ReliableRecord, now: number): boolean {
  return isEstablished(r, now) && r.consecutive >= RELIABLE_STREAK;
}

/** What the tail reads of a replica. */
export interface OutReplica {
  serverState: string;
  sentAt: number | null;
  deadline: number | null;
}

/** The replicas out with a host, not yet past their deadlines, that are overdue for the tail at `now`. */
export function overdue<R extends OutReplica>(replicas: readonly R[], now: number): R[] {
  return replicas.filter(
    (r) =>
      r.serverState === 'in_progress' &&
      r.sentAt !== null &&
      r.deadline !== null &&
      r.deadline > now &&
      overdueAt(r.sentAt, r.deadline) <= now,
  );
}
