/**
 * @module worker-kernels/app
 * What an app is, declared once in its folder's index.ts: its wire schemas, its reference, its faster variants, the
 * validator's sanity check and comparator, and its FLOP estimate. The worker (variants.ts), the coordinator's
 * validator and pricing (registry.ts), the conformance spec and the benchmarks reach every app through this shape
 * only, so adding an app is its folder and one line in registry.ts's list (with its wire schemas in protocol/).
 */
import type { z } from 'zod';
import type { AppName, Variant } from '../protocol/apps.ts';
import type { Comparison, KernelContext } from './kernel.ts';

export interface App<Input, Output, Checkpoint = unknown> {
  readonly name: AppName;
  /** Its wire schemas, from protocol/<app>.ts. */
  readonly input: z.ZodType<Input>;
  readonly output: z.ZodType<Output>;
  /** The truth every variant is held to, in TypeScript; absent for an app that runs only as uploaded code. */
  readonly reference?: (input: Input, ctx: KernelContext<Checkpoint>) => Output;
  /** Faster ways to run it, fastest first; the worker tries them in this order (variants.ts). */
  readonly variants: readonly AppVariant<Input, Output, Checkpoint>[];
  /**
   * Why this one output cannot be right for its input (bounds that the input or physics allow: sizes as declared,
   * no NaN, counts and indices in range), or undefined when it may be. The validator runs it on every result
   * before any comparison, so an insane result is invalid on its own. Cheap: it runs on the coordinator.
   */
  sanity(input: Input, output: Output): string | undefined;
  /**
   * Whether two sane outputs of one input are the same answer (BOINC's compare_results): symmetric, and with a
   * tolerance that does not grow with what either side claims.
   */
  compare(input: Input, a: Output, b: Output): Comparison;
  /** The floating-point operations (or equivalents) one run costs at least, however it is computed: its credit. */
  estimateFlops(input: Input): number;
}

/** Where a variant stands on this device: preferred, usable after WebAssembly (an emulated GPU), or not at all. */
export type Availability = 'preferred' | 'fallback' | 'none';

export interface AppVariant<Input, Output, Checkpoint = unknown> {
  readonly kind: Exclude<Variant, 'reference'>;
  /** Tells builds of one kind apart, e.g. 'relaxed SIMD'; absent for the plain one. */
  readonly build?: string;
  /** Whether it can run here, found without loading it (no GPU, no WebGPU API, a shader that overran). */
  available(): Promise<Availability>;
  /**
   * Loads it, once per worker (variants.ts keeps it); rejects with a WasmLoadError or GpuError where it cannot
   * run here, and the worker moves on to the next variant.
   */
  load(): Promise<VariantRunner<Input, Output, Checkpoint>>;
}

/** Runs one unit; undefined when this unit does not fit this variant here (too large for the GPU, no shader). */
export type VariantRunner<Input, Output, Checkpoint = unknown> = (
  input: Input,
  ctx: KernelContext<Checkpoint>,
) => Output | undefined | Promise<Output | undefined>;

/** A variant's name in tests and benchmarks: `wasm`, `wasm (relaxed SIMD)`, `webgpu`. */
export const variantName = (v: Pick<AppVariant<unknown, unknown>, 'kind' | 'build'>) =>
  v.build ? `${v.kind} (${v.build})` : v.kind;
