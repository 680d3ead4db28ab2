/**
 * @module worker-kernels/conformance/case
 * One app's part of the conformance spec every variant is held to (tfjs runs each op's one spec across every
 * backend): seeded random units, the measures in which a variant's output may differ from the reference's, and per
 * variant the most each may be, written beside its reason. cases.ts lists every app's; judge() is the check that
 * both conformance.test.ts (Node: reference, WASM, a researcher's sandbox) and e2e/kernels-webgpu.spec.ts
 * (Chromium: WASM and WebGPU on its software adapter) apply.
 */
import type { App } from '../app.ts';
import type { Random } from '../random.ts';

export interface Bound {
  readonly most: number;
  readonly why: string;
}

export interface ConformanceCase<Input, Output> {
  /** A random unit, small enough for a test, drawn from the seeded stream. */
  randomInput(random: Random): Input;
  /** Random units per variant in one run. */
  readonly trials: number;
  /** How far an output lies from the reference's, in each measure the bounds name. */
  deviation(input: Input, actual: Output, expected: Output): Record<string, number>;
  /** Per variant (app.ts's variantName), per measure: the most it may be, and why. */
  readonly bounds: Readonly<Record<string, Readonly<Record<string, Bound>>>>;
  /** The truth where the app has no reference of its own (a researcher's app). */
  reference?(input: Input): Output;
  /** Loads what its reference needs before any unit runs (the training app's digits). */
  prepare?(): Promise<void>;
  /** Variants the case runs itself, where the app's own need a coordinator (a researcher's app's sandbox). */
  readonly runners?: Readonly<Record<string, () => Promise<(input: Input) => Promise<Output>>>>;
}

/**
 * What is wrong with a variant's output for one unit, against the reference's: its sanity check, the app's
 * comparator, and each measure against the case's bound; empty when it conforms.
 */
export function judge<Input, Output>(
  app: App<Input, Output, unknown>,
  kase: ConformanceCase<Input, Output>,
  variant: string,
  input: Input,
  actual: Output,
  expected: Output,
): string[] {
  const failures: string[] = [];
  const insane = app.sanity(input, actual);
  if (insane) failures.push(`insane: ${insane}`);
  if (app.compare(input, actual, expected) !== 'match') failures.push('the comparator says mismatch');
  const bounds = kase.bounds[variant];
  if (!bounds) return [...failures, `no bounds for variant ${variant} in its app's conformance case`];
  for (const [measure, value] of Object.entries(kase.deviation(input, actual, expected))) {
    const bound = bounds[measure];
    if (!bound) failures.push(`no bound for ${measure}`);
    else if (!(value <= bound.most)) failures.push(`${measure} ${value} > ${bound.most} (${bound.why})`);
  }
  return failures;
}
