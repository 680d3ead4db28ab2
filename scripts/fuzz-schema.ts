/**
 * @module scripts/fuzz-schema
 * fast-check arbitraries made from the protocol's own zod schemas (through their JSON Schema): values the schema
 * accepts, kept small, and the same values broken at one random place (a wrong type, an edge number, a hostile
 * string, a field dropped or added), so a fuzzer reaches past the first check of each endpoint.
 */
import fc from 'fast-check';
import { z } from 'zod';

type JsonSchema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  additionalProperties?: boolean | JsonSchema;
};

/** Strings an attacker tries: empty, NUL, controls, bidi overrides, lone surrogates, long, and path tricks. */
export const HOSTILE_STRINGS = [
  '',
  '\u0000',
  'a\u0000b',
  '\u202Egnp.exe',
  '\u2066x\u2069',
  '\u001b[31m',
  '\r\nX-Injected: 1',
  '\ud800',
  '../../etc/passwd',
  '%00',
  '__proto__',
  'constructor',
  '0x',
  ' ',
  'x'.repeat(5000),
  '😀'.repeat(300),
];

/** Numbers at the edges: zero, negatives, fractions, past 2^53 and past int32, the largest finite double. */
export const EDGE_NUMBERS = [0, -0, -1, 0.5, 1e-300, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308];

const hostile = fc.oneof(
  fc.constantFrom<unknown>(...HOSTILE_STRINGS, ...EDGE_NUMBERS, null, true, false, [], {}),
  fc.jsonValue({ maxDepth: 2 }),
  fc.string({ maxLength: 20 }),
);

const clamp = (n: number | undefined, fallback: number) => (n === undefined || !Number.isFinite(n) ? fallback : n);

function numberArb(s: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const lo = clamp(s.minimum ?? s.exclusiveMinimum, -1e6);
  const hi = clamp(s.maximum ?? s.exclusiveMaximum, Math.max(lo, 0) + 1e6);
  if (integer) {
    const min = Math.max(
      s.minimum === undefined && s.exclusiveMinimum !== undefined ? Math.floor(lo) + 1 : Math.ceil(lo),
      Number.MIN_SAFE_INTEGER,
    );
    const max = Math.min(
      s.maximum === undefined && s.exclusiveMaximum !== undefined ? Math.ceil(hi) - 1 : Math.floor(hi),
      Number.MAX_SAFE_INTEGER,
    );
    const small = fc.integer({ min: Math.max(min, -1000), max: Math.max(Math.min(max, 1000), Math.max(min, -1000)) });
    return fc.oneof(small, fc.constantFrom(min, max));
  }
  return fc.double({
    min: lo,
    max: hi,
    minExcluded: s.minimum === undefined && s.exclusiveMinimum !== undefined,
    maxExcluded: s.maximum === undefined && s.exclusiveMaximum !== undefined,
    noNaN: true,
    noDefaultInfinity: true,
  });
}

function stringArb(s: JsonSchema): fc.Arbitrary<string> {
  const maxLength = Math.min(s.maxLength ?? 24, Math.max(s.minLength ?? 0, 24));
  if (s.pattern) return fc.stringMatching(new RegExp(s.pattern), { size: 'xsmall' });
  return fc.string({ minLength: s.minLength ?? 0, maxLength, unit: 'grapheme' });
}

/** Past this depth, values take only what the schema requires. */
const DEEP = 4;

/** Values `schema` (JSON Schema) accepts, or nearly: refinements beyond it (a curve check) are left to chance. */
export function valid(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 12) return fc.constant(null);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const union = schema.oneOf ?? schema.anyOf;
  if (union) return fc.oneof(...union.map((s) => valid(s, depth + 1)));
  if (schema.allOf?.length) return valid(schema.allOf[0]!, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      // Deep down (a recursive schema: an error's causes), only the required fields, so the value ends.
      const required = schema.required ?? [];
      const entries = Object.entries(schema.properties ?? {}).filter(([k]) => depth < DEEP || required.includes(k));
      const props = Object.fromEntries(entries.map(([k, s]) => [k, valid(s, depth + 1)]));
      return fc.record(props, { requiredKeys: required.filter((k) => k in props) });
    }
    case 'array': {
      const minLength = schema.minItems ?? 0;
      const maxLength = depth < DEEP ? Math.min(schema.maxItems ?? minLength + 3, minLength + 3) : minLength;
      if (schema.prefixItems) return fc.tuple(...schema.prefixItems.map((s) => valid(s, depth + 1)));
      return fc.array(valid(schema.items ?? {}, depth + 1), { minLength, maxLength });
    }
    case 'string':
      return stringArb(schema);
    case 'integer':
      return numberArb(schema, true);
    case 'number':
      return numberArb(schema, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 1 });
  }
}

/** `value` with the node at `path` (indices into each level's keys, wrapping) replaced, dropped or joined. */
function mutate(value: unknown, path: number[], how: 'replace' | 'drop' | 'extra', replacement: unknown): unknown {
  if (path.length === 0 || value === null || typeof value !== 'object') {
    return how === 'replace' ? replacement : value;
  }
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...value };
  const keys = Object.keys(copy);
  if (how === 'extra' && path.length === 1) {
    if (Array.isArray(copy)) copy.push(replacement);
    else copy[`extra${path[0]}`] = replacement;
    return copy;
  }
  if (keys.length === 0) return how === 'replace' ? replacement : copy;
  const key = keys[path[0]! % keys.length]!;
  if (how === 'drop' && path.length === 1) {
    if (Array.isArray(copy)) copy.splice(Number(key), 1);
    else delete copy[key];
    return copy;
  }
  (copy as Record<string, unknown>)[key] = mutate(
    (copy as Record<string, unknown>)[key],
    path.slice(1),
    how,
    replacement,
  );
  return copy;
}

/** A value `schema` accepts, then broken at one random place. */
export function broken(schema: JsonSchema): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      valid(schema),
      fc.array(fc.nat(), { minLength: 0, maxLength: 5 }),
      fc.constantFrom('replace', 'drop', 'extra' as const),
      hostile,
    )
    .map(([value, path, how, replacement]) => mutate(value, path, how as 'replace' | 'drop' | 'extra', replacement));
}

/** The JSON Schema of a zod schema, as its parser reads input. */
export const jsonSchemaOf = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;

/** Bodies for an endpoint taking `schema`: mostly near-valid, often broken, sometimes not JSON at all. */
export function bodyOf(schema: z.ZodType | undefined): fc.Arbitrary<string> {
  const raw = fc.oneof(
    fc.constantFrom('', '{', 'null', '[]', '"x"', '1e400', '{"a":1,"a":2}', '{"__proto__":{"x":1}}'),
    fc.constant(`${'['.repeat(3000)}${']'.repeat(3000)}`),
    fc.string({ maxLength: 200 }),
  );
  if (!schema)
    return fc.oneof(
      raw,
      fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
    );
  const js = jsonSchemaOf(schema);
  return fc.oneof(
    { weight: 4, arbitrary: valid(js).map((v) => JSON.stringify(v)) },
    { weight: 4, arbitrary: broken(js).map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: raw },
  );
}
