/**
 * @module worker-kernels/custom
 * A researcher's app as Terraflop sees it. It has no TypeScript reference: it runs only as the uploaded module, or
 * its WGSL shader, in its sandbox (run-unit.ts). Its results are compared byte for byte (a researcher whose app
 * needs a tolerance must make its output deterministic, e.g. by rounding), and its credit is priced at the FLOPs
 * the researcher declared for the unit: what its output costs is the researcher's argument, not Terraflop's.
 */
import { CustomInput, CustomOutput } from '../../protocol/custom-app.ts';
import type { App } from '../app.ts';
import { gpuFree } from '../gpu-watch.ts';
import { runCustomUnit } from './run-unit.ts';

const hasWebGpu = () => typeof navigator !== 'undefined' && navigator.gpu !== undefined;

export const custom: App<CustomInput, CustomOutput> = {
  name: 'custom',
  input: CustomInput,
  output: CustomOutput,
  variants: [
    {
      // The sandbox opens a device of its own, so only the API is looked for here; a fallback adapter is used too
      // (the app's author chose to write a shader, and nothing measured says WebAssembly beats it).
      kind: 'webgpu',
      available: async () => (hasWebGpu() && gpuFree() ? 'preferred' : 'none'),
      load: async () => (input, ctx) => runCustomUnit(input, ctx, { variant: 'webgpu' }),
    },
    {
      kind: 'wasm',
      available: async () => 'preferred',
      load: async () => (input, ctx) => runCustomUnit(input, ctx),
    },
  ],
  // Only the shape can be checked without the app: whole base64 (its schema bounds the length).
  sanity: ({ name }, { data }) => (data.length % 4 === 0 ? undefined : `${name}: output data is not whole base64`),
  compare: (_input, a, b) => (a.data === b.data ? 'match' : 'mismatch'),
  estimateFlops: (input) => input.flops,
};
