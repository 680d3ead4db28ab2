import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { backends } from '../../testing/backends.ts';
import { storePerTest } from '../../testing/store-fixture.ts';

const LEDGER = '0x5FbDB2315678afecb367f032d99180a3f0AA9b11';
const MARKET = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512';

/** A chain state file as a coordinator kept it before the store held the chain's state (its schema then). */
function oldChainFile(path: string) {
  const file = new DatabaseSync(path);
  file.exec(`PRAGMA journal_mode = WAL;
    CREATE TABLE chain_epochs (ledger TEXT NOT NULL, epoch INTEGER NOT NULL, root TEXT NOT NULL,
      file_hash TEXT NOT NULL, total_credit TEXT NOT NULL, volunteers INTEGER NOT NULL, built_at INTEGER NOT NULL,
      tx_hash TEXT, posted_at INTEGER, posted_block TEXT, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,
      PRIMARY KEY (ledger, epoch));
    CREATE TABLE market_batches (market TEXT NOT NULL, batch_id INTEGER NOT NULL,
      closed INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (market, batch_id));
    CREATE TABLE market_cursor (market TEXT PRIMARY KEY, block TEXT NOT NULL);`);
  const epoch = file.prepare(
    `INSERT INTO chain_epochs (ledger, epoch, root, file_hash, total_credit, volunteers, built_at, tx_hash, posted_at,
      posted_block, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  epoch.run(LEDGER, 1, '0xr1', '0xf1', '100', 2, 1_000, '0xt1', 1_100, '7', 1);
  epoch.run(LEDGER, 2, '0xr2', '0xf2', '250', 3, 2_000, null, null, null, 0);
  file.exec(`INSERT INTO market_batches VALUES ('${MARKET}', 4, 1), ('${MARKET}', 9, 0);
    INSERT INTO market_cursor VALUES ('${MARKET}', '41');`);
  file.close();
}

describe.each(backends)('taking in an old chain state file on $name', (backend) => {
  const fixture = storePerTest(backend);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'terraflop-chain-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('default: epochs and market records join the store once, and the file is set aside', async () => {
    const path = join(dir, 'chain.sqlite');
    oldChainFile(path);
    const chain = fixture.stores.chain;
    expect(await chain.adoptChainFile(path)).toBe(2);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.adopted`)).toBe(true);
    expect(await chain.latestPosted(LEDGER)).toMatchObject({ epoch: 1, root: '0xr1', postedBlock: '7', attempts: 1 });
    expect(await chain.nextToPost(LEDGER)).toMatchObject({ epoch: 2, totalCredit: '250', txHash: null });
    expect(await chain.marketCursor(MARKET)).toBe(41n);
    // The file's escrows were on the market before requesters' namespaces: only its cursor is kept.
    expect(await chain.openBatches(MARKET)).toEqual([]);
    expect(await chain.adoptChainFile(path)).toBe(0); // nothing left to take in
  });

  test('behavior: a record the store already holds wins over the file', async () => {
    const chain = fixture.stores.chain;
    await chain.recordBuilt({
      ledger: LEDGER,
      epoch: 1,
      root: '0xmine',
      fileHash: '0xf',
      totalCredit: '1',
      volunteers: 1,
      builtAt: 5,
    });
    oldChainFile(join(dir, 'chain.sqlite'));
    await chain.adoptChainFile(join(dir, 'chain.sqlite'));
    expect((await chain.epochs(LEDGER)).map((e) => e.root)).toEqual(['0xmine', '0xr2']);
  });
});
