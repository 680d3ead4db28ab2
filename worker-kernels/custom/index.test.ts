import { describe, expect, test } from 'vitest';
import { CustomInput } from '../../protocol/custom-app.ts';
import { testRandom } from '../testing/vitest-random.ts';
import { primeRange } from './example/example-app.ts';
import { custom } from './index.ts';

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

describe("a researcher's app as the validator sees it", () => {
  test('property: replayed, truncated, padded or altered outputs are never judged equal', () => {
    const random = testRandom();
    for (let trial = 0; trial < 20; trial++) {
      const from = random.int(0, 1_000_000);
      const input = CustomInput.parse({
        name: 'prime-count',
        version: 1,
        moduleSha256: 'a'.repeat(64),
        data: base64(primeRange(from, from + random.int(1, 100_000))),
        flops: 1e6,
      });
      const bytes = Uint8Array.from({ length: random.int(4, 64) }, () => random.int(0, 256));
      const honest = { data: base64(bytes) };
      const flipped = bytes.slice();
      flipped[random.int(0, flipped.length)]! ^= 1 << random.int(0, 8);
      const crafted = {
        'another unit': { data: base64(bytes.map((b) => b ^ 0xff)) },
        'one bit flipped': { data: base64(flipped) },
        'a byte short': { data: base64(bytes.slice(0, -1)) },
        'a byte more': { data: base64(new Uint8Array([...bytes, 0])) },
        empty: { data: '' },
      };
      expect(custom.sanity(input, honest)).toBeUndefined();
      for (const [what, output] of Object.entries(crafted)) {
        const refused =
          custom.sanity(input, output) !== undefined || custom.compare(input, output, honest) === 'mismatch';
        expect(refused, what).toBe(true);
        expect(custom.compare(input, honest, output), `${what}, the other way`).toBe(
          custom.compare(input, output, honest),
        );
      }
      expect(custom.sanity(input, { data: honest.data.replace(/=+$/, '') + (bytes.length % 3 ? '' : 'A') })).toMatch(
        /whole base64/,
      );
      // Its credit is the researcher's declared FLOPs (issue 17 will bound it by the time hosts measured).
      expect(custom.estimateFlops(input)).toBe(1e6);
    }
  });
});
