import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { privateKeyToAccount } from 'viem/accounts';
import { loadConfig } from '../../config.ts';
import { startCoordinator, type Coordinator } from '../../coordinator.ts';
import { linkMessage } from '../../../protocol/volunteer.ts';
import { DEV_KEYS } from '../../chain/testing.ts';
import { eventually, SimHost } from '../../testing/sim-host.ts';
import { tinyUnits } from '../../testing/tiny-units.ts';
import { StoreInspector } from './inspect.ts';

// Two volunteers compute the demo's batch and three projects' batches over real HTTP: one project the operator
// grants, one that nobody pays for or grants (a researcher running its own hosts on its own units), one whose batch
// is paid through the market by its payer (and one squatter's escrow on another batch). Only the demo's, the granted
// and the paid credit mints.
const dir = mkdtempSync(join(tmpdir(), 'terraflop-mintable-'));
let c: Coordinator;
const batches: Record<'demo' | 'granted' | 'ungranted' | 'paid' | 'squatted', number> = {
  demo: 0,
  granted: 0,
  ungranted: 0,
  paid: 0,
  squatted: 0,
};
const MARKET = '0x00000000000000000000000000000000000000aa';
const payer = privateKeyToAccount(DEV_KEYS[2]!).address;
const squatter = privateKeyToAccount(DEV_KEYS[3]!).address;

beforeAll(async () => {
  c = await startCoordinator(
    loadConfig({
      TERRAFLOP_DATA: dir,
      TERRAFLOP_PORT: '0',
      TERRAFLOP_DEMO: 'off',
      TERRAFLOP_REGISTRATION_WORK_BITS: '4', // simulated hosts solve an easy proof of work
      TERRAFLOP_WEB: dir,
      TERRAFLOP_CHAIN: 'off',
      TERRAFLOP_PASS_INTERVAL_MS: '20',
      TERRAFLOP_SIBLING_WAIT_S: '0', // its hosts pair up on units at once
      TERRAFLOP_SETTLING_S: '0',
      // The two volunteers compute from networks of their own (server/testing/sim-host.ts), so they share units.
      TERRAFLOP_TRUSTED_PROXIES: '127.0.0.1, ::1',
    }),
  );
  const now = Date.now();
  batches.demo = await c.stores.work.createBatch({ app: 'signal-search', name: 'demo', units: tinyUnits(2), now });
  for (const name of ['granted', 'ungranted', 'paid', 'squatted'] as const) {
    const { projectId } = await c.stores.research.createProject({
      name,
      researcherName: 'r',
      keyHash: name.padEnd(64, '0'),
      now,
    });
    batches[name] = await c.stores.research.createProjectBatch({
      projectId,
      app: 'signal-search',
      name,
      units: tinyUnits(2),
      now,
    });
  }
  expect(await c.stores.chain.setTokenTerms('granted', { grantsTokens: true })).toMatchObject({ grantsTokens: true });
  await c.stores.chain.setTokenTerms('paid', { payer });
  await c.stores.chain.setTokenTerms('squatted', { payer });
  await c.stores.chain.recordOpened(
    MARKET,
    [
      { batchId: batches.paid, requester: payer },
      { batchId: batches.squatted, requester: squatter },
    ],
    1n,
  );
  const hosts = await Promise.all(['alice', 'bob'].map((volunteerName) => SimHost.register(c.url, { volunteerName })));
  for (const [i, host] of hosts.entries()) {
    const account = privateKeyToAccount(DEV_KEYS[i]!);
    const signature = await account.signMessage({ message: linkMessage(host.identity.volunteerId, account.address) });
    expect((await host.call('POST', '/api/volunteer/address', { address: account.address, signature })).status).toBe(
      200,
    );
  }
  for (let round = 0; round < 6; round++) await Promise.all(hosts.map((h) => h.cycle(10)));
}, 60_000);
afterAll(async () => {
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

const sum = (rows: Array<{ credit: number }>) => rows.reduce((s, r) => s + r.credit, 0);

describe('credit that mints COP', () => {
  test("behavior: only the demo's, granted and paid credit mint; the rest is credit only", async () => {
    const inspect = StoreInspector.open({ kind: 'sqlite', dataDir: dir });
    const granted = Object.fromEntries(
      await Promise.all(Object.entries(batches).map(async ([k, id]) => [k, await inspect.grantedCredit(id)] as const)),
    ) as Record<keyof typeof batches, number>;
    await inspect.close();
    for (const credit of Object.values(granted)) expect(credit).toBeGreaterThan(0);
    const all = granted.demo + granted.granted + granted.ungranted + granted.paid + granted.squatted;
    // Everything validated settles (settling period 0): all of it is credit, shown and exported.
    await eventually(async () => Math.abs(sum(await c.stores.chain.settledCredit()) - all) < 1e-9);
    const mintable = await c.stores.chain.mintableCredit();
    expect(mintable).toHaveLength(2);
    expect(sum(mintable)).toBeCloseTo(granted.demo + granted.granted + granted.paid, 9);

    // The operator grants the other project: its credit now mints too (cumulative: nothing is lost by waiting).
    await c.stores.chain.setTokenTerms('ungranted', { grantsTokens: true });
    expect(sum(await c.stores.chain.mintableCredit())).toBeCloseTo(
      granted.demo + granted.granted + granted.paid + granted.ungranted,
      9,
    );
    expect(await c.stores.chain.setTokenTerms('no such project', { grantsTokens: true })).toBeUndefined();
  });
});
