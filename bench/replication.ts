/**
 * @module bench/replication
 * `npm run bench:replication [-- --cheaters 0.05 --cheat-rate 0.01 --hosts 10000 --settling-units 2000]`
 *
 * Adaptive replication against cheaters, simulated: 10,000 hosts each take one unit per step for twice the settling
 * period. The policy is the coordinator's own code (server/store/trust.ts: trust threshold, spot checks;
 * server/passes/quorum.ts: the quorum check); the scheduler and the revocation are modelled in memory so that
 * millions of replicas simulate in seconds (their SQL implementations are tested in
 * server/store/adaptive-replication.test.ts). Cheaters are patient: honest until trusted, then wrong with
 * probability --cheat-rate; a wrong result never matches another (no collusion).
 *
 * Last line: {"replicas_per_unit":…,"bad_accepted_per_10k":…} where bad_accepted counts wrong results that became
 * final (survived the settling period unrevoked) per 10,000 final units.
 */
import { parseArgs } from 'node:util';
import { checkSet } from '../server/passes/quorum.ts';
import { issueAsSingle, TRUST_THRESHOLD } from '../server/store/trust.ts';
import { mulberry32 } from '../worker-kernels/random.ts';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '10000' },
    cheaters: { type: 'string', default: '0.05' },
    'cheat-rate': { type: 'string', default: '0.01' },
    'settling-units': { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
  },
});
const HOSTS = Number(values.hosts);
const CHEATERS = Number(values.cheaters);
const CHEAT_RATE = Number(values['cheat-rate']);
const SETTLING = Number(values['settling-units']);
const STEPS = 2 * SETTLING;
for (const [name, v] of Object.entries({ HOSTS, CHEATERS, CHEAT_RATE, SETTLING })) {
  if (!Number.isFinite(v) || v < 0) throw new Error(`bad --${name.toLowerCase()}: ${v}`);
}

const random = mulberry32(Number(values.seed));
const MAX_TOTAL = 6;

interface Unit {
  results: Array<{ host: number; value: number }>;
  single: boolean;
  decidedAt: number;
  replicas: number;
}

const cheater = Uint8Array.from({ length: HOSTS }, () => (random() < CHEATERS ? 1 : 0));
const consecutiveValid = new Int32Array(HOSTS);
/** Per cheater: its unsettled single-replica results (the only ones a revocation can reach). */
const unsettled = new Map<number, Array<{ unit: Unit; at: number; wrong: boolean }>>();
const waiting: Unit[] = []; // replicated units still needing a replica
let wrongId = 1;
let replicas = 0;
let finalUnits = 0;
let badFinal = 0;
let decidedUnits = 0;

function compute(host: number): number {
  const trusted = consecutiveValid[host]! >= TRUST_THRESHOLD;
  return cheater[host] && trusted && random() < CHEAT_RATE ? wrongId++ : 0;
}

function decide(unit: Unit, now: number): void {
  const decision = checkSet(unit.results, unit.single ? 1 : 2, (a, b) => (a.value === b.value ? 'match' : 'mismatch'));
  if (decision.kind === 'too-few') {
    waiting.push(unit);
    return;
  }
  if (decision.kind === 'inconclusive') {
    if (unit.replicas < MAX_TOTAL) waiting.push(unit);
    return;
  }
  unit.decidedAt = now;
  decidedUnits++;
  for (const r of decision.valid) if (!unit.single) consecutiveValid[r.host]!++;
  for (const r of decision.invalid) caught(r.host, now);
  if (unit.single) {
    const r = unit.results[0]!;
    if (cheater[r.host]) unsettled.get(r.host)!.push({ unit, at: now, wrong: r.value !== 0 });
    else settleHonest(now);
  } else settleHonest(now);
}

/** An honest canonical result (or a verified one) is final once the settling period ends; count it then. */
const honestFinalAt: number[] = [];
function settleHonest(now: number): void {
  honestFinalAt.push(now);
}

function caught(host: number, now: number): void {
  consecutiveValid[host] = 0;
  const list = unsettled.get(host) ?? [];
  const kept = list.filter((e) => now - e.at >= SETTLING); // settled ones are final; the rest are revoked
  for (const e of list) {
    if (now - e.at < SETTLING) {
      e.unit.single = false;
      e.unit.results = [];
      e.unit.decidedAt = -1;
      decidedUnits--;
      waiting.push(e.unit);
    }
  }
  unsettled.set(host, kept);
}

function takeWork(host: number): Unit {
  for (let i = 0; i < waiting.length && i < 8; i++) {
    const unit = waiting[i]!;
    if (!unit.results.some((r) => r.host === host)) return waiting.splice(i, 1)[0]!;
  }
  const single = issueAsSingle(consecutiveValid[host]!, random);
  return { results: [], single, decidedAt: -1, replicas: 0 };
}

for (let h = 0; h < HOSTS; h++) if (cheater[h]) unsettled.set(h, []);
const started = performance.now();
for (let now = 0; now < STEPS; now++) {
  for (let host = 0; host < HOSTS; host++) {
    const unit = takeWork(host);
    unit.replicas++;
    replicas++;
    unit.results.push({ host, value: compute(host) });
    decide(unit, now);
  }
}

// Final: decided at least a settling period before the end and never revoked.
const end = STEPS;
for (const at of honestFinalAt) if (end - at >= SETTLING) finalUnits++;
for (const list of unsettled.values()) {
  for (const e of list) {
    if (e.unit.decidedAt === e.at && end - e.at >= SETTLING) {
      finalUnits++;
      if (e.wrong) badFinal++;
    }
  }
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `hosts ${HOSTS}, cheaters ${CHEATERS}, cheat rate ${CHEAT_RATE}, settling ${SETTLING} units per host, ${STEPS} steps`,
);
console.log(
  `replicas ${replicas}, units decided ${decidedUnits}, final ${finalUnits}, ` +
    `bad final ${badFinal} (${seconds.toFixed(1)} s)`,
);
console.log(
  JSON.stringify({
    replicas_per_unit: Number((replicas / decidedUnits).toFixed(4)),
    bad_accepted_per_10k: Number(((badFinal / finalUnits) * 10_000).toFixed(4)),
  }),
);
