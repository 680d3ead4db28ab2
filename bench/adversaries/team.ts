/**
 * @module bench/adversaries/team
 * Attackers act as one team: their identities ask back to back (so that, where the scheduler hands sibling replicas
 * to consecutive askers, they get them), and they pool what they see. They know a unit by its job alone
 * (bench/adversaries/world.ts `fingerprint`), so opaque ids hide nothing a copy of the job shows.
 */
import type { Actor, Agent, Held } from './agent.ts';
import type { Outputs, World } from './world.ts';

/** What the bench learns from the attackers: which results they reported wrong. */
export interface Ledger {
  /** Results reported wrong (outputs that differ from the reference's), by replica token, with what the lie was. */
  lies: Map<string, string>;
  /** Replica tokens reported as errors. */
  errors: Set<string>;
  /** Times the probe's reading of tokens (patience.ts tokensAdjacent) said two replicas were copies of one unit. */
  tokenTells: number;
}

export interface TeamContext {
  outputs: Outputs;
  ledger: Ledger;
  /** Makes one more identity of the team's, on a network of its own. */
  recruit(world: World): Promise<Agent>;
}

/** How many replicas of each unit (by job) a group of identities holds or has held. */
export class Holdings {
  private readonly count = new Map<string, number>();
  add(held: readonly Held[]): void {
    for (const h of held) this.count.set(h.key, (this.count.get(h.key) ?? 0) + 1);
  }
  of(key: string): number {
    return this.count.get(key) ?? 0;
  }
}

export abstract class Team implements Actor {
  nextAt: number;
  readonly members: Agent[];
  protected readonly ctx: TeamContext;

  constructor(members: Agent[], ctx: TeamContext, now: number) {
    this.members = members;
    this.ctx = ctx;
    this.nextAt = now;
  }

  /** Every tick: each member in turn, back to back. */
  async act(world: World): Promise<void> {
    for (const member of [...this.members]) await this.actMember(world, member);
    this.nextAt = world.now + 1_000;
  }

  protected abstract actMember(world: World, member: Agent): Promise<void>;

  /** Reports `held` as the team's wrong answer under `key` (the same key, the same answer). */
  protected async lie(world: World, member: Agent, held: Held[], key: (h: Held) => number): Promise<void> {
    for (const h of held) this.ctx.ledger.lies.set(h.replica.token, this.constructor.name);
    await member.report(
      world,
      held.map((h) => member.success(h, this.ctx.outputs.lie(h.replica.job, key(h)))),
    );
  }

  protected async honest(world: World, member: Agent, held: Held[]): Promise<void> {
    await member.report(
      world,
      held.map((h) => member.success(h, this.ctx.outputs.honest(h.replica.job))),
    );
  }
}
