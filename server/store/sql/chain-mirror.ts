/**
 * @module server/store/sql/chain-mirror
 * The mirror of what the chain says (tables mirror_heads, mirror_epochs, mirror_claims) over SQL. The chain reader
 * applies each read of the chain in one transaction, so the routes see the mirror at one block or the next, never
 * between.
 */
import type { ChainMirror, ChainRead, EpochChange, EpochStatus, MirroredEpoch } from '../chain.ts';
import type { EpochColumns } from './chain-epochs.ts';
import type { Db, Queryable } from './db.ts';

interface EpochRow extends EpochColumns {
  seed: string;
  seed_block: number | string;
  block: number;
  status: EpochStatus;
  attestations: number;
}

const toEpoch = (r: EpochRow): MirroredEpoch => ({
  ledger: r.ledger,
  epoch: Number(r.epoch),
  root: r.root,
  fileHash: r.file_hash,
  totalCredit: r.total_credit,
  seed: r.seed,
  seedBlock: BigInt(r.seed_block),
  block: BigInt(r.block),
  status: r.status,
  attestations: Number(r.attestations),
});

const CHANGES: Record<EpochChange['kind'], string> = {
  seed: 'seed = ?',
  rearmed: 'seed_block = ?',
  attested: 'attestations = attestations + 1',
  final: "status = 'final'",
  frozen: "status = 'frozen'",
};

function changeParams(c: EpochChange): Array<string | number> {
  if (c.kind === 'seed') return [c.seed];
  if (c.kind === 'rearmed') return [Number(c.seedBlock)];
  return [];
}

async function apply(q: Queryable, read: ChainRead, now: number): Promise<void> {
  for (const e of read.epochs) {
    await q.run(
      `INSERT INTO mirror_epochs (ledger, epoch, root, file_hash, total_credit, seed, seed_block, block, status)
        VALUES (?, ?, ?, ?, ?, '', ?, ?, 'proposed') ON CONFLICT (ledger, epoch) DO UPDATE SET root = excluded.root,
          file_hash = excluded.file_hash, total_credit = excluded.total_credit, seed = '',
          seed_block = excluded.seed_block, block = excluded.block, status = 'proposed', attestations = 0`,
      [read.ledger, e.epoch, e.root, e.fileHash, e.totalCredit, Number(e.seedBlock), Number(e.block)],
    );
  }
  for (const c of read.changes)
    await q.run(`UPDATE mirror_epochs SET ${CHANGES[c.kind]} WHERE ledger = ? AND epoch = ?`, [
      ...changeParams(c),
      read.ledger,
      c.epoch,
    ]);
  // Claimed amounts are cumulative: the last event of an account in chain order holds its amount.
  const latest = new Map(read.claims.map((c) => [c.account, c]));
  for (const c of latest.values()) {
    await q.run(
      `INSERT INTO mirror_claims (ledger, account, claimed, block) VALUES (?, ?, ?, ?)
        ON CONFLICT (ledger, account) DO UPDATE SET claimed = excluded.claimed, block = excluded.block`,
      [read.ledger, c.account, String(c.claimed), Number(c.block)],
    );
  }
  await q.run(
    `INSERT INTO mirror_heads (ledger, block, block_hash, read_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (ledger) DO UPDATE SET block = excluded.block, block_hash = excluded.block_hash,
        read_at = excluded.read_at`,
    [read.ledger, Number(read.block), read.blockHash, now],
  );
}

export function chainMirror(db: Db): ChainMirror {
  return {
    async mirrorHead(ledger) {
      const row = await db.get<{ block: number; block_hash: string; read_at: number }>(
        'SELECT block, block_hash, read_at FROM mirror_heads WHERE ledger = ?',
        [ledger],
      );
      return row && { block: BigInt(row.block), blockHash: row.block_hash, readAt: Number(row.read_at) };
    },
    applyChainRead: (read, now) => db.transaction((q) => apply(q, read, now)),
    resetMirror: (ledger) =>
      db.transaction(async (q) => {
        for (const table of ['mirror_epochs', 'mirror_claims', 'mirror_heads'])
          await q.run(`DELETE FROM ${table} WHERE ledger = ?`, [ledger]);
      }),
    async mirroredEpochs(ledger) {
      const rows = await db.all<EpochRow>('SELECT * FROM mirror_epochs WHERE ledger = ? ORDER BY epoch', [ledger]);
      return rows.map(toEpoch);
    },
    async latestMirroredEpoch(ledger) {
      const row = await db.get<EpochRow>('SELECT * FROM mirror_epochs WHERE ledger = ? ORDER BY epoch DESC LIMIT 1', [
        ledger,
      ]);
      return row && toEpoch(row);
    },
    async claimableEpoch(ledger) {
      const row = await db.get<EpochRow>(
        `SELECT m.* FROM mirror_epochs m JOIN chain_epochs c ON c.ledger = m.ledger AND c.epoch = m.epoch
          WHERE m.ledger = ? AND c.root = m.root AND m.status = 'final' ORDER BY m.epoch DESC LIMIT 1`,
        [ledger],
      );
      return row && toEpoch(row);
    },
    async claimed(ledger, account) {
      const row = await db.get<{ claimed: string }>(
        'SELECT claimed FROM mirror_claims WHERE ledger = ? AND account = ?',
        [ledger, account],
      );
      return BigInt(row?.claimed ?? 0);
    },
  };
}
