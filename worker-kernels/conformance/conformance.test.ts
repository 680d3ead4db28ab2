/**
 * The conformance spec in Node: every app's variants that run here (its WASM builds, or its case's own runners for a
 * researcher's sandbox) against the reference on seeded random units, by conformance/case.ts's judge. The WebGPU
 * variants, which need a browser, run the same cases in e2e/kernels-webgpu.spec.ts.
 */
import { describe, expect, test } from 'vitest';
import type { AppName } from '../../protocol/apps.ts';
import { variantName } from '../app.ts';
import type { KernelContext } from '../kernel.ts';
import { appOf } from '../registry.ts';
import { testRandom } from '../testing/vitest-random.ts';
import { judge } from './case.ts';
import { caseOf, cases } from './cases.ts';

const quiet = { progress() {}, checkpoint() {} };

interface Runnable {
  name: string;
  load(): Promise<(input: unknown, ctx: KernelContext<unknown>) => unknown>;
}

/** The variants of an app that Node runs: its case's own runners, else its variants that are available here. */
async function nodeVariants(name: AppName): Promise<Runnable[]> {
  const kase = caseOf(name);
  await kase.prepare?.();
  if (kase.runners) {
    return Object.entries(kase.runners).map(([runner, load]) => ({
      name: runner,
      load: async () => {
        const run = await load();
        return (input) => run(input);
      },
    }));
  }
  const here: Runnable[] = [];
  for (const variant of appOf(name).variants) {
    if ((await variant.available()) !== 'none') here.push({ name: variantName(variant), load: () => variant.load() });
  }
  return here;
}

/** The truth for a unit: the app's reference, or its case's. */
function truth(name: AppName, input: unknown, ctx: KernelContext<unknown> = quiet): unknown {
  const reference = appOf(name).reference;
  if (reference) return reference(input, ctx);
  return caseOf(name).reference!(input);
}

const names = Object.keys(cases) as AppName[];

describe.each(names)('conformance of %s', async (name) => {
  const app = appOf(name);
  const kase = caseOf(name);

  test('default: every variant the app declares has its bounds, each with its reason', () => {
    for (const variant of app.variants) {
      if (kase.runners) continue; // its variants run through a coordinator, held to byte equality there
      const bounds = kase.bounds[variantName(variant)];
      expect(bounds, variantName(variant)).toBeDefined();
      for (const bound of Object.values(bounds!)) expect(bound.why.length).toBeGreaterThan(20);
    }
  });

  test('default: the reference output parses with the app schema and is sane', () => {
    const random = testRandom();
    const input = kase.randomInput(random);
    const output = app.output.parse(truth(name, app.input.parse(input)));
    expect(app.sanity(input, output)).toBeUndefined();
  });

  for (const variant of await nodeVariants(name)) {
    test(`default: ${variant.name} agrees with the reference on seeded random units`, async () => {
      const random = testRandom();
      const run = await variant.load();
      const worst: Record<string, number> = {};
      for (let trial = 0; trial < kase.trials; trial++) {
        const input = kase.randomInput(random);
        const expected = truth(name, input);
        const actual = app.output.parse(await run(input, quiet));
        expect(judge(app, kase, variant.name, input, actual, expected), JSON.stringify(input)).toEqual([]);
        for (const [measure, value] of Object.entries(kase.deviation(input, actual, expected)))
          worst[measure] = Math.max(worst[measure] ?? 0, value);
      }
      console.log(`conformance: ${name} ${variant.name}: worst ${JSON.stringify(worst)}`);
    });

    if (!app.reference) continue;
    test(`behavior: ${variant.name} resumed from the reference's checkpoint gives the reference's answer`, async () => {
      const input = kase.randomInput(testRandom());
      const checkpoints: unknown[] = [];
      const expected = truth(name, input, { progress() {}, checkpoint: (s) => checkpoints.push(structuredClone(s)) });
      const run = await variant.load();
      const resumeFrom = checkpoints[Math.floor((checkpoints.length - 1) / 2)];
      const actual = app.output.parse(await run(input, { ...quiet, resumeFrom }));
      expect(judge(app, kase, variant.name, input, actual, expected), JSON.stringify(input)).toEqual([]);
    });
  }
});
