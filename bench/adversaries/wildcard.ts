/**
 * @module bench/adversaries/wildcard
 * Crafted outputs, each identity its own way: lists of equal SNRs (issue 17's attack, within the sanity bounds and
 * past them), peaks shifted by a bin, lists truncated or padded, the output of another unit, amplitude sums nudged
 * just past the tolerance. Each starts from the reference output, as an attacker who computed the cheap part would,
 * and aims at a comparator that is not symmetric or whose tolerance grows with what one side claims.
 */
import type { Peak, SignalSearchInput, SignalSearchOutput } from '../../protocol/signal-search.ts';
import type { AppInput } from '../../protocol/apps.ts';
import type { Random } from '../../worker-kernels/random.ts';
import type { Agent } from './agent.ts';
import { Team } from './team.ts';
import type { World } from './world.ts';

const byPlace = (a: Peak, b: Peak) => a.drift - b.drift || a.block - b.block || a.bin - b.bin;

/** Peaks of equal SNR at random places, one a block so that no block's SNRs add up past fftSize. */
function equalSnrs(input: SignalSearchInput, random: Random, snr: number): Peak[] {
  const blocks = input.signal.sampleCount / input.fftSize;
  const places = new Map<string, Peak>();
  for (let i = 0; i < input.maxPeaks; i++) {
    const drift = random.int(0, input.driftRates.length);
    const block = random.int(0, blocks);
    places.set(`${drift}:${block}`, { drift, block, bin: random.int(0, input.fftSize), snr });
  }
  return [...places.values()].sort(byPlace);
}

/** `salt` is the identity's own number in the team: crafts of one kind differ between identities. */
type Craft = (input: SignalSearchInput, honest: SignalSearchOutput, random: Random, salt: number) => SignalSearchOutput;

const CRAFTS: Record<string, Craft> = {
  'equal huge SNRs': (input, h, r) => ({ ...h, peaks: equalSnrs(input, r, 4 * input.fftSize) }),
  'equal SNRs within bounds': (input, h, r) => ({
    ...h,
    peaks: equalSnrs(input, r, input.fftSize * r.uniform(0.3, 1)),
  }),
  'peaks one bin over': (input, h, _r, salt) => {
    const by = 1 + (salt % (input.fftSize - 1));
    const peaks = h.peaks.map((p) => ({ ...p, bin: (p.bin + by + input.fftSize) % input.fftSize }));
    return { ...h, peaks: peaks.sort(byPlace) };
  },
  truncated: (_input, h, _r, salt) => ({ ...h, peaks: h.peaks.filter((_, i) => i !== salt % h.peaks.length) }),
  padded: (input, h, r) => {
    const extra = { drift: 0, block: r.int(0, input.signal.sampleCount / input.fftSize), bin: r.int(0, input.fftSize) };
    const taken = h.peaks.some((p) => byPlace(p, { ...extra, snr: 0 }) === 0);
    const peaks = taken ? h.peaks : [...h.peaks, { ...extra, snr: input.threshold * r.uniform(1.5, 3) }];
    return { ...h, peaks: peaks.sort(byPlace) };
  },
  'sums nudged': (_input, h, _r, salt) => ({
    ...h,
    amplitudeSums: h.amplitudeSums.map((x) => x * (1 + (2 + 3 * salt) * 1e-5)),
  }),
};

export const CRAFT_NAMES = Object.keys(CRAFTS);

export class Wildcard extends Team {
  /**
   * The last unit's reference output each identity saw: sent as its answer to the next ("another unit"). Its own,
   * so that two identities never send one output (that would be collusion, which other strategies measure).
   */
  private readonly previous = new Map<Agent, SignalSearchOutput>();
  private lastKind = '';

  protected async actMember(world: World, member: Agent): Promise<void> {
    const entries = member.takeDone(world.now).map((h) => {
      const output = this.craft(world.random, member, h.replica.job);
      // A craft that left the reference output as it was (no peaks to shift) is no lie.
      if (JSON.stringify(output) !== JSON.stringify(this.ctx.outputs.honest(h.replica.job))) {
        this.ctx.ledger.lies.set(h.replica.token, this.lastKind);
      }
      return member.success(h, output);
    });
    await member.report(world, entries);
    if (member.held.length === 0) await member.ask(world, 1);
  }

  private craft(random: Random, member: Agent, job: AppInput): SignalSearchOutput {
    if (job.app !== 'signal-search') throw new Error('the bench issues signal-search units only');
    const honest = this.ctx.outputs.honest(job);
    const kinds = [...CRAFT_NAMES, 'another unit'];
    const kind = kinds[(member.host.id + member.received) % kinds.length]!;
    this.lastKind = kind;
    const previous = this.previous.get(member);
    this.previous.set(member, honest);
    const salt = this.members.indexOf(member);
    if (kind === 'another unit') return previous ?? CRAFTS['truncated']!(job.input, honest, random, salt);
    return CRAFTS[kind]!(job.input, honest, random, salt);
  }
}
