/**
 * @module worker-kernels/wasm-loader
 * Loads a kernel's WebAssembly module from the URL its driver names with `new URL('./build/x.wasm',
 * import.meta.url)`: fetched in the browser (Vite emits the file), read from disk in Node (tests, benchmarks).
 * Compiled modules are cached per URL; each caller gets a fresh instance with its own memory.
 */
import { KernelError, WasmLoadError } from './errors.ts';

const modules = new Map<string, Promise<WebAssembly.Module>>();

/** A file beside a kernel (its WebAssembly, the training app's digits): fetched in the browser, read in Node. */
export async function binaryBytes(url: URL): Promise<ArrayBuffer> {
  if (url.protocol === 'file:') {
    // A variable specifier keeps bundlers from pulling node:fs into the browser build; this branch runs in Node only.
    const fsModule = 'node:fs/promises';
    const { readFile } = (await import(/* @vite-ignore */ fsModule)) as typeof import('node:fs/promises');
    const bytes = await readFile(url);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.arrayBuffer();
}

async function compile(url: URL): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(await binaryBytes(url));
  } catch (cause) {
    const hint = url.protocol === 'file:' ? ' (run `npm run build:wasm`)' : '';
    throw new WasmLoadError(`cannot load ${url.pathname.split('/').pop()}${hint}: ${String(cause)}`, { cause });
  }
}

/** AssemblyScript's one import: its runtime calls abort when it runs out of memory (past the 1 GiB cap). */
const imports = {
  env: {
    abort(_message: number, _file: number, line: number, column: number): never {
      throw new KernelError(`WebAssembly kernel aborted (out of memory?) at ${line}:${column}`);
    },
  },
};

/** A new instance of the module at `url`. */
export async function instantiateWasm<Exports>(url: URL): Promise<Exports> {
  let module = modules.get(url.href);
  if (!module) {
    module = compile(url);
    modules.set(url.href, module);
    module.catch(() => modules.delete(url.href));
  }
  const instance = await WebAssembly.instantiate(await module, imports);
  return instance.exports as Exports;
}
