import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../config.ts';
import { openStore } from '../store/open-store.ts';
import { startChain } from './start-chain.ts';
import { startTestChain } from './testing.ts';

const dir = mkdtempSync(join(tmpdir(), 'terraflop-start-chain-'));
const stores = await openStore({ kind: 'sqlite', dataDir: dir });
afterAll(async () => {
  await stores.close();
  rmSync(dir, { recursive: true, force: true });
});

const SECRET = `0x${'ab'.repeat(31)}zz`;

describe('chain configuration', () => {
  test('error: a malformed poster key is refused without echoing it', () => {
    let message = '';
    try {
      loadConfig({ TERRAFLOP_POSTER_KEY: SECRET });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/TERRAFLOP_POSTER_KEY: must be 0x and 64 hex digits/);
    expect(message).not.toContain('abab');
    expect(() => loadConfig({ TERRAFLOP_CHAIN: 'mainnet' })).toThrow(/TERRAFLOP_CHAIN/);
  });

  test('error: rpc mode names what it lacks', async () => {
    const config = loadConfig({ TERRAFLOP_DATA: dir, TERRAFLOP_CHAIN: 'rpc', TERRAFLOP_RPC_URL: 'http://127.0.0.1:1' });
    await expect(startChain(config, stores.chain)).rejects.toThrow(
      'TERRAFLOP_CHAIN=rpc needs TERRAFLOP_CHAIN_ID, TERRAFLOP_LEDGER_ADDRESS, TERRAFLOP_MARKET_ADDRESS, ' +
        'TERRAFLOP_POSTER_KEY_FILE or TERRAFLOP_POSTER_KEY',
    );
  });

  test('default: rpc mode on a chain deployed elsewhere, key from a file; a wrong chain id is refused', async () => {
    const chain = await startTestChain();
    try {
      const keyFile = join(dir, 'poster.key');
      writeFileSync(keyFile, '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80\n', { mode: 0o600 });
      const env = {
        TERRAFLOP_DATA: dir,
        TERRAFLOP_CHAIN: 'rpc',
        TERRAFLOP_RPC_URL: chain.anvil.rpcUrl,
        TERRAFLOP_CHAIN_ID: String(chain.anvil.chainId),
        TERRAFLOP_POSTER_KEY_FILE: keyFile,
        TERRAFLOP_LEDGER_ADDRESS: chain.deployment.ledger,
        TERRAFLOP_MARKET_ADDRESS: chain.deployment.market,
      };
      const running = await startChain(loadConfig(env), stores.chain);
      expect(running?.deployment).toMatchObject({
        ledger: chain.deployment.ledger,
        cop: chain.deployment.cop,
        market: chain.deployment.market,
      });
      await running?.stop();
      await expect(startChain(loadConfig({ ...env, TERRAFLOP_CHAIN_ID: '1' }), stores.chain)).rejects.toThrow(
        /serves chain 31337, TERRAFLOP_CHAIN_ID says 1/,
      );
      await expect(
        startChain(
          loadConfig({ ...env, TERRAFLOP_LEDGER_ADDRESS: chain.deployment.market.replace(/.$/, '0') }),
          stores.chain,
        ),
      ).rejects.toThrow(/no contract at/);
    } finally {
      await chain.stop();
    }
  });
});
