/**
 * @module bench/adversaries/strategies
 * The attackers' strategies that need no track record: lying alone, lying together, hoarding, reporting errors.
 * (Those that first earn trust are in patience.ts; crafted outputs in wildcard.ts; the volunteer switch in
 * switch.ts.)
 */
import type { Agent } from './agent.ts';
import { Holdings, Team, type TeamContext } from './team.ts';
import type { World } from './world.ts';

/** Each identity lies on every unit, in its own way: no two lies agree. */
export class Independent extends Team {
  protected async actMember(world: World, member: Agent): Promise<void> {
    await this.lie(world, member, member.takeDone(world.now), () => member.host.id);
    if (member.held.length === 0) await member.ask(world, 1);
  }
}

/**
 * Groups (pairs, or one crowd) share answers: a unit that two of a group hold gets the group's one wrong answer
 * from both, any other an honest one, so that no member is ever caught alone.
 */
export class Collude extends Team {
  private readonly groups = new Map<Agent, { index: number; holdings: Holdings }>();

  constructor(members: Agent[], ctx: TeamContext, now: number, groupSize: number) {
    super(members, ctx, now);
    members.forEach((m, i) => {
      const index = Math.floor(i / groupSize);
      const peer = members[index * groupSize];
      this.groups.set(m, peer && peer !== m ? this.groups.get(peer)! : { index, holdings: new Holdings() });
    });
  }

  protected async actMember(world: World, member: Agent): Promise<void> {
    const group = this.groups.get(member)!;
    const done = member.takeDone(world.now);
    await this.lie(
      world,
      member,
      done.filter((h) => group.holdings.of(h.key) >= 2),
      () => group.index,
    );
    await this.honest(
      world,
      member,
      done.filter((h) => group.holdings.of(h.key) < 2),
    );
    if (member.held.length === 0) group.holdings.add(await member.ask(world, this.askFor()));
  }

  protected askFor(): number {
    return 1;
  }
}

/**
 * Hoarders: every identity asks for as much as it may every second and keeps it, and the crowd reports one wrong
 * answer for each unit it holds twice; the rest it sits on until the deadline.
 */
export class Hoard extends Team {
  private readonly holdings = new Holdings();

  protected async actMember(world: World, member: Agent): Promise<void> {
    const done = member.takeDone(world.now);
    await this.lie(
      world,
      member,
      done.filter((h) => this.holdings.of(h.key) >= 2),
      () => 0,
    );
    this.holdings.add(await member.ask(world, 64));
  }
}

/** Every unit reported as an error at once: trying to fail units by their error limit. */
export class Errors extends Team {
  protected async actMember(world: World, member: Agent): Promise<void> {
    const done = member.takeDone(world.now);
    for (const h of done) this.ctx.ledger.errors.add(h.replica.token);
    await member.report(
      world,
      done.map((h) => ({
        status: 'error' as const,
        token: h.replica.token,
        elapsedMs: 10,
        error: { name: 'KernelError', message: 'out of memory' },
      })),
    );
    // As many as it may take, each failed at once: as many errors on as many units as its identities can give.
    if (member.held.length === 0) await member.ask(world, 16);
  }
}

/**
 * Closed tabs: each identity takes what a new host may hold once, as a page does when it starts, and is never seen
 * again (not an attack: what a batch's tail meets; `batch_canonical_s` says how long the batch then takes).
 */
export class Vanish extends Team {
  private readonly gone = new Set<Agent>();

  protected async actMember(world: World, member: Agent): Promise<void> {
    if (this.gone.has(member)) return;
    await member.ask(world, 4);
    this.gone.add(member);
  }
}
