import { describe, test } from 'vitest';
import { openHttpWorld } from '../bench/adversaries/http-world.ts';
import { measure } from '../bench/adversaries/measure.ts';
import { simulate, type Strategy } from '../bench/adversaries/simulate.ts';
import { testRandom } from '../worker-kernels/testing/vitest-random.ts';

/** Each strategy's coordinator listens on a port the system picks: they run side by side. */
const ANY_PORT = 0;
const SETTLING_S = 2;

/**
 * The adversary bench's teams (bench/adversaries/) against a coordinator process over real HTTP, small: eight honest
 * hosts earn their track record on a warm-up batch (and are made a day older: established), then attackers holding
 * a fifth of the identities play one strategy while 60 units are computed; after the settling period none of their
 * wrong results is still valid.
 *
 * The strategies run side by side, each against a coordinator of its own: a run is mostly the real clock's ticks,
 * sibling waits and settling (about 5 s of CPU in 25 s), so one after another they took five minutes of the suite.
 */
describe.concurrent('attackers over HTTP', () => {
  // Every strategy of the bench: collusion on sibling replicas (collude, pairs, probe, switch) and hoarding meet the
  // sibling wait, the established host each quorum needs and the shared caps (docs/coordinator.md, "Threat model").
  // Hoard first: it runs to its time limit, so it starts before the others queue for vitest's concurrent slots.
  const strategies: Strategy[] = [
    'hoard',
    'independent',
    'wildcard',
    'patient',
    'errors',
    'collude',
    'pairs',
    'probe',
    'switch',
  ];
  test.for(strategies)(
    'behavior: %s gets no wrong result accepted',
    { timeout: 300_000 },
    async (strategy, { expect }) => {
      const world = await openHttpWorld(ANY_PORT, testRandom(expect).u32(), SETTLING_S);
      try {
        const run = await simulate(world, {
          strategy,
          attackers: 0.2,
          honest: 8,
          units: 60,
          warmupUnits: 64,
          // Hoarders' units stay undecided until their deadlines, past any run: the run stops sooner rather than wait.
          limitS: strategy === 'hoard' ? 90 : 240,
        });
        const figures = await measure(world, run);
        expect(run.attackerCount).toBe(2);
        // These lie on every unit they get; a patient attacker only once trusted, which a short run may not reach.
        if (strategy === 'independent' || strategy === 'wildcard') expect(run.ledger.lies.size).toBeGreaterThan(0);
        if (strategy === 'errors') expect(run.ledger.errors.size).toBeGreaterThan(0);
        expect(figures.acceptedLies).toEqual({});
        expect(figures.wrongAccepted).toBe(0);
        expect(figures.failed, 'no unit failed by the attackers').toBe(0);
        // Hoarders sit on what they take until its deadline (ten minutes at least), longer than this run: those units
        // are decided later, by others; every other strategy's units are all decided within it.
        if (strategy === 'hoard') expect(figures.decided).toBeGreaterThan(figures.units / 2);
        else expect(figures.decided).toBe(figures.units);
        // However the attackers take work, an honest newcomer gets units (how soon: the bench's figure, not a test's).
        expect(figures.newcomerFirstUnitS).not.toBeNull();
      } finally {
        await world.close();
      }
    },
  );
});
