/**
 * @module bench/adversaries/switch
 * The volunteer switch: half the team are anchors, each its own volunteer, who never move; the other half are
 * movers, who take a unit, join another anchor's volunteer with a link code (as the volunteer page's "link a
 * device" does), and ask again, hoping for the unit's other replica, which the scheduler kept from the volunteer
 * they were at first. A unit the team holds twice gets one wrong answer from both; the rest honest ones.
 */
import type { Agent } from './agent.ts';
import { Holdings, Team, type TeamContext } from './team.ts';
import type { World } from './world.ts';

export class Switch extends Team {
  private readonly holdings = new Holdings();
  private readonly anchors: Agent[];
  private readonly movers: Map<Agent, number>;

  constructor(members: Agent[], ctx: TeamContext, now: number) {
    super(members, ctx, now);
    const half = Math.max(1, Math.floor(members.length / 2));
    this.anchors = members.slice(0, half);
    this.movers = new Map(members.slice(half).map((m, i) => [m, i]));
  }

  protected async actMember(world: World, member: Agent): Promise<void> {
    const done = member.takeDone(world.now);
    const twice = done.filter((h) => this.holdings.of(h.key) >= 2);
    await this.lie(world, member, twice, () => 0);
    await this.honest(
      world,
      member,
      done.filter((h) => !twice.includes(h)),
    );
    if (member.held.length > 0) return;
    this.holdings.add(await member.ask(world, 1));
    if (!this.movers.has(member)) return;
    await this.moveOn(world, member);
    this.holdings.add(await member.ask(world, 1));
  }

  /** Joins the next anchor's volunteer with a fresh link code of theirs. */
  private async moveOn(world: World, member: Agent): Promise<void> {
    const turn = this.movers.get(member)!;
    this.movers.set(member, turn + 1);
    const anchor = this.anchors[turn % this.anchors.length]!;
    if (anchor.host.volunteerId === member.host.volunteerId) return;
    const volunteerId = await world.join(member.host, await world.linkCode(anchor.host));
    if (volunteerId !== undefined) member.host = { ...member.host, volunteerId };
  }
}
