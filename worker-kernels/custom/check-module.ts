/**
 * @module worker-kernels/custom/check-module
 * The coordinator's check of a researcher's WebAssembly module before it is versioned and served: within the size
 * limit, valid WebAssembly, importing nothing but the ABI imports its manifest declares (so it can reach nothing
 * but its input), its memory imported (so the host sets the cap), and exporting the ABI's entry points; and its
 * optional WGSL shader against the bindings its manifest describes (check-shader.ts).
 */
import { CustomAppManifest } from '../../protocol/custom-app.ts';
import { checkShader } from './check-shader.ts';
import { CustomAppError } from './errors.ts';
import { readModuleFacts, type ModuleFacts } from './wasm-sections.ts';

export const MAX_MODULE_BYTES = 4 * 1024 * 1024;

const IMPORT_KINDS: Record<string, WebAssembly.ImportExportKind> = {
  'terraflop.progress': 'function',
  'terraflop.checkpoint': 'function',
  'env.abort': 'function',
  'env.memory': 'memory',
};
const EXPORTS: Record<string, WebAssembly.ImportExportKind> = { alloc: 'function', run: 'function' };

export interface CheckedModule {
  manifest: CustomAppManifest;
  module: WebAssembly.Module;
  /** The memory the sandbox provides: the module's declared minimum, capped by the manifest and the module. */
  memory: { initial: number; maximum: number };
}

/**
 * Checks a module against its manifest; throws CustomAppError naming the first problem.
 * @example const { module } = checkCustomModule(bytes, manifestJson);
 */
export function checkCustomModule(bytes: Uint8Array, manifestJson: unknown): CheckedModule {
  const parsed = CustomAppManifest.safeParse(manifestJson);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CustomAppError(`manifest: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const manifest = parsed.data;
  if (bytes.byteLength > MAX_MODULE_BYTES) {
    throw new CustomAppError(`module is ${bytes.byteLength} bytes, over the ${MAX_MODULE_BYTES}-byte limit`);
  }
  const owned = new Uint8Array(bytes); // WebAssembly wants an ArrayBuffer-backed view
  if (!WebAssembly.validate(owned)) throw new CustomAppError('module is not valid WebAssembly');
  const module = new WebAssembly.Module(owned);
  for (const { module: from, name, kind } of WebAssembly.Module.imports(module)) {
    const key = `${from}.${name}`;
    if (!manifest.imports.includes(key as never))
      throw new CustomAppError(`module imports ${key}, which its manifest does not declare`);
    if (IMPORT_KINDS[key] !== kind)
      throw new CustomAppError(`module imports ${key} as a ${kind}, the ABI gives a ${IMPORT_KINDS[key]}`);
  }
  const facts: ModuleFacts = readModuleFacts(owned);
  if (!facts.memory)
    throw new CustomAppError('module must import its memory as env.memory (build with --importMemory)');
  if (facts.memory.shared) throw new CustomAppError('module must not use shared memory');
  if (facts.memory.initial > manifest.maxMemoryPages) {
    throw new CustomAppError(
      `module needs ${facts.memory.initial} pages of memory at start, over its cap of ${manifest.maxMemoryPages}`,
    );
  }
  if (facts.hasStart) {
    throw new CustomAppError(
      'module must not have a start function: export it as _initialize (asc --exportStart _initialize)',
    );
  }
  const exported = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
  for (const [name, kind] of Object.entries(EXPORTS)) {
    if (exported.get(name) !== kind) throw new CustomAppError(`module must export the ${kind} ${name}`);
  }
  if (manifest.wgsl) checkShader(manifest.wgsl);
  const maximum = Math.min(manifest.maxMemoryPages, facts.memory.maximum ?? Infinity);
  return { manifest, module, memory: { initial: facts.memory.initial, maximum } };
}
