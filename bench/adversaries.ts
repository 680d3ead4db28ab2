/**
 * @module bench/adversaries
 * `npm run bench:adversaries -- --attackers 0.2 --strategy collude [--backend postgres] [--honest 60 --units 2000]`
 *
 * Attackers against the coordinator's real store, scheduler, comparators and passes (SQLite file, or Postgres),
 * on a simulated clock (bench/adversaries/world.ts): honest simulated hosts, and attackers holding the share S of
 * all identities, each on a network of its own, playing one strategy as a team (bench/adversaries/):
 *   none         no attackers: what replication costs by itself
 *   independent  every identity lies, alone
 *   collude      one crowd sharing one wrong answer for every unit it holds twice; `pairs`: pairs doing so
 *   hoard        every identity asks for 64 replicas every second; one wrong answer for units held twice
 *   probe        trusted identities with sybils asking right after them, to spot which units are checked
 *   wildcard     crafted outputs (equal SNRs, shifted, truncated or padded peaks, another unit's output)
 *   patient      honest until trusted, then wrong on everything until caught
 *   errors       every unit reported as an error
 *   switch       identities that move between the team's volunteers with link codes to get both replicas
 *   vanish       closed tabs: identities that take a new host's few replicas once and never come back
 *
 * Last line: {"strategy","attackers","wrong_accepted_per_10k","replicas_per_unit","honest_first_unit_s",…} where
 * wrong_accepted counts the attackers' wrong results still valid after the settling period, per 10,000 measured
 * units; replicas_per_unit is replicas sent per decided unit; honest_first_unit_s the simulated seconds from an
 * honest newcomer's registration (5 s after the attackers start) to its first unit.
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { measure } from './adversaries/measure.ts';
import { simulate, STRATEGIES, type Strategy } from './adversaries/simulate.ts';
import { openWorld, SIBLING_WAIT_S, type Backend } from './adversaries/world.ts';

const { values } = parseArgs({
  options: {
    strategy: { type: 'string', default: 'collude' },
    attackers: { type: 'string', default: '0.2' },
    backend: { type: 'string', default: 'sqlite' },
    honest: { type: 'string', default: '60' },
    units: { type: 'string', default: '2000' },
    'warmup-units': { type: 'string' },
    'settling-s': { type: 'string', default: String(2 * 86_400) },
    'limit-s': { type: 'string', default: String(4 * 3600) },
    seed: { type: 'string', default: '1' },
    'sibling-wait-s': { type: 'string', default: String(SIBLING_WAIT_S) },
  },
});

const strategy = values.strategy as Strategy;
if (!STRATEGIES.includes(strategy)) throw new Error(`--strategy: one of ${STRATEGIES.join(', ')}, not ${strategy}`);
const backend = values.backend as Backend;
if (backend !== 'sqlite' && backend !== 'postgres') throw new Error(`--backend: sqlite or postgres, not ${backend}`);
const number = (name: string, v: string | undefined, min: number, max: number) => {
  const n = Number(v);
  if (!(n >= min && n <= max)) throw new Error(`--${name}: a number in [${min}, ${max}], not ${v}`);
  return n;
};
const attackers = strategy === 'none' ? 0 : number('attackers', values.attackers, 0, 0.9);
const honest = number('honest', values.honest, 2, 10_000);
// Enough for every honest host to earn trust (ten verified results each, two results a unit) with a margin.
const warmupUnits = number('warmup-units', values['warmup-units'] ?? String(honest * 8), 0, 1e6);
const settings = {
  strategy,
  attackers,
  honest,
  units: number('units', values.units, 1, 1e6),
  warmupUnits,
  settlingS: number('settling-s', values['settling-s'], 0, 365 * 86_400),
  limitS: number('limit-s', values['limit-s'], 60, 30 * 86_400),
};

console.log(`CPU ${cpus()[0]?.model} × ${cpus().length}, load average ${loadavg().map((x) => x.toFixed(2))}`);
const started = performance.now();
const world = await openWorld(
  backend,
  number('seed', values.seed, 0, 2 ** 32),
  settings.settlingS,
  number('sibling-wait-s', values['sibling-wait-s'], 0, 3600),
);
try {
  const run = await simulate(world, settings);
  const f = await measure(world, run);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${backend}: ${settings.honest} honest hosts, ${run.attackerCount} attackers (${strategy}); ` +
      `${f.units} units measured, ${f.decided} decided, ${f.failed} failed, in ${run.simulatedS} simulated s ` +
      `(${seconds.toFixed(1)} s); ${run.ledger.lies.size} wrong results reported, ${f.wrongAccepted} still valid ` +
      `after settling (${JSON.stringify(f.acceptedLies)}), ${f.wrongCanonical} canonical; ` +
      `${f.replicasSent} replicas sent` +
      (strategy === 'probe' ? `; the probe's token tell fired ${run.ledger.tokenTells} times` : ''),
  );
  const per10k = (n: number) => Number(((n / f.units) * 10_000).toFixed(2));
  console.log(
    JSON.stringify({
      strategy,
      attackers,
      wrong_accepted_per_10k: per10k(f.wrongAccepted),
      replicas_per_unit: Number((f.replicasSent / Math.max(1, f.decided)).toFixed(3)),
      honest_first_unit_s: f.newcomerFirstUnitS,
      wrong_canonical_per_10k: per10k(f.wrongCanonical),
      failed_per_10k: per10k(f.failed),
      undecided: f.units - f.decided,
      batch_canonical_s: run.allCanonicalS,
      backend,
    }),
  );
} finally {
  await world.close();
}
