/**
 * @module worker-kernels/custom/run-unit
 * Runs one unit of a researcher's app on a host: fetch the version's manifest and module from the coordinator
 * (cached per worker), check the bytes are the ones the unit names (SHA-256) and that the module keeps to its
 * manifest, then run it, or its WGSL shader, in its sandbox with the unit's input, the module under the worker's CPU
 * limit.
 */
import {
  appModuleUrl,
  appVersionUrl,
  CustomAppVersion,
  type CustomInput,
  type CustomOutput,
} from '../../protocol/custom-app.ts';
import { GpuError } from '../errors.ts';
import { gpuHeldUp } from '../gpu-watch.ts';
import type { KernelContext } from '../kernel.ts';
import { checkCustomModule, type CheckedModule } from './check-module.ts';
import { CustomAppError } from './errors.ts';
import { runCustomApp, type CustomRunOptions } from './runner.ts';

const loaded = new Map<string, Promise<{ checked: CheckedModule; bytes: Uint8Array }>>();

const hex = (buffer: ArrayBuffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

async function load(base: string, input: CustomInput) {
  const res = await fetch(appVersionUrl(base, input));
  if (!res.ok)
    throw new CustomAppError(
      `${input.name} v${input.version}: the coordinator answered ${res.status} for its manifest`,
    );
  const version = CustomAppVersion.parse(await res.json());
  const moduleRes = await fetch(appModuleUrl(base, input));
  if (!moduleRes.ok)
    throw new CustomAppError(
      `${input.name} v${input.version}: the coordinator answered ${moduleRes.status} for its module`,
    );
  const bytes = new Uint8Array(await moduleRes.arrayBuffer());
  const sha = hex(await crypto.subtle.digest('SHA-256', bytes));
  if (sha !== input.moduleSha256 || sha !== version.moduleSha256) {
    throw new CustomAppError(`${input.name} v${input.version}: module bytes do not match the unit's SHA-256`);
  }
  return { checked: checkCustomModule(bytes, version.manifest), bytes };
}

/**
 * The runner's options for keeping to the worker's CPU limit, where the worker sets one (throttled-run.ts): the
 * sandbox takes the limit over, carrying on the worker's duty cycle, and its rests are reported back as rests.
 * @example await runCustomApp(checked, bytes, { input, ...cpuOptions(ctx) });
 */
export function cpuOptions(ctx: KernelContext<unknown>): Pick<CustomRunOptions, 'cpu' | 'onResting' | 'onResumed'> {
  const handle = ctx.ownCpuLimit?.();
  if (!handle) return {};
  return {
    cpu: { limit: handle.limit, carry: handle.carry, carriedAt: performance.timeOrigin + performance.now() },
    onResting: (rest) => handle.resting(rest.ms),
    onResumed: (ms) => handle.resumed(ms),
  };
}

export interface CustomUnitOptions {
  /** The coordinator's origin; the page's own by default. */
  base?: string;
  /** 'webgpu' runs the app's shader: undefined comes back when the app has none. 'wasm' by default. */
  variant?: 'wasm' | 'webgpu';
}

/**
 * Runs one unit on the variant asked for; undefined when that is the shader and the app has none.
 * @example const output = await runCustomUnit(assignment.input, ctx, { variant: 'webgpu' });
 */
export function runCustomUnit(
  input: CustomInput,
  ctx: KernelContext<unknown>,
  options?: CustomUnitOptions & { variant?: 'wasm' },
): Promise<CustomOutput>;
export function runCustomUnit(
  input: CustomInput,
  ctx: KernelContext<unknown>,
  options: CustomUnitOptions,
): Promise<CustomOutput | undefined>;
export async function runCustomUnit(
  input: CustomInput,
  ctx: KernelContext<unknown>,
  options: CustomUnitOptions = {},
): Promise<CustomOutput | undefined> {
  const { base = globalThis.location?.origin ?? '', variant = 'wasm' } = options;
  const key = `${base}|${input.name}|${input.version}|${input.moduleSha256}`;
  let module = loaded.get(key);
  if (!module) {
    module = load(base, input);
    loaded.set(key, module);
    module.catch(() => loaded.delete(key));
  }
  const { checked, bytes } = await module;
  if (variant === 'webgpu' && !checked.manifest.wgsl) return undefined;
  // A shader runs whole (no checkpoints), so it starts over where a module's checkpoint would resume.
  const resume = ctx.resumeFrom instanceof Uint8Array ? ctx.resumeFrom : undefined;
  const output = await runCustomApp(checked, bytes, {
    input: fromBase64(input.data),
    resumeFrom: resume,
    onProgress: (f) => ctx.progress(f),
    onCheckpoint: (state) => ctx.checkpoint(state),
    variant,
    // A shader's dispatch cannot rest: the worker counts it all as busy time and rests after it.
    ...(variant === 'wasm' ? cpuOptions(ctx) : {}),
  }).catch((e: unknown) => {
    // The dispatch goes on after its sandbox is stopped, and a lost device takes a while to come back: the GPU is
    // left alone until it answers again (gpu-watch.ts), and the unit is retried, or run now, as WebAssembly.
    if (variant === 'webgpu' && ((e instanceof CustomAppError && e.timedOut) || e instanceof GpuError)) gpuHeldUp();
    throw e;
  });
  return { data: toBase64(output) };
}
