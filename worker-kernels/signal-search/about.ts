/**
 * @module worker-kernels/signal-search/about
 * The signal-search app as volunteers and researchers read about it, with one example unit.
 */
import type { AppInput } from '../../protocol/apps.ts';

export const signalSearchAbout = {
  title: 'Signal search',
  description:
    'The kind of work SETI@home ran. Each work unit is a band of radio samples: your device corrects it for a ' +
    'range of Doppler drift rates, takes Fourier transforms of its blocks and reports the frequencies whose power ' +
    'stands far above the noise.',
  example: {
    app: 'signal-search',
    input: {
      signal: { seed: 7, sampleCount: 16_384, noise: 1, tones: [{ frequency: 0.25, drift: 2e-7, amplitude: 1 }] },
      fftSize: 512,
      driftRates: [-4e-7, -2e-7, 0, 2e-7, 4e-7],
      threshold: 30,
      maxPeaks: 64,
    },
  } satisfies AppInput,
};
