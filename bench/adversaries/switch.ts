/**
 * @module bench/adversaries/switch
 * The volunteer switch: an identity takes a unit, moves to another of the team's volunteers with a link code (as
 * the volunteer page's "link a device" does), and asks again, hoping for the unit's other replica, which the
 * scheduler kept from its first volunteer only. A unit the team holds twice gets one wrong answer from both.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Agent } from './agent.ts';
import { Holdings, Team, type TeamContext } from './team.ts';
import type { World } from './world.ts';

/** How long a link code lives (server/http/volunteer.ts gives ten minutes). */
const CODE_MS = 10 * 60_000;

export class Switch extends Team {
  private readonly holdings = new Holdings();
  private readonly volunteers: number[];

  constructor(members: Agent[], ctx: TeamContext, now: number) {
    super(members, ctx, now);
    this.volunteers = members.map((m) => m.host.volunteerId);
  }

  protected async actMember(world: World, member: Agent): Promise<void> {
    const done = member.takeDone(world.now);
    await this.lie(
      world,
      member,
      done.filter((h) => this.holdings.of(h.key) >= 2),
      () => 0,
    );
    await this.honest(
      world,
      member,
      done.filter((h) => this.holdings.of(h.key) < 2),
    );
    if (member.held.length > 0) return;
    this.holdings.add(await member.ask(world, 1));
    await this.moveOn(world, member);
    this.holdings.add(await member.ask(world, 1));
  }

  /** Joins the team's next volunteer with a fresh link code of theirs. */
  private async moveOn(world: World, member: Agent): Promise<void> {
    const at = this.volunteers.indexOf(member.host.volunteerId);
    const target = this.volunteers[(at + 1) % this.volunteers.length]!;
    if (target === member.host.volunteerId) return;
    const codeHash = createHash('sha256').update(randomBytes(16)).digest('hex');
    await world.store.createLinkCode(target, codeHash, world.now + CODE_MS);
    const volunteerId = await world.store.redeemLinkCode(member.host.id, codeHash, world.now);
    if (volunteerId !== undefined) member.host = { ...member.host, volunteerId };
  }
}
