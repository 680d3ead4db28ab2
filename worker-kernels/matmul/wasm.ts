/**
 * @module worker-kernels/matmul/wasm
 * Driver of the WebAssembly SIMD matmul (assembly/index.ts), in two builds: relaxed SIMD (multiply-adds may fuse,
 * one FMA on x86 and ARM), which engines without relaxed SIMD refuse to compile, and plain SIMD. It expands the
 * unit's matrices, copies them into the module's memory, multiplies, and reads back the row digest.
 */
import type { MatmulInput, MatmulOutput } from '../../protocol/matmul.ts';
import type { KernelContext } from '../kernel.ts';
import { instantiateWasm } from '../wasm-loader.ts';
import { generateMatrices, type Matrices } from './matrices.ts';

interface MatmulExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  reset(): void;
  matmul(a: number, b: number, c: number, m: number, k: number, n: number, panel: number): void;
  rowAbsSums(c: number, m: number, n: number, out: number): void;
}

export interface MatmulWasm {
  run(input: MatmulInput, ctx: KernelContext<unknown>): MatmulOutput;
  /** The multiply and digest alone, on matrices already generated (the benchmark times this, as its C twin). */
  multiply(matrices: Matrices, input: MatmulInput): MatmulOutput;
}

export type MatmulBuild = 'relaxed' | 'plain';

/** @param build 'relaxed' rejects with a WasmLoadError where the engine lacks relaxed SIMD. */
export async function loadMatmulWasm(build: MatmulBuild): Promise<MatmulWasm> {
  // Two literal URLs, which Vite finds and emits.
  const url =
    build === 'relaxed'
      ? new URL('./build/matmul-relaxed.wasm', import.meta.url)
      : new URL('./build/matmul.wasm', import.meta.url);
  const wasm = await instantiateWasm<MatmulExports>(url);
  const kernel: MatmulWasm = {
    run(input, ctx) {
      const output = kernel.multiply(generateMatrices(input), input);
      ctx.progress(1);
      return output;
    },
    multiply({ a, b }, { m, k, n }) {
      wasm.reset();
      const pa = wasm.alloc(a.byteLength),
        pb = wasm.alloc(b.byteLength);
      const pc = wasm.alloc(m * n * 4),
        panel = wasm.alloc(k * 8 * 4),
        out = wasm.alloc(m * 8);
      // Views only after the last alloc: growing the memory detaches earlier ones.
      new Float32Array(wasm.memory.buffer, pa, a.length).set(a);
      new Float32Array(wasm.memory.buffer, pb, b.length).set(b);
      wasm.matmul(pa, pb, pc, m, k, n, panel);
      wasm.rowAbsSums(pc, m, n, out);
      return { rowAbsSums: Array.from(new Float64Array(wasm.memory.buffer, out, m)) };
    },
  };
  return kernel;
}
