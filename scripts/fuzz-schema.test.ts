import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { RegisterHost } from '../protocol/host.ts';
import { BatchSubmission } from '../protocol/research.ts';
import { ResultReport, WorkRequest } from '../protocol/work.ts';
import { bodyOf, broken, jsonSchemaOf, valid } from './fuzz-schema.ts';

const share = (schema: { safeParse(v: unknown): { success: boolean } }, values: unknown[]) =>
  values.filter((v) => schema.safeParse(v).success).length / values.length;

describe('fuzz arbitraries from the protocol schemas', () => {
  test('default: values made from a schema mostly pass it, so requests reach past the parser', () => {
    for (const schema of [WorkRequest, ResultReport]) {
      const values = fc.sample(valid(jsonSchemaOf(schema)), { numRuns: 200, seed: 7 });
      expect(share(schema, values)).toBeGreaterThan(0.9);
    }
    // Refinements across fields (matmul's sizes multiples of 16, quorum under replicas) are not in the JSON Schema,
    // so fewer submissions pass; some still do, and reach the store.
    const batches = fc.sample(valid(jsonSchemaOf(BatchSubmission)), { numRuns: 200, seed: 7 });
    expect(share(BatchSubmission, batches)).toBeGreaterThan(0);
  });

  test('behavior: broken values mostly fail the schema, each at one place', () => {
    const values = fc.sample(broken(jsonSchemaOf(WorkRequest)), { numRuns: 300, seed: 7 });
    const passing = share(WorkRequest, values);
    expect(passing).toBeLessThan(0.6);
    expect(passing).toBeGreaterThan(0); // a dropped optional field still passes: the mutation is local
  });

  test('behavior: bodies include text that is not JSON at all', () => {
    const bodies = fc.sample(bodyOf(RegisterHost), { numRuns: 400, seed: 3 });
    const notJson = bodies.filter((b) => {
      try {
        JSON.parse(b);
        return false;
      } catch {
        return true;
      }
    });
    expect(notJson.length).toBeGreaterThan(0);
    expect(notJson.length).toBeLessThan(bodies.length / 2);
  });
});
