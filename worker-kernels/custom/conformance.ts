/**
 * @module worker-kernels/custom/conformance
 * A researcher's app's part of the conformance spec (conformance/case.ts), with the documented example (count the
 * primes in a range) as the app: its module, compiled from its source, runs in the sandbox on random ranges and is
 * held to a sieve, byte for byte. The app's own variants fetch their module from a coordinator, so the case runs
 * the sandbox itself; server/http/apps.test.ts and e2e/custom-apps.spec.ts run them through a coordinator. Node only.
 */
import { CustomInput, type CustomOutput } from '../../protocol/custom-app.ts';
import type { ConformanceCase } from '../conformance/case.ts';
import { checkCustomModule } from './check-module.ts';
import { compileExample, EXAMPLE_MANIFEST, primeRange, primesBySieve, words } from './example/example-app.ts';
import { runCustomApp } from './runner.ts';

const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const fromBase64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

let example: Promise<{ bytes: Uint8Array; checked: ReturnType<typeof checkCustomModule> }> | undefined;
/** The example's module, compiled once per process (AssemblyScript takes seconds). */
const exampleModule = () =>
  (example ??= compileExample().then((bytes) => ({
    bytes,
    checked: checkCustomModule(bytes, { ...EXAMPLE_MANIFEST, timeLimitMs: 60_000 }),
  })));

export const customCase: ConformanceCase<CustomInput, CustomOutput> = {
  randomInput: (random) => {
    const from = random.int(0, 1_000_000);
    return CustomInput.parse({
      name: EXAMPLE_MANIFEST.name,
      version: 1,
      // The case runs the module it compiled, not one fetched by its hash.
      moduleSha256: '0'.repeat(64),
      data: toBase64(primeRange(from, from + random.int(1, 150_000))),
      flops: 1e6,
    });
  },
  trials: 3,
  reference: (input) => {
    const [from, to] = words(fromBase64(input.data));
    return { data: toBase64(new Uint8Array(new Uint32Array(primesBySieve(from!, to!)).buffer)) };
  },
  runners: {
    'wasm (sandbox)': async () => {
      const { bytes, checked } = await exampleModule();
      return async (input) => ({
        data: toBase64(await runCustomApp(checked, bytes, { input: fromBase64(input.data) })),
      });
    },
  },
  deviation: (_input, a, b) => ({ bytes: a.data === b.data ? 0 : 1 }),
  bounds: {
    'wasm (sandbox)': { bytes: { most: 0, why: 'integer work; results are compared byte for byte' } },
  },
};
