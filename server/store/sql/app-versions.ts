/**
 * @module server/store/sql/app-versions
 * The running averages of researchers' app versions (server/credit/app-version.ts, migration 22): read for the
 * validator's units of those apps, one statement a round; folded in with the validation that decided each unit,
 * in its transaction, so a unit's samples count once (a unit is decided once) and a round costs three statements
 * whatever its size. On Postgres the rows are locked in key order, so two validators fold one after the other.
 */
import { appKeyOf, foldSample, normalisedShare, type VersionAverage, versionKeyOf } from '../../credit/app-version.ts';
import type { FlopSample, WorkUnit } from '../types.ts';
import { anyOf, bulkInsert, bulkUpdate, type Dialect } from './bulk.ts';
import type { Queryable } from './db.ts';

/** Each of these apps' normalised share (server/credit/app-version.ts), where its versions have enough units. */
export async function normalisedShares(
  q: Queryable,
  dialect: Dialect,
  appKeys: string[],
): Promise<Map<string, number>> {
  const shares = new Map<string, number>();
  if (appKeys.length === 0) return shares;
  const list = anyOf(dialect, 'app', [...new Set(appKeys)], 'text');
  const rows = await q.all<{ app: string; share: number; samples: number }>(
    `SELECT app, share, samples FROM app_versions WHERE ${list.sql}`,
    list.params,
  );
  const byApp = new Map<string, VersionAverage[]>();
  for (const r of rows) byApp.set(r.app, [...(byApp.get(r.app) ?? []), { share: r.share, samples: Number(r.samples) }]);
  for (const [app, versions] of byApp) {
    const share = normalisedShare(versions);
    if (share !== undefined) shares.set(app, share);
  }
  return shares;
}

/** Folds validated units' samples into their versions' averages, in the order given. */
export async function recordSamples(
  q: Queryable,
  dialect: Dialect,
  samples: readonly FlopSample[],
  now: number,
): Promise<void> {
  if (samples.length === 0) return;
  const key = (s: FlopSample) => versionKeyOf(s.appKey, s.variant);
  const apps = new Map(samples.map((s) => [key(s), s.appKey]));
  const keys = [...apps.keys()].sort();
  await bulkInsert(
    q,
    dialect,
    'app_versions',
    { app_version: 'text', app: 'text', share: 'double', samples: 'bigint', updated_at: 'bigint' },
    keys.map((k) => [k, apps.get(k)!, 0, 0, now]),
    { skipConflictsOn: 'app_version' },
  );
  const list = anyOf(dialect, 'app_version', keys, 'text');
  const lock = dialect === 'postgres' ? ' FOR UPDATE' : '';
  const rows = await q.all<{ app_version: string; share: number; samples: number }>(
    `SELECT app_version, share, samples FROM app_versions WHERE ${list.sql} ORDER BY app_version${lock}`,
    list.params,
  );
  const averages = new Map<string, VersionAverage>(
    rows.map((r) => [r.app_version, { share: r.share, samples: Number(r.samples) }]),
  );
  for (const s of samples) averages.set(key(s), foldSample(averages.get(key(s)), s.share));
  await bulkUpdate(
    q,
    dialect,
    {
      table: 'app_versions',
      key: { app_version: 'text' },
      columns: { share: 'double', samples: 'bigint', updated_at: 'bigint' },
    },
    keys.map((k) => [k, averages.get(k)!.share, averages.get(k)!.samples, now]),
  );
}

/** Sets the credit share of the validator's units of researchers' apps from their apps' versions (one statement). */
export async function priceCustomUnits(
  q: Queryable,
  dialect: Dialect,
  loaded: ReadonlyArray<{ row: { app: string }; unit: WorkUnit }>,
): Promise<void> {
  // The row's app first: reading `unit.job` parses the stored input, which only custom units need here.
  const custom = loaded.flatMap(({ row, unit }) => {
    if (row.app !== 'custom') return [];
    const { job } = unit;
    return job.app === 'custom' ? [{ unit, key: appKeyOf(job.input.name, job.input.version) }] : [];
  });
  const shares = await normalisedShares(
    q,
    dialect,
    custom.map((c) => c.key),
  );
  for (const { unit, key } of custom) {
    const share = shares.get(key);
    if (share !== undefined) unit.creditShare = share;
  }
}
