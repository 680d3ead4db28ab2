/**
 * @module worker-kernels/custom/check-shader
 * What can be checked of a researcher's WGSL shader without a GPU, at upload in Node: that its declared entry point
 * is a `@compute` function with a workgroup size, and that the buffers it declares are exactly the bindings its
 * manifest describes (group 0, same numbers, same address space and access). It reads declarations from the text
 * (comments stripped), not a full WGSL parse: the browser compiles the shader and reports what this cannot see.
 */
import type { CustomWgsl, WgslBinding } from '../../protocol/custom-app.ts';
import { CustomAppError } from './errors.ts';

const FUNCTION = /\bfn\s+([A-Za-z_]\w*)\s*\(/g;
const VARIABLE = /\bvar\s*(?:<([^>]*)>)?\s*([A-Za-z_]\w*)/g;

/**
 * Each declaration the pattern finds, with the text before it back to the last `;`, `{` or `}` or the previous
 * declaration: where its attributes are. Found in one pass, without backtracking over long attribute runs.
 */
function declarations(text: string, pattern: RegExp): { attributes: string; groups: string[] }[] {
  const found: { attributes: string; groups: string[] }[] = [];
  let previousEnd = 0;
  for (const match of text.matchAll(pattern)) {
    let start = match.index;
    while (start > previousEnd && !';{}'.includes(text[start - 1]!)) start--;
    found.push({ attributes: text.slice(start, match.index), groups: match.slice(1).map((g) => g ?? '') });
    previousEnd = match.index + match[0].length;
  }
  return found;
}

/** The address space and access each binding type is declared with in WGSL (`var<storage>` reads only). */
const DECLARED_AS: Record<WgslBinding['type'], readonly string[]> = {
  'storage-read': ['storage', 'storage,read'],
  'storage-read-write': ['storage,read_write'],
  uniform: ['uniform'],
};

/** WGSL without its comments (line comments, and block comments, which nest), line breaks kept. */
export function stripComments(source: string): string {
  let out = '',
    depth = 0;
  for (let i = 0; i < source.length; i++) {
    const two = source.slice(i, i + 2);
    if (two === '/*') {
      depth++;
      i++;
    } else if (two === '*/' && depth > 0) {
      depth--;
      i++;
    } else if (depth > 0) out += source[i] === '\n' ? '\n' : '';
    else if (two === '//') while (i + 1 < source.length && source[i + 1] !== '\n') i++;
    else out += source[i];
  }
  return out;
}

/** The integer argument of `@name(…)` in an attribute list, e.g. `@binding(1u)` → 1; undefined when absent. */
function attribute(attributes: string, name: string): number | undefined {
  const match = new RegExp(`@${name}\\s*\\(\\s*([^)]*?)\\s*\\)`).exec(attributes);
  if (!match) return undefined;
  const value = /^(0x[0-9a-fA-F]+|\d+)[iu]?$/.exec(match[1]!);
  if (!value) throw new CustomAppError(`shader: @${name}(${match[1]}) must be a literal number`);
  return Number(value[1]);
}

function checkEntryPoint(text: string, entryPoint: string): void {
  const functions = declarations(text, FUNCTION).map((d) => ({ attributes: d.attributes, name: d.groups[0]! }));
  const entry = functions.find((f) => f.name === entryPoint);
  const computes = functions.filter((f) => /@compute\b/.test(f.attributes)).map((f) => f.name);
  if (!entry || !/@compute\b/.test(entry.attributes)) {
    throw new CustomAppError(
      `shader has no @compute function ${entryPoint} (its compute functions: ${computes.join(', ') || 'none'})`,
    );
  }
  if (!/@workgroup_size\b/.test(entry.attributes))
    throw new CustomAppError(`shader: ${entryPoint} must have a @workgroup_size`);
}

function checkBindings(text: string, bindings: readonly WgslBinding[]): void {
  const described = new Map(bindings.map((b) => [b.binding, b]));
  const declared = new Set<number>();
  for (const {
    attributes,
    groups: [space = '', name],
  } of declarations(text, VARIABLE)) {
    const group = attribute(attributes, 'group'),
      binding = attribute(attributes, 'binding');
    if (group === undefined && binding === undefined) continue; // a private or workgroup variable
    if (group !== 0) throw new CustomAppError(`shader: ${name} is in @group(${group}); the host binds group 0 only`);
    const b = described.get(binding!);
    if (!b)
      throw new CustomAppError(`shader declares @binding(${binding}) (${name}), which the manifest does not describe`);
    const as = space.replace(/\s+/g, '');
    if (!DECLARED_AS[b.type].includes(as)) {
      const wanted = DECLARED_AS[b.type].at(-1)!.replace(',', ', ');
      throw new CustomAppError(
        `shader declares @binding(${binding}) (${name}) as var<${space.trim()}>, ` +
          `the manifest describes ${b.type} (var<${wanted}>)`,
      );
    }
    declared.add(binding!);
  }
  for (const b of bindings) {
    if (!declared.has(b.binding)) {
      throw new CustomAppError(
        `shader does not declare @group(0) @binding(${b.binding}), which the manifest describes (its ${b.role})`,
      );
    }
  }
}

/**
 * Checks a shader's text against its manifest's description; throws CustomAppError naming the first mismatch.
 * @example checkShader(manifest.wgsl); // throws "shader has no @compute function main (…)"
 */
export function checkShader(wgsl: CustomWgsl): void {
  const text = stripComments(wgsl.source);
  checkEntryPoint(text, wgsl.entryPoint);
  checkBindings(text, wgsl.bindings);
}
