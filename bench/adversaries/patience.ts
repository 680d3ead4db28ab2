/**
 * @module bench/adversaries/patience
 * Attackers who first earn trust. Patient: honest until trusted, then wrong on every unit, and honest again once
 * caught, to earn it back. Probe: trusted identities each with sybils that ask right after them, to learn whether a
 * unit went out alone (no copy reached the team) or is checked (a copy did): they lie on the first, and on a checked
 * unit whose copy the team holds they lie together. A copy is known by its input, and, as sequential ids once told
 * (issue 17), by its token's nearness to the prober's: all a host is sent.
 */
import { TRUST_THRESHOLD } from '../../server/store/trust.ts';
import type { Agent, Held } from './agent.ts';
import { Holdings, Team, type TeamContext } from './team.ts';
import type { World } from './world.ts';

/** Whether an identity believes itself trusted: valid results since it was last caught, read from its own status. */
class TrustWatch {
  private readonly since = new Map<Agent, { valid: number; invalid: number }>();

  async trusted(world: World, member: Agent): Promise<boolean> {
    const { valid, invalid } = await world.results(member.host);
    const base = this.since.get(member);
    if (!base || invalid > base.invalid) {
      // Caught (or new): trust starts over from here.
      this.since.set(member, { valid, invalid });
      return false;
    }
    // A margin over the threshold: results validated while others were still out may not count.
    return valid - base.valid >= TRUST_THRESHOLD + 2;
  }
}

export class Patient extends Team {
  private readonly watch = new TrustWatch();

  protected async actMember(world: World, member: Agent): Promise<void> {
    const done = member.takeDone(world.now);
    if (done.length > 0) {
      if (await this.watch.trusted(world, member)) await this.lie(world, member, done, () => member.host.id);
      else await this.honest(world, member, done);
    }
    if (member.held.length === 0) await member.ask(world, 1);
  }
}

/**
 * The tell sequential ids gave: a unit's replicas had adjacent ids, so a sybil's replica a step or two from the
 * prober's was a copy of the same unit, and a gap said the prober's went out alone (`replicaId − 2·workUnitId`). The
 * probe still reads tokens so, each as a 128-bit number: two within 2^16 of each other would be that tell. Random
 * tokens are that near with a chance of 2^-111, so it never fires (server/opaque-ids.test.ts checks the tokens).
 */
export function tokensAdjacent(a: string, b: string): boolean {
  const value = (token: string) => BigInt(`0x${Buffer.from(token, 'base64url').toString('hex') || '0'}`);
  const d = value(a) - value(b);
  return (d < 0n ? -d : d) < 1n << 16n;
}

export class Probe extends Team {
  private readonly watch = new TrustWatch();
  private readonly holdings = new Holdings();
  /** Replicas a prober got while no copy of their unit reached the team: presumed single. */
  private readonly alone = new Set<string>();
  private readonly probers: Set<Agent>;
  private readonly sybils: Agent[];
  private nextSybil = 0;

  constructor(members: Agent[], ctx: TeamContext, now: number) {
    super(members, ctx, now);
    const half = Math.max(1, Math.ceil(members.length / 2));
    this.probers = new Set(members.slice(0, half));
    this.sybils = members.slice(half);
  }

  protected async actMember(world: World, member: Agent): Promise<void> {
    const done = member.takeDone(world.now);
    const trusted = this.probers.has(member) && done.length > 0 && (await this.watch.trusted(world, member));
    const wrong = (h: Held) => this.holdings.of(h.key) >= 2 || (trusted && this.alone.has(h.replica.token));
    await this.lie(world, member, done.filter(wrong), () => 0);
    await this.honest(
      world,
      member,
      done.filter((h) => !wrong(h)),
    );
    if (!this.probers.has(member) || member.held.length > 0) return;
    const got = await member.ask(world, 1);
    this.holdings.add(got);
    if (got.length === 0 || this.sybils.length === 0) return;
    // The probe: a sybil asks right after, and the team sees whether it got a copy.
    const sybil = this.sybils[this.nextSybil++ % this.sybils.length]!;
    const copies = await sybil.ask(world, 1);
    this.holdings.add(copies);
    for (const h of got) {
      const told = copies.some((c) => tokensAdjacent(c.replica.token, h.replica.token));
      if (told) this.ctx.ledger.tokenTells++;
      if (this.holdings.of(h.key) === 1 && !told) this.alone.add(h.replica.token);
    }
  }
}
