/**
 * @module server/chain/crash-child
 * For the fault tests: a poster in its own process that SIGKILLs itself at a given step (after building an epoch,
 * or after sending it), as a coordinator killed at the worst moment would die.
 * Usage: node crash-child.ts <rpcUrl> <chainId> <ledger> <dir> <built|sent> <credits JSON>
 */
import { join } from 'node:path';
import type { Address, Hex } from 'viem';
import { chainPoster } from './chain-poster.ts';
import { chainClients } from './clients.ts';
import { openStore } from '../store/open-store.ts';
import { DEV_KEYS } from './testing.ts';

const [rpcUrl, chainId, ledger, dir, killAt, credits] = process.argv.slice(2);
const stores = await openStore({ kind: 'sqlite', dataDir: dir! });
const poster = chainPoster({
  clients: chainClients({ rpcUrl: rpcUrl!, chainId: Number(chainId), privateKey: DEV_KEYS[0] as Hex }),
  deployment: { ledger: ledger as Address },
  records: stores.chain,
  settledCredit: async () => JSON.parse(credits!) as Array<{ address: Address; credit: number }>,
  epochDir: join(dir!, 'epochs'),
  epochIntervalMs: 1_000,
  onStep: (step) => {
    if (step === killAt) process.kill(process.pid, 'SIGKILL');
  },
});
await poster.runOnce(10_000);
console.error(`crash-child: never reached step ${killAt}`);
process.exit(3);
