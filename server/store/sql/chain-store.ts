/**
 * @module server/store/sql/chain-store
 * The ChainStore over SQL, SQLite or Postgres alike (the same Db as the work): the chain feed's reads of the work's
 * tables here, the poster's and the market settler's records in chain-epochs.ts, the mirror in chain-mirror.ts.
 */
import { getAddress, isAddress } from 'viem';
import type { BatchProgress, ChainStore, SettledCredit } from '../chain.ts';
import { epochRecords, marketRecords } from './chain-epochs.ts';
import { adoptChainFile } from './chain-file.ts';
import { chainMirror } from './chain-mirror.ts';
import type { Db, Queryable } from './db.ts';

async function settledCredit(q: Queryable): Promise<SettledCredit[]> {
  const rows = await q.all<{ address: string; credit: number }>(
    `SELECT eth_address AS address, settled_credit AS credit FROM volunteers
      WHERE eth_address IS NOT NULL AND settled_credit > 0`,
  );
  // The store validates addresses when they are linked; a malformed one is skipped here rather than stall every
  // epoch.
  return rows
    .filter((r) => isAddress(r.address, { strict: false }))
    .map((r) => ({ address: getAddress(r.address), credit: Number(r.credit) }));
}

async function batchProgress(q: Queryable, batchIds: number[]): Promise<Map<number, BatchProgress>> {
  if (batchIds.length === 0) return new Map();
  const rows = await q.all<{ id: number; credit: number | null; active: number | null; unsettled: number | null }>(
    `SELECT w.batch_id AS id,
       SUM(CASE WHEN r.validate_state = 'valid' AND s.replica_id IS NULL THEN r.granted_credit ELSE 0 END) AS credit,
       SUM(CASE WHEN w.state = 'active' THEN 1 ELSE 0 END) AS active,
       SUM(CASE WHEN r.validate_state = 'valid' AND s.replica_id IS NOT NULL THEN 1 ELSE 0 END) AS unsettled
     FROM work_units w LEFT JOIN replicas r ON r.work_unit_id = w.id
       LEFT JOIN unsettled_credit s ON s.replica_id = r.id
     WHERE w.batch_id IN (${batchIds.map(() => '?').join(', ')})
     GROUP BY w.batch_id`,
    batchIds,
  );
  // A running training job's batch is never finished, even between a round's last unit and the next round's first.
  const training = await q.all<{ batch_id: number }>(
    `SELECT batch_id FROM training_jobs
      WHERE state = 'running' AND batch_id IN (${batchIds.map(() => '?').join(', ')})`,
    batchIds,
  );
  const running = new Set(training.map((t) => Number(t.batch_id)));
  return new Map(
    rows.map((r) => [
      Number(r.id),
      {
        credit: Number(r.credit ?? 0),
        finished: Number(r.active ?? 0) === 0 && Number(r.unsettled ?? 0) === 0 && !running.has(Number(r.id)),
      },
    ]),
  );
}

/** @example const chain = sqlChainStore(db); const credits = await chain.settledCredit(); */
export function sqlChainStore(db: Db): ChainStore {
  return {
    settledCredit: () => settledCredit(db),
    batchProgress: (batchIds) => batchProgress(db, batchIds),
    ...epochRecords(db),
    ...marketRecords(db),
    ...chainMirror(db),
    adoptChainFile: (path) => adoptChainFile(db, path),
  };
}
