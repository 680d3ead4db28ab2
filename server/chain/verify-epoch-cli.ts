/**
 * @module server/chain/verify-epoch-cli
 * `npm run verify-epoch -- <file or URL> --rpc <url> --ledger <address> [--previous <file or URL>]`: verify a
 * published epoch file against the chain, and its weights against the previous epoch's file. Given a coordinator's
 * epoch URL alone, it asks that coordinator (GET /api/chain) where its ledger is and fetches the previous epoch's
 * file beside it; the embedded chain's RPC is local to the coordinator's machine. Exits 0 when the file matches the
 * chain, 1 if not.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createPublicClient, http, isAddress, type Address } from 'viem';
import { verifyEpoch } from './verify-epoch.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rpc: { type: 'string' }, ledger: { type: 'string' }, previous: { type: 'string' } },
});
const source = positionals[0];
if (!source || !values.rpc) {
  console.error(
    'usage: npm run verify-epoch -- <epoch file or URL> --rpc <RPC URL> [--ledger <address>]' +
      ' [--previous <file or URL>]',
  );
  process.exit(2);
}
const isUrl = /^https?:\/\//.test(source);
const read = async (where: string) =>
  /^https?:\/\//.test(where) ? (await fetch(where)).text() : readFileSync(where, 'utf8');
const text = await read(source);
// Beside a coordinator's epoch URL (…/epochs/N.jsonl) lies the previous one (N − 1), unless N is 1.
const n = Number(/\/(\d+)\.jsonl$/.exec(source)?.[1] ?? 0);
const besides = isUrl && n > 1 ? new URL(`${n - 1}.jsonl`, source).href : undefined;
const previousSource = values.previous ?? besides;
const previous = previousSource === undefined ? undefined : await read(previousSource);
let ledger = values.ledger;
if (!ledger && isUrl)
  ledger = ((await (await fetch(new URL('/api/chain', source))).json()) as { ledger?: string }).ledger;
if (!ledger || !isAddress(ledger)) {
  console.error(`--ledger must be the CreditLedger's address (got ${JSON.stringify(ledger)})`);
  process.exit(2);
}
const client = createPublicClient({ transport: http(values.rpc) });
const result = await verifyEpoch(client, { ledger: ledger as Address, text, previous });
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
