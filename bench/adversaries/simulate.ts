/**
 * @module bench/adversaries/simulate
 * The run: honest hosts first earn their track record on a warm-up batch (a project attackers join is already
 * running) and are made a day older (established: server/store/trust.ts), then the attackers join holding the
 * share S of all identities, a batch of measured units is submitted, and an honest newcomer registers a few seconds
 * later. The clock ticks a second at a time; each tick every actor
 * due acts (the attackers' team back to back, at a random place among the honest hosts) and the passes run.
 * Once the measured units are decided, the clock jumps past the settling period and the passes run again.
 */
import { type Actor, Agent, HonestHost } from './agent.ts';
import { Collude, Errors, Hoard, Independent, Vanish } from './strategies.ts';
import { Patient, Probe } from './patience.ts';
import { Switch } from './switch.ts';
import type { Ledger, Team, TeamContext } from './team.ts';
import { Wildcard } from './wildcard.ts';
import { ESTABLISHED_CHECK_MS } from '../../server/store/sql/established.ts';
import { ESTABLISHED_AGE_MS } from '../../server/store/trust.ts';
import { benchUnit, Outputs, type World } from './world.ts';

export const STRATEGIES = [
  'none',
  'independent',
  'collude',
  'pairs',
  'hoard',
  'probe',
  'wildcard',
  'patient',
  'errors',
  'switch',
  'vanish',
] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface Settings {
  strategy: Strategy;
  /** The attackers' share of all identities. */
  attackers: number;
  honest: number;
  units: number;
  warmupUnits: number;
  /** Simulated seconds the measured phase may last before the bench gives up on undecided units. */
  limitS: number;
}

export interface Run {
  /** Ids of the measured batch's units: those after the warm-up. */
  firstMeasuredUnit: number;
  ledger: Ledger;
  newcomer: Agent;
  attackerCount: number;
  simulatedS: number;
  /** Simulated seconds until every measured unit had a canonical result or failed (null: not within the run). */
  allCanonicalS: number | null;
}

/** The newcomer registers this many ticks (seconds, simulated) after the attackers start. */
const NEWCOMER_AFTER_TICKS = 5;

/** A network of its own for each identity: 10.x.y.0/24 for honest hosts, 172.16+x.y.0/24 for attackers. */
const network = (prefix: string, i: number) => `${prefix}.${(i >> 8) & 255}.${i & 255}.0/24`;

function team(strategy: Strategy, members: Agent[], ctx: TeamContext, now: number): Team | undefined {
  switch (strategy) {
    case 'none':
      return undefined;
    case 'independent':
      return new Independent(members, ctx, now);
    case 'collude':
      return new Collude(members, ctx, now, members.length);
    case 'pairs':
      return new Collude(members, ctx, now, 2);
    case 'hoard':
      return new Hoard(members, ctx, now);
    case 'probe':
      return new Probe(members, ctx, now);
    case 'wildcard':
      return new Wildcard(members, ctx, now);
    case 'patient':
      return new Patient(members, ctx, now);
    case 'errors':
      return new Errors(members, ctx, now);
    case 'switch':
      return new Switch(members, ctx, now);
    case 'vanish':
      return new Vanish(members, ctx, now);
  }
}

/** Every due actor acts once, the team's members back to back at a random place among the honest. */
async function tick(world: World, honest: Actor[], attackers: Actor | undefined): Promise<void> {
  const due = honest.filter((a) => a.nextAt <= world.now);
  for (let i = due.length - 1; i > 0; i--) {
    const j = world.random.int(0, i + 1);
    [due[i], due[j]] = [due[j]!, due[i]!];
  }
  if (attackers && attackers.nextAt <= world.now) due.splice(world.random.int(0, due.length + 1), 0, attackers);
  for (const actor of due) await actor.act(world);
  await world.advance(world.tickMs);
}

/**
 * Ticks until the units from `firstUnit` on are all decided, or `limitMs` passes; `canonical` is told when every one
 * has a canonical result or failed (a unit stays active while a replica overtaken by its quorum is out).
 */
async function runUntilDecided(
  world: World,
  actors: () => { honest: Actor[]; attackers?: Actor | undefined },
  firstUnit: number,
  limitMs: number,
  canonical: (now: number) => void = () => {},
): Promise<void> {
  const end = world.now + limitMs;
  for (let t = 0; world.now < end; t++) {
    const { honest, attackers } = actors();
    await tick(world, honest, attackers);
    if (t % 30 !== 29) continue;
    const open = (await world.inspect.units()).filter((u) => u.id >= firstUnit && u.state === 'active');
    if (open.every((u) => u.canonicalReplicaId !== null)) canonical(world.now);
    if (open.length === 0) return;
  }
}

async function submit(world: World, name: string, count: number): Promise<void> {
  await world.submit(
    name,
    Array.from({ length: count }, () => benchUnit(world.random)),
  );
}

export async function simulate(world: World, s: Settings): Promise<Run> {
  const outputs = new Outputs();
  const honest: HonestHost[] = [];
  for (let i = 0; i < s.honest; i++) {
    const agent = await Agent.register(world, network('10', i), world.unitMs(world.random));
    honest.push(new HonestHost(agent, outputs, world.now));
  }
  await submit(world, 'warm-up', s.warmupUnits);
  await runUntilDecided(world, () => ({ honest }), 1, s.limitS * 1000);
  // The honest hosts have volunteered for a while: with their track record, they are established (a day old).
  await world.inspect.ageHosts(ESTABLISHED_AGE_MS);
  // ...which the coordinator notices within a few seconds.
  await world.advance(ESTABLISHED_CHECK_MS);

  const firstMeasuredUnit = Math.max(0, ...(await world.inspect.units()).map((u) => u.id)) + 1;
  const attackerCount = s.strategy === 'none' ? 0 : Math.round((s.attackers / (1 - s.attackers)) * s.honest);
  const ledger: Ledger = { lies: new Map(), errors: new Set(), tokenTells: 0 };
  let recruited = 0;
  const ctx: TeamContext = {
    outputs,
    ledger,
    recruit: (w) => Agent.register(w, network('172', 4096 + recruited++), w.unitMs(w.random)),
  };
  const members: Agent[] = [];
  for (let i = 0; i < attackerCount; i++) members.push(await ctx.recruit(world));
  const attackers = members.length > 0 ? team(s.strategy, members, ctx, world.now) : undefined;
  await submit(world, 'measured', s.units);
  const started = world.now;
  let newcomer: HonestHost | undefined;
  await runUntilDecided(
    world,
    () => ({ honest: newcomer ? [...honest, newcomer] : honest, attackers }),
    firstMeasuredUnit,
    NEWCOMER_AFTER_TICKS * world.tickMs,
  );
  newcomer = new HonestHost(
    await Agent.register(world, network('10', s.honest), world.unitMs(world.random)),
    outputs,
    world.now,
  );
  let canonicalAt: number | undefined;
  await runUntilDecided(
    world,
    () => ({ honest: [...honest, newcomer!], attackers }),
    firstMeasuredUnit,
    s.limitS * 1000,
    (now) => {
      canonicalAt ??= now;
    },
  );
  const simulatedS = (world.now - started) / 1000;
  const allCanonicalS = canonicalAt === undefined ? null : (canonicalAt - started) / 1000;
  // The settling period passes with no more work: what was not caught by then is final.
  await world.settle();
  return { firstMeasuredUnit, ledger, newcomer: newcomer.agent, attackerCount, simulatedS, allCanonicalS };
}
