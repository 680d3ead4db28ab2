import { describe, expect, test } from 'vitest';
import { createLogger, logDecisions } from './log.ts';
import { allOf, type Decision } from './passes/events.ts';
import { validatorFor } from './passes/passes.ts';
import type { UnitQueue } from './store/store.ts';
import type { IssuedReplica, ResultToRecord } from './store/types.ts';
import { backends } from './testing/backends.ts';
import { honest, wrong } from './testing/results.ts';
import { storePerTest } from './testing/store-fixture.ts';
import { tinyUnits } from './testing/tiny-units.ts';

/** A logger writing into an array of parsed lines. */
function memoryLog() {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger('info', { write: (s: string) => lines.push(JSON.parse(s)) });
  return { log, lines };
}

let tokens = 0;

describe.each(backends)('the deciding passes tell their listeners on $name', (backend) => {
  const fixture = storePerTest(backend, () => 0.99);
  const now = 1_000_000;

  async function reportedBy(behaviours: Array<(r: IssuedReplica) => ResultToRecord>) {
    const { store } = fixture;
    await store.createBatch({ app: 'signal-search', name: 'one', units: tinyUnits(1), now });
    const hosts = [];
    for (const behave of behaviours) {
      const host = await store.createHost({ tokenHash: `log-${++tokens}`, now });
      const [replica] = await store.issueReplicas(host, 1, now);
      await store.recordResults(host, [behave(replica!)], now);
      hosts.push({ host, replica: replica! });
    }
    return hosts;
  }

  test('default: a quorum is logged as one line: the unit closing and each replica made valid, with ids', async () => {
    const [a, b] = await reportedBy([honest, honest]);
    const { log, lines } = memoryLog();
    expect(await validatorFor(logDecisions(log))(fixture.store, now)).toBe(true);
    const unitId = a!.replica.workUnitId;
    const [first, second] = [a!, b!].sort((x, y) => x.replica.replicaId - y.replica.replicaId);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg:
        `unit ${unitId} active=>done; replica ${first!.replica.replicaId} init=>valid, ` +
        `replica ${second!.replica.replicaId} init=>valid`,
      unit: unitId,
      from: 'active',
      to: 'done',
      level: 30,
      replicas: [first!, second!].map(({ host, replica }) => ({
        replica: replica.replicaId,
        host: host.id,
        moves: 'init=>valid',
        outcome: 'success',
      })),
    });
  });

  test('behavior: a disagreement logs the inconclusive verdicts and the new replica', async () => {
    const [a] = await reportedBy([honest, wrong]);
    const { log, lines } = memoryLog();
    await validatorFor(logDecisions(log))(fixture.store, now);
    const msgs = lines.map((l) => String(l['msg']));
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatch(new RegExp(`^unit ${a!.replica.workUnitId} \\+1 replicas; `));
    expect(msgs[0]).toContain(`replica ${a!.replica.replicaId} init=>inconclusive`);
    expect(msgs[0]).not.toContain('=>done');
  });

  test('behavior: listeners hear only committed decisions, once each; an idle pass tells nothing', async () => {
    await reportedBy([honest, honest]);
    const heard: Array<[UnitQueue, readonly Decision[]]> = [];
    const pass = validatorFor(allOf({ decided: (q, d) => heard.push([q, d]) }));
    expect(await pass(fixture.store, now)).toBe(true);
    expect(await pass(fixture.store, now)).toBe(false);
    expect(heard).toHaveLength(1);
    expect(heard[0]![0]).toBe('validate');
    expect(heard[0]![1]).toHaveLength(1);
  });
});

test('behavior: the log is silent under the test runner unless a level is asked for', async () => {
  const { loadConfig } = await import('./config.ts');
  expect(loadConfig({}).TERRAFLOP_LOG_LEVEL).toBe('silent');
  expect(loadConfig({ TERRAFLOP_LOG_LEVEL: 'debug' }).TERRAFLOP_LOG_LEVEL).toBe('debug');
  expect(() => loadConfig({ TERRAFLOP_LOG_LEVEL: 'loud' })).toThrow(/TERRAFLOP_LOG_LEVEL/);
});
