/**
 * @module scripts/error-family
 * Reads the tree's TypeScript and Svelte for error classes and names each that breaks the family's rules: only
 * protocol/base-error.ts's BaseError extends a built-in error; every other error class descends from it through
 * classes of this tree; each declares its own literal name (`override name = 'ItsClassName'`). Run by
 * scripts/error-family.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const BASE = { name: 'BaseError', file: 'protocol/base-error.ts' };

const BUILTIN_ERRORS = new Set([
  'Error',
  'TypeError',
  'RangeError',
  'SyntaxError',
  'ReferenceError',
  'EvalError',
  'URIError',
  'AggregateError',
  'SuppressedError',
  'DOMException',
]);

/** Classes whose name is not their own, each with why. */
export const NAME_EXEMPT: Record<string, string> = {
  RemoteError:
    'a revived error keeps the name of the class that was thrown on the other side (protocol/remote-error.ts)',
  CoordinatorError: "it carries the name of the coordinator's error (protocol/coordinator-error.ts)",
};

interface ErrorClass {
  name: string;
  parent: string;
  file: string;
  /** The literal the class body assigns to `name`, if any. */
  declaredName: string | undefined;
}

const DECLARATION = /\bclass\s+(\w+)(?:\s*<[^>{]*>)?\s+extends\s+([\w.]+)[^{]*\{/g;

/** The text of a class body from its opening brace, to the brace that closes it. */
function bodyFrom(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(open, i + 1);
  }
  return text.slice(open);
}

export function classesIn(file: string, text: string): ErrorClass[] {
  return [...text.matchAll(DECLARATION)].map((m) => {
    const body = bodyFrom(text, m.index + m[0].length - 1);
    const declared = /\boverride\s+name\s*(?::[^=]+)?=\s*'(\w+)'/.exec(body)?.[1];
    return { name: m[1]!, parent: m[2]!, file, declaredName: declared };
  });
}

/** Every rule the classes break, one line each; empty when the family is whole. */
export function errorFamilyProblems(classes: ErrorClass[]): string[] {
  const byName = new Map(classes.map((c) => [c.name, c]));
  const problems: string[] = [];
  const isError = (c: ErrorClass, seen = new Set<string>()): boolean => {
    if (BUILTIN_ERRORS.has(c.parent) || c.parent.endsWith('Error')) return true;
    const parent = byName.get(c.parent);
    if (!parent || seen.has(parent.name)) return false;
    seen.add(parent.name);
    return isError(parent, seen);
  };
  const reachesBase = (c: ErrorClass, seen = new Set<string>()): boolean => {
    if (c.parent === BASE.name) return true;
    const parent = byName.get(c.parent);
    if (!parent || seen.has(parent.name)) return false;
    seen.add(parent.name);
    return reachesBase(parent, seen);
  };
  for (const c of classes) {
    if (c.name === BASE.name && c.file === BASE.file) continue;
    if (!isError(c) && !c.name.endsWith('Error')) continue;
    const where = `${c.file}: ${c.name}`;
    if (BUILTIN_ERRORS.has(c.parent)) problems.push(`${where} extends ${c.parent} directly; extend ${BASE.name}`);
    else if (!reachesBase(c)) problems.push(`${where} extends ${c.parent}, which does not descend from ${BASE.name}`);
    else if (!(c.name in NAME_EXEMPT) && c.declaredName !== c.name)
      problems.push(`${where} must declare its own name: override name = '${c.name}' as const`);
  }
  return problems;
}

/** The tree's TypeScript and Svelte sources that git knows of (tracked or new, not ignored). */
export function treeClasses(root = '.'): ErrorClass[] {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  })
    .split('\n')
    // The family's own test declares rule-breaking classes on purpose, as fixtures.
    .filter((f) => /\.(ts|svelte)$/.test(f) && !f.includes('/assembly/') && f !== 'scripts/error-family.test.ts');
  return files.flatMap((file) => {
    try {
      return classesIn(file, readFileSync(`${root}/${file}`, 'utf8'));
    } catch {
      return []; // listed by git but deleted in the work tree
    }
  });
}
