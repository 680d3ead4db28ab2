/**
 * @module server/store/sql/trust-events
 * Records what decided results say about their hosts (server/store/trust.ts) in host_apps, for many events in two
 * statements: the events of one host and app are folded first, in order, so an invalid result after three verified
 * ones leaves consecutive_valid at 0 and one before them leaves it at 3.
 */
import type { TrustEvent } from '../trust.ts';
import { bulkInsert, bulkUpdate, type Dialect } from './bulk.ts';
import type { Queryable } from './db.ts';

export interface HostEvent {
  hostId: number;
  app: string;
  event: TrustEvent;
}

interface Fold {
  hostId: number;
  app: string;
  /** Whether an invalid result or an error reset the host's run of verified results. */
  reset: boolean;
  /** Verified results since the last reset (or in all, without one). */
  verified: number;
  valid: number;
  invalid: number;
  errors: number;
}

export function foldEvents(events: readonly HostEvent[]): Fold[] {
  const folds = new Map<string, Fold>();
  for (const { hostId, app, event } of events) {
    const key = `${hostId}\u0000${app}`;
    let f = folds.get(key);
    if (!f) {
      f = { hostId, app, reset: false, verified: 0, valid: 0, invalid: 0, errors: 0 };
      folds.set(key, f);
    }
    if (event === 'verified-valid') f.verified++;
    if (event === 'verified-valid' || event === 'single-valid') f.valid++;
    if (event === 'invalid') f.invalid++;
    if (event === 'error') f.errors++;
    if (event === 'invalid' || event === 'error') {
      f.reset = true;
      f.verified = 0;
    }
  }
  // In key order, so two processes recording events of the same hosts lock their rows in the same order.
  return [...folds.values()].sort((a, b) => a.hostId - b.hostId || (a.app < b.app ? -1 : a.app > b.app ? 1 : 0));
}

export async function recordTrustEvents(q: Queryable, dialect: Dialect, events: readonly HostEvent[]): Promise<void> {
  const folds = foldEvents(events);
  if (folds.length === 0) return;
  await bulkInsert(
    q,
    dialect,
    'host_apps',
    { host_id: 'bigint', app: 'text' },
    folds.map((f) => [f.hostId, f.app]),
    { skipConflictsOn: 'host_id, app' },
  );
  await bulkUpdate(
    q,
    dialect,
    {
      table: 'host_apps',
      key: { host_id: 'bigint', app: 'text' },
      columns: { reset: 'bigint', verified: 'bigint', valid: 'bigint', invalid: 'bigint', errors: 'bigint' },
      set: `consecutive_valid = CASE WHEN v.reset = 1 THEN v.verified ELSE host_apps.consecutive_valid + v.verified END,
      valid = host_apps.valid + v.valid, invalid = host_apps.invalid + v.invalid, errors = host_apps.errors + v.errors,
      revoke_pending = CASE WHEN v.invalid > 0 THEN 1 ELSE host_apps.revoke_pending END`,
    },
    folds.map((f) => [f.hostId, f.app, Number(f.reset), f.verified, f.valid, f.invalid, f.errors]),
  );
}
