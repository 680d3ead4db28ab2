/**
 * @module scripts/chaos
 * `npm run chaos [-- --seconds 120 --hosts 24 --seed 1]`: faults together, against the deployment docs/operations.md
 * describes. Two coordinator processes on a Postgres cluster of the campaign's own (initdb in a temporary folder,
 * port 5440), coordinator A with the chain side (an anvil on port 4239 that keeps its state in a file) and B without;
 * simulated hosts that sign their requests and have addresses linked reach them through faulty proxies (ports 4235
 * and 4238), picking one at random per visit. At random moments, often overlapping, it kills either coordinator
 * (SIGKILL; restarted after a moment, as a supervisor would), crashes and restarts Postgres (`pg_ctl -m immediate`),
 * kills and restarts the chain node (losing what it had not dumped), delays and resets connections between hosts
 * and coordinators, and skews hosts' clocks (some past the five minutes a signature may be off, which must be
 * refused and change nothing). Then it heals everything, lets the hosts report what they hold, waits for the passes
 * and the poster to catch up, and checks:
 * - acknowledged_lost: replicas a coordinator answered `accepted` for whose result is not in the database;
 * - double_credit: volunteers whose credit total exceeds what their valid results were granted, or whose settled
 *   credit exceeds their total;
 * - epochs_exactly_once: every epoch the coordinator recorded is on the ledger with its root, posted once (one
 *   EpochPosted event each), none missing, and the last one carries all settled credit.
 *
 * Network faults: tc netem in a network namespace needs a kernel with the netem qdisc; the campaign probes for it
 * and says what it found. Where it is missing (as on the machine this was written on), a userland proxy delays each
 * chunk and resets connections instead (scripts/chaos/proxy.ts); the netem path itself is not implemented yet.
 * Last line: {"faults":N,"acknowledged_lost":0,"double_credit":0,"epochs_exactly_once":true}; exit status 1 if not.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAbiItem } from 'viem';
import { startAnvil, type Anvil } from '../server/chain/anvil.ts';
import { chainClients } from '../server/chain/clients.ts';
import { deployContracts } from '../server/chain/deploy.ts';
import { readEpoch, readLatestEpoch } from '../server/chain/read-ledger.ts';
import { DEV_KEYS } from '../server/chain/testing.ts';
import { creditToWei } from '../server/epochs/epoch-tree.ts';
import { openStore } from '../server/store/open-store.ts';
import { StoreInspector } from '../server/store/sql/inspect.ts';
import { smallestUnit, startCoordinatorProcess, type CoordinatorProcess } from '../bench/crowd.ts';
import { startCrowd } from './chaos/hosts.ts';
import { probeNetem } from './chaos/netem.ts';
import { startOwnPostgres } from './chaos/postgres.ts';
import { CLEAR, startProxy } from './chaos/proxy.ts';
import { tokenOf } from '../protocol/work.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '120' },
    hosts: { type: 'string', default: '24' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
  },
});
const SECONDS = Number(values.seconds);
const SEED = Number(values.seed);
/** A seeded generator (mulberry32): the faults' order and timing come again with --seed. */
let state = SEED >>> 0;
function random(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
log(`chaos: seed ${SEED}, ${SECONDS} s of faults`);

const netem = probeNetem();
log(netem.available ? 'netem: available' : `netem: unavailable (${netem.why}); using the userland proxy`);

const dir = mkdtempSync(join(tmpdir(), 'terraflop-chaos-'));
const pg = startOwnPostgres(5440);
const anvilState = join(dir, 'anvil-state.json');
const startChainNode = () => startAnvil({ stateFile: anvilState, stateIntervalS: 1, port: 4239 });
let anvil: Anvil = await startChainNode();
// However the campaign ends, its own Postgres and chain node end with it (coordinators: bench/crowd.ts).
let cleaned = false;
process.once('exit', () => {
  if (cleaned) return;
  anvil.kill();
  pg.stop();
});
const chainId = anvil.chainId;
const deployment = await deployContracts(chainClients({ rpcUrl: anvil.rpcUrl, chainId, privateKey: DEV_KEYS[0]! }));
const keyFile = join(dir, 'poster.key');
writeFileSync(keyFile, `${DEV_KEYS[0]}\n`, { mode: 0o600 });

// Work, as researchers' batches would bring it: topped up whenever fewer than 2,000 replicas wait.
const stores = await openStore({ kind: 'postgres', url: pg.url });
const inspect = StoreInspector.open({ kind: 'postgres', url: pg.url });
let made = 0;
async function topUp(): Promise<void> {
  const { sentReplicas } = await inspect.counts();
  while (made * 2 - sentReplicas < 2_000) {
    const units = Array.from({ length: 1_000 }, (_, i) => smallestUnit(made + i));
    await stores.work.createBatch({ app: 'signal-search', name: `chaos ${made}`, units, now: Date.now() });
    made += units.length;
  }
}
await topUp();

const common = {
  ...process.env,
  TERRAFLOP_DATABASE_URL: pg.url,
  TERRAFLOP_WEB: dir,
  TERRAFLOP_DEMO: 'off',
  TERRAFLOP_LOG_LEVEL: 'error',
  TERRAFLOP_SETTLING_S: '0',
  TERRAFLOP_PASS_INTERVAL_MS: '100',
  // The hosts share this machine's address: the edge's limits are not what is tested here.
  TERRAFLOP_HOST_RATE: '10000',
  TERRAFLOP_NETWORK_RATE: '100000',
  TERRAFLOP_REGISTRATIONS_PER_HOUR: '1000000',
  TERRAFLOP_REGISTRATION_WORK_BITS: '4', // simulated hosts solve an easy proof of work
};
const envs = [
  {
    ...common,
    TERRAFLOP_DATA: join(dir, 'a'),
    TERRAFLOP_CHAIN: 'rpc',
    TERRAFLOP_RPC_URL: anvil.rpcUrl,
    TERRAFLOP_CHAIN_ID: String(chainId),
    TERRAFLOP_LEDGER_ADDRESS: deployment.ledger,
    TERRAFLOP_MARKET_ADDRESS: deployment.market,
    TERRAFLOP_POSTER_KEY_FILE: keyFile,
    TERRAFLOP_EPOCH_INTERVAL_S: '3',
  },
  { ...common, TERRAFLOP_DATA: join(dir, 'b'), TERRAFLOP_CHAIN: 'off' },
];
const ports = [4236, 4237];
const names = ['A', 'B'];

/** The coordinators, restarted after any exit the campaign did not cause (counted: a crash is a finding). */
const running: Array<CoordinatorProcess | undefined> = [undefined, undefined];
let unexpectedExits = 0;
let healing = true;
async function up(i: number): Promise<void> {
  for (;;) {
    try {
      // Slow to start on a loaded machine; a start that fails outright (Postgres down) is tried again.
      const c = await startCoordinatorProcess(envs[i]!, ports[i]!, 90_000);
      running[i] = c;
      c.child.once('exit', (code, signal) => {
        if (running[i] !== c) return;
        running[i] = undefined;
        if (signal === 'SIGKILL') return;
        unexpectedExits++;
        log(`coordinator ${names[i]} exited by itself (${code ?? signal}); restarting`);
        void up(i);
      });
      return;
    } catch (error) {
      // Postgres or the chain may be down right now: a supervisor tries again.
      if (!healing) log(`coordinator ${names[i]} did not start (${String(error).split('\n')[0]}); again`);
      await sleep(500);
    }
  }
}
await Promise.all([up(0), up(1)]);
const proxies = [await startProxy(4235, ports[0]!, random), await startProxy(4238, ports[1]!, random)];
const crowd = await startCrowd(
  proxies.map((p) => `http://127.0.0.1:${p.port}/`),
  Number(values.hosts),
  random,
);
log(`${crowd.hosts.length} hosts working through both coordinators`);
healing = false;

// The faults. Each starts at a random moment and heals on its own schedule, so they overlap.
const recoveries: Promise<void>[] = [];
const tally = new Map<string, number>();
const faults: Record<string, () => Promise<void> | undefined> = {
  'kill a coordinator': () => {
    const i = random() < 0.5 ? 0 : 1;
    const c = running[i];
    if (!c) return undefined;
    running[i] = undefined;
    c.child.kill('SIGKILL');
    return sleep(500 + random() * 2_000).then(() => up(i));
  },
  'crash Postgres': async () => {
    await pg.restart('immediate');
  },
  'kill the chain node': async () => {
    anvil.kill();
    await sleep(500 + random() * 2_000);
    anvil = await startChainNode();
  },
  'impair the network': () => {
    const impairment = { delayMs: 20 + random() * 300, jitterMs: random() * 100, resetChance: random() * 0.05 };
    for (const p of proxies) p.impairment = impairment;
    return sleep(2_000 + random() * 6_000).then(() => {
      for (const p of proxies) p.impairment = { ...CLEAR };
    });
  },
  'skew clocks': () => {
    // Within the five minutes a signature may be off (accepted), or past it (refused, and nothing may change).
    const hit = crowd.skews.flatMap((_, i) => (random() < 0.3 ? [i] : []));
    const size = () => (random() < 0.7 ? random() * 240_000 : 330_000 + random() * 100_000);
    // Whole milliseconds: a signature's timestamp is an integer.
    for (const i of hit) crowd.skews[i] = Math.round((random() < 0.5 ? -1 : 1) * size());
    return sleep(3_000 + random() * 6_000).then(() => {
      for (const i of hit) crowd.skews[i] = 0;
    });
  },
};
const faultNames = Object.keys(faults);
const busy = new Set<string>();
const feeder = setInterval(() => void topUp().catch(() => {}), 2_000);
const campaignEnd = Date.now() + SECONDS * 1000;
while (Date.now() < campaignEnd) {
  await sleep(1_500 + random() * 4_500);
  const name = faultNames[Math.floor(random() * faultNames.length)]!;
  if (busy.has(name)) continue; // one of each kind at a time: two restarts of one node are one fault
  const recovery = faults[name]!();
  if (!recovery) continue;
  busy.add(name);
  tally.set(name, (tally.get(name) ?? 0) + 1);
  log(`fault: ${name}`);
  recoveries.push(
    recovery
      .catch((e: unknown) => log(`${name}: recovery failed: ${String(e).split('\n')[0]}`))
      .finally(() => busy.delete(name)),
  );
}

// Heal, then let everything settle.
healing = true;
await Promise.all(recoveries);
for (const p of proxies) p.impairment = { ...CLEAR };
crowd.skews.fill(0);
for (let i = 0; i < 2; i++) if (!running[i]) await up(i);
await crowd.stop();
clearInterval(feeder);
const unreported = await crowd.flush(30_000);
log(`healed; ${crowd.acknowledged.size} results acknowledged, ${unreported} still unreported`);

const wei = (credits: Array<{ credit: number }>) => credits.reduce((sum, c) => sum + creditToWei(c.credit), 0n);
const publicClient = chainClients({ rpcUrl: anvil.rpcUrl, chainId, privateKey: DEV_KEYS[1]! }).publicClient;
const settledUp = Date.now() + 90_000;
for (;;) {
  const counts = await inspect.counts();
  const latest = await stores.chain.latestEpoch(deployment.ledger);
  const settled = wei(await stores.chain.settledCredit());
  const caughtUp = counts.awaitingValidation === 0 && counts.awaitingCredit === 0;
  if (caughtUp && latest?.postedAt && BigInt(latest.totalCredit) === settled) break;
  if (Date.now() > settledUp) {
    log(`not caught up after 90 s: ${JSON.stringify({ ...counts, latest, settled: String(settled) })}`);
    break;
  }
  await sleep(1_000);
}

// The checks.
const replicas = new Map((await inspect.replicas()).map((r) => [r.token, r]));
const lost = [...crowd.acknowledged].filter((id) => {
  const r = replicas.get(tokenOf(id));
  return r?.serverState !== 'over' || r.outcome !== 'success';
});
const eps = (x: number) => 1e-9 * Math.max(1, Math.abs(x));
const doubled = (await inspect.volunteerCredit()).filter(
  (v) => v.total > v.validGranted + eps(v.validGranted) || v.settled > v.total + eps(v.total),
);
const records = await stores.chain.epochs(deployment.ledger);
const onChain = await readLatestEpoch(publicClient, { ledger: deployment.ledger });
const posted = await publicClient.getLogs({
  address: deployment.ledger,
  event: parseAbiItem(
    'event EpochPosted(uint64 indexed epoch, bytes32 root, bytes32 fileHash, uint256 totalCredit, bytes32 seed)',
  ),
  fromBlock: 0n,
});
const postings = new Map<number, number>();
for (const e of posted) postings.set(Number(e.args.epoch), (postings.get(Number(e.args.epoch)) ?? 0) + 1);
const epochProblems: string[] = [];
if (records.length !== onChain) epochProblems.push(`${records.length} epochs recorded, ${onChain} on chain`);
for (const r of records) {
  const e = await readEpoch(publicClient, { ledger: deployment.ledger, epoch: r.epoch });
  if (e?.root !== r.root) epochProblems.push(`epoch ${r.epoch}: root ${e?.root} on chain, ${r.root} recorded`);
  if (!r.postedAt) epochProblems.push(`epoch ${r.epoch} not marked posted`);
  if (postings.get(r.epoch) !== 1) epochProblems.push(`epoch ${r.epoch} posted ${postings.get(r.epoch) ?? 0} times`);
}
const settled = wei(await stores.chain.settledCredit());
if (BigInt(records.at(-1)?.totalCredit ?? 0) !== settled)
  epochProblems.push(`the last epoch carries ${records.at(-1)?.totalCredit ?? 0} wei, ${settled} settled`);

const faultCount = [...tally.values()].reduce((a, b) => a + b, 0);
console.log(
  JSON.stringify({
    seed: SEED,
    netem: netem.available,
    faults_by_kind: Object.fromEntries(tally),
    acknowledged: crowd.acknowledged.size,
    unreported,
    failed_requests: Object.fromEntries([...crowd.failures].sort((a, b) => b[1] - a[1]).slice(0, 8)),
    proxy_resets: proxies.reduce((n, p) => n + p.resets, 0),
    unexpected_exits: unexpectedExits,
    epochs: records.length,
    epoch_problems: epochProblems,
    lost_ids: lost.slice(0, 10),
    double_credit_volunteers: doubled.slice(0, 5),
  }),
);

for (const c of running) c?.child.kill('SIGKILL');
for (const p of proxies) await p.close();
await stores.close();
await inspect.close();
await anvil.stop();
pg.stop();
cleaned = true;
rmSync(dir, { recursive: true, force: true });
const verdict = {
  faults: faultCount,
  acknowledged_lost: lost.length,
  double_credit: doubled.length,
  epochs_exactly_once: epochProblems.length === 0,
};
console.log(JSON.stringify(verdict));
process.exit(verdict.acknowledged_lost === 0 && verdict.double_credit === 0 && verdict.epochs_exactly_once ? 0 : 1);
