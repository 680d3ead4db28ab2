/**
 * @module e2e/support/partner-host-process
 * The partner host's process (started by partner-host.ts): `node partner-host-process.ts <coordinator url> <ms>`.
 * Registers, writes one line when it has, then asks for work, computes it and reports each result as it is done,
 * resting `ms` after each result and each empty ask, until it is killed. The rests keep it to a share of one core
 * (a standard unit takes it ~0.4 s): unpaced, it took every fresh unit as it came and a whole core from the page it
 * partners on a two-core machine. Errors of the coordinator (restarting, stopping at the end of a spec) are waited
 * out.
 */
import { SimHost } from '../../server/testing/sim-host.ts';

const [base, every] = process.argv.slice(2);
if (!base) throw new Error('usage: partner-host-process.ts <coordinator url> [ms of rest]');
const restMs = Number(every ?? 3_000);
/** More than a new host may hold (quota.ts NEW_HOST_IN_PROGRESS): the coordinator sends what its caps allow. */
const ASK = 8;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A network other than the pages' (loopback), through the test coordinators' trusted loopback proxy, or no unit
// could go to both.
const host = await SimHost.register(base, { address: '192.0.2.77' });
process.stdout.write(`partner host ${host.identity.hostId}\n`);
process.once('SIGTERM', () => process.exit(0));

for (;;) {
  const work = await host.requestWork(ASK).catch(() => []);
  for (const assignment of work) {
    await host.report([host.compute(assignment)]).catch(() => undefined);
    await sleep(restMs);
  }
  if (work.length === 0) await sleep(restMs);
}
