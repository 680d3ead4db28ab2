/**
 * @module worker-kernels/training/about
 * The training app as volunteers and researchers read about it, with one small example unit (an MLP of 16 hidden
 * units from its seeded initialisation, on 64 digits).
 */
import type { AppInput } from '../../protocol/apps.ts';
import { trainingInput } from './input.ts';
import { initialParameters } from './model.ts';

const model = { kind: 'mlp', hidden: 16 } as const;

export const trainingAbout = {
  title: 'AI training',
  description:
    'Training a neural network to read handwritten digits, together. Each work unit is a few dozen training steps ' +
    "on your share of the digits, from the model's latest version: your device sends back how the model should " +
    'change, compressed, and the project combines every volunteer’s changes into the next version.',
  example: {
    app: 'training',
    input: trainingInput({
      model,
      version: 0,
      parameters: initialParameters(model, 1),
      samples: Uint16Array.from({ length: 64 }, (_, i) => i),
      seed: 42,
      steps: 8,
      batch: 8,
      inner: { lr: 0.05, momentum: 0.9 },
      block: 256,
    }),
  } satisfies AppInput,
};
