/**
 * @module worker-kernels/signal-search/signal
 * The synthetic signal a unit refers to: complex Gaussian noise from a seeded generator plus chirped tones. Every
 * host regenerates it from the unit's parameters, so a unit travels as a few hundred bytes, not megabytes.
 */
import type { SignalSearchInput } from '../../protocol/signal-search.ts';
import { mulberry32 } from '../random.ts';

/**
 * Phase in cycles, reduced to [0, 1), of a chirp of rate `drift` at sample t: drift·t²/2. Reducing before the
 * multiplication by 2π keeps the angle small, so its sine loses no precision at large t.
 */
export function chirpCycles(drift: number, t: number): number {
  const cycles = (drift * t * t) / 2;
  return cycles - Math.floor(cycles);
}

export interface ComplexSignal {
  readonly re: Float64Array;
  readonly im: Float64Array;
}

export function generateSignal({ seed, sampleCount, noise, tones }: SignalSearchInput['signal']): ComplexSignal {
  const re = new Float64Array(sampleCount);
  const im = new Float64Array(sampleCount);
  const random = mulberry32(seed);
  // Box–Muller: two uniforms give one complex Gaussian sample; 1 − u keeps log's argument in (0, 1].
  for (let t = 0; t < sampleCount; t++) {
    const radius = noise * Math.sqrt(-2 * Math.log(1 - random()));
    const angle = 2 * Math.PI * random();
    re[t] = radius * Math.cos(angle);
    im[t] = radius * Math.sin(angle);
  }
  for (const tone of tones) {
    for (let t = 0; t < sampleCount; t++) {
      const linear = tone.frequency * t;
      const cycles = linear - Math.floor(linear) + chirpCycles(tone.drift, t);
      re[t]! += tone.amplitude * Math.cos(2 * Math.PI * cycles);
      im[t]! += tone.amplitude * Math.sin(2 * Math.PI * cycles);
    }
  }
  return { re, im };
}
