/**
 * @module server/chain/verify-epoch-cli
 * `npm run verify-epoch -- <file or URL> --rpc <url> --ledger <address>`: verify a published epoch file against the
 * chain. Given a coordinator's epoch URL alone, it asks that coordinator (GET /api/chain) where its ledger is; the
 * embedded chain's RPC is local to the coordinator's machine. Exits 0 when the file matches the chain, 1 if not.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createPublicClient, http, isAddress, type Address } from 'viem';
import { verifyEpoch } from './verify-epoch.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rpc: { type: 'string' }, ledger: { type: 'string' } },
});
const source = positionals[0];
if (!source || !values.rpc) {
  console.error('usage: npm run verify-epoch -- <epoch file or URL> --rpc <RPC URL> [--ledger <address>]');
  process.exit(2);
}
const isUrl = /^https?:\/\//.test(source);
const text = isUrl ? await (await fetch(source)).text() : readFileSync(source, 'utf8');
let ledger = values.ledger;
if (!ledger && isUrl)
  ledger = ((await (await fetch(new URL('/api/chain', source))).json()) as { ledger?: string }).ledger;
if (!ledger || !isAddress(ledger)) {
  console.error(`--ledger must be the CreditLedger's address (got ${JSON.stringify(ledger)})`);
  process.exit(2);
}
const client = createPublicClient({ transport: http(values.rpc) });
const result = await verifyEpoch(client, { ledger: ledger as Address, text });
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
