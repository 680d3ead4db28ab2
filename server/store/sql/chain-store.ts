/**
 * @module server/store/sql/chain-store
 * The ChainStore over SQL, SQLite or Postgres alike (the same Db as the work): the chain feed's reads of the work's
 * tables here, the poster's and the market settler's records in chain-epochs.ts, the mirror in chain-mirror.ts.
 */
import { getAddress, isAddress } from 'viem';
import type { BatchProgress, ChainStore, ProjectTokens, SettledCredit, TokenTerms } from '../chain.ts';
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

/** See ChainFeed.mintableCredit. Reads every valid result once an epoch: the demo's or a granting project's, or
 * one whose batch has an escrow from its project's payer. */
async function mintableCredit(q: Queryable): Promise<SettledCredit[]> {
  const rows = await q.all<{ address: string; credit: number }>(
    `SELECT v.eth_address AS address, SUM(r.granted_credit) AS credit
       FROM replicas r JOIN volunteers v ON v.id = r.volunteer_id
       LEFT JOIN projects p ON p.id = r.project_id
      WHERE v.eth_address IS NOT NULL AND r.validate_state = 'valid'
        AND NOT EXISTS (SELECT 1 FROM unsettled_credit s WHERE s.replica_id = r.id)
        AND (r.project_id = 0 OR p.grants_tokens = 1 OR EXISTS (
          SELECT 1 FROM work_units w JOIN market_escrows m ON m.batch_id = w.batch_id
           WHERE w.id = r.work_unit_id AND m.requester = p.payer_address))
      GROUP BY v.eth_address`,
  );
  return rows
    .filter((r) => Number(r.credit) > 0 && isAddress(r.address, { strict: false }))
    .map((r) => ({ address: getAddress(r.address), credit: Number(r.credit) }));
}

async function batchProgress(q: Queryable, batchIds: number[]): Promise<Map<number, BatchProgress>> {
  if (batchIds.length === 0) return new Map();
  const rows = await q.all<{
    id: number;
    credit: number | null;
    active: number | null;
    unsettled: number | null;
    payer: string | null;
  }>(
    `SELECT w.batch_id AS id, (SELECT p.payer_address FROM batches b JOIN projects p ON p.id = b.project_id
        WHERE b.id = w.batch_id) AS payer,
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
        payer: r.payer ? r.payer.toLowerCase() : null,
      },
    ]),
  );
}

async function setTokenTerms(db: Db, name: string, terms: TokenTerms): Promise<ProjectTokens | undefined> {
  return db.transaction(async (q) => {
    if (terms.payer !== undefined)
      await q.run('UPDATE projects SET payer_address = ? WHERE name = ?', [terms.payer?.toLowerCase() ?? null, name]);
    if (terms.grantsTokens !== undefined)
      await q.run('UPDATE projects SET grants_tokens = ? WHERE name = ?', [terms.grantsTokens ? 1 : 0, name]);
    const row = await q.get<{ id: number; payer: string | null; grants: number }>(
      'SELECT id, payer_address AS payer, grants_tokens AS grants FROM projects WHERE name = ?',
      [name],
    );
    return row && { projectId: Number(row.id), name, payer: row.payer, grantsTokens: Number(row.grants) === 1 };
  });
}

/** @example const chain = sqlChainStore(db); const credits = await chain.settledCredit(); */
export function sqlChainStore(db: Db): ChainStore {
  return {
    settledCredit: () => settledCredit(db),
    mintableCredit: () => mintableCredit(db),
    batchProgress: (batchIds) => batchProgress(db, batchIds),
    ...epochRecords(db),
    ...marketRecords(db),
    ...chainMirror(db),
    adoptChainFile: (path) => adoptChainFile(db, path),
    setTokenTerms: (name, terms) => setTokenTerms(db, name, terms),
  };
}
