/**
 * @module protocol/apps
 * The apps a coordinator runs, each with its input and output schema. A work unit and a result are discriminated by
 * `app`, so the same parse checks that a result's output has the shape its unit's app produces.
 */
import { z } from 'zod';
import { CollatzInput, CollatzOutput } from './collatz.ts';
import { CustomInput, CustomOutput } from './custom-app.ts';
import { MatmulInput, MatmulOutput } from './matmul.ts';
import { SignalSearchInput, SignalSearchOutput } from './signal-search.ts';
import { TrainingInput, TrainingOutput } from './training.ts';

/** Built-in apps by name; `custom` is any researcher's uploaded module (its own name is in the input). */
export const AppName = z.enum(['signal-search', 'matmul', 'collatz', 'custom', 'training']);
export type AppName = z.infer<typeof AppName>;

/** Which implementation of a kernel produced a result; recorded with it. */
export const Variant = z.enum(['reference', 'wasm', 'webgpu']);
export type Variant = z.infer<typeof Variant>;

export const AppInput = z.discriminatedUnion('app', [
  z.strictObject({ app: z.literal('signal-search'), input: SignalSearchInput }),
  z.strictObject({ app: z.literal('matmul'), input: MatmulInput }),
  z.strictObject({ app: z.literal('collatz'), input: CollatzInput }),
  z.strictObject({ app: z.literal('custom'), input: CustomInput }),
  z.strictObject({ app: z.literal('training'), input: TrainingInput }),
]);
export type AppInput = z.infer<typeof AppInput>;

export const AppOutput = z.discriminatedUnion('app', [
  z.strictObject({ app: z.literal('signal-search'), output: SignalSearchOutput }),
  z.strictObject({ app: z.literal('matmul'), output: MatmulOutput }),
  z.strictObject({ app: z.literal('collatz'), output: CollatzOutput }),
  z.strictObject({ app: z.literal('custom'), output: CustomOutput }),
  z.strictObject({ app: z.literal('training'), output: TrainingOutput }),
]);
export type AppOutput = z.infer<typeof AppOutput>;

/** Each app's input and output by its name, e.g. `AppInputOf['matmul']`. */
export type AppInputOf = { [J in AppInput as J['app']]: J['input'] };
export type AppOutputOf = { [O in AppOutput as O['app']]: O['output'] };
