/**
 * @module bench/adversaries/http-world
 * The adversary bench's world over real HTTP: a coordinator started as a process of its own (`node server/main.ts`,
 * the demo and the chain off), every identity a SimHost that signs its requests and says where it computes from
 * through the loopback proxy the coordinator trusts, on the real clock. Units are submitted and the tables read
 * through connections of their own to the coordinator's SQLite file, as an operator's tools would.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Volunteer, LinkCode } from '../../protocol/volunteer.ts';
import { openStore } from '../../server/store/open-store.ts';
import { StoreInspector } from '../../server/store/sql/inspect.ts';
import type { Host, IssuedReplica } from '../../server/store/types.ts';
import { readyUrl } from '../../server/testing/ready-url.ts';
import { SimHost } from '../../server/testing/sim-host.ts';
import { deriveSeed, Random } from '../../worker-kernels/random.ts';
import type { SentReplica, World } from './world.ts';
import { tokenOf, type ResultEntry } from '../../protocol/work.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The coordinator's settler runs at most every 5 s and its revoker every second (server/pass-list.ts). */
const SETTLER_EVERY_MS = 5_000;

export async function openHttpWorld(port: number, seed: number, settlingS: number): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'terraflop-adversaries-http-'));
  const location = { kind: 'sqlite' as const, dataDir: dir };
  // Migrated before the coordinator opens it, so that the seeding connection and the coordinator agree.
  const seeding = await openStore(location);
  const child = spawn(process.execPath, ['server/main.ts'], {
    env: {
      ...process.env,
      TERRAFLOP_DATA: dir,
      TERRAFLOP_WEB: dir,
      TERRAFLOP_PORT: String(port),
      TERRAFLOP_DEMO: 'off',
      TERRAFLOP_CHAIN: 'off',
      TERRAFLOP_PASS_INTERVAL_MS: '20',
      TERRAFLOP_SETTLING_S: String(settlingS),
      TERRAFLOP_TRUSTED_PROXIES: '127.0.0.1, ::1',
      TERRAFLOP_REGISTRATION_WORK_BITS: '4', // identities are priced by the per-network limit here
      // Siblings wait as in production, scaled to this world's units of a few hundred milliseconds.
      TERRAFLOP_SIBLING_WAIT_S: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await readyUrl(child).catch(async (e: unknown) => {
    await seeding.close();
    throw e;
  });
  const inspect = StoreInspector.open(location);
  const hosts = new Map<number, SimHost>();
  const sim = (host: Host) => hosts.get(host.id)!;

  return {
    inspect,
    get now() {
      return Date.now();
    },
    random: new Random(deriveSeed(seed, 'world')),
    tickMs: 50,
    unitMs: (random) => Math.round(random.uniform(100, 300)),
    async register(network) {
      const host = await SimHost.register(url, { address: network.replace(/\.0\/24$/, '.7') });
      hosts.set(host.identity.hostId, host);
      return { id: host.identity.hostId, volunteerId: host.identity.volunteerId };
    },
    async issue(host, { maxReplicas }) {
      // An identity that asks faster than the per-host rate allows is answered 429: it gets nothing this time.
      const work = await sim(host)
        .requestWork(maxReplicas)
        .catch((e: unknown) => {
          if (e instanceof Error && e.message.startsWith('work: 429 ')) return [];
          throw e;
        });
      return work.map(
        (a): SentReplica => ({
          token: a.replicaId,
          deadline: a.deadline,
          flopsEstimate: a.flopsEstimate,
          job: { app: a.app, input: a.input } as IssuedReplica['job'],
        }),
      );
    },
    async record(host, results) {
      // The report names each replica by the token the host was sent, as the page does.
      const reply = await sim(host).report(
        results.map(({ token, ...r }) => ({ ...r, replicaId: token }) as ResultEntry),
      );
      return [
        ...reply.accepted.map((ref) => ({ token: tokenOf(ref), ok: true as const })),
        ...reply.rejected.map(({ replicaId, error }) => ({ token: tokenOf(replicaId), ok: false as const, error })),
      ];
    },
    results: async (host) => (await sim(host).status()).results,
    async linkCode(host) {
      return LinkCode.parse(await (await sim(host).call('POST', 'api/volunteer/link-code')).json()).code;
    },
    async join(host, code) {
      const reply = await sim(host).call('POST', 'api/volunteer/join', { code });
      return reply.ok ? Volunteer.parse(await reply.json()).volunteerId : undefined;
    },
    async submit(name, units) {
      await seeding.work.createBatch({ app: 'signal-search', name, units, now: Date.now() });
    },
    advance: sleep,
    settle: () => sleep(settlingS * 1000 + SETTLER_EVERY_MS + 1_000),
    async close() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await inspect.close();
      await seeding.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
