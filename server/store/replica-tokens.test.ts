import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { REPLICA_TOKEN_BYTES, ReplicaToken } from '../../protocol/work.ts';
import { REPLICA_TOKEN_KEY_BYTES, ReplicaTokens } from './replica-tokens.ts';

const fresh = () => new ReplicaTokens(randomBytes(REPLICA_TOKEN_KEY_BYTES));

describe('ReplicaTokens', () => {
  it("names a replica by a token the protocol accepts and finds it again, whatever the id's size", () => {
    const tokens = fresh();
    const ids = [1, 2, 3, 255, 256, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER];
    for (let i = 0; i < 500; i++) ids.push(1 + Math.floor(Math.random() * 2 ** 40));
    for (const id of ids) {
      const token = tokens.tokenOf(id);
      expect(ReplicaToken.parse(token)).toBe(token);
      expect(tokens.idOf(token)).toBe(id);
    }
  });

  it('gives consecutive replicas tokens that share nothing a host could read', () => {
    const tokens = fresh();
    const list = Array.from({ length: 64 }, (_, i) => Buffer.from(tokens.tokenOf(1000 + i), 'base64url'));
    // Each byte position takes many values across consecutive ids (a counter would leave most bytes fixed).
    for (let byte = 0; byte < REPLICA_TOKEN_BYTES; byte++) {
      expect(new Set(list.map((b) => b[byte])).size, `byte ${byte}`).toBeGreaterThan(32);
    }
  });

  it("finds nothing for another key's token, a drawn token, an altered one or another spelling", () => {
    const tokens = fresh();
    const other = fresh();
    for (let i = 0; i < 200; i++) {
      expect(tokens.idOf(other.tokenOf(i + 1))).toBeUndefined();
      expect(tokens.idOf(randomBytes(REPLICA_TOKEN_BYTES).toString('base64url'))).toBeUndefined();
    }
    const token = tokens.tokenOf(42);
    const bytes = Buffer.from(token, 'base64url');
    for (let bit = 0; bit < 8 * REPLICA_TOKEN_BYTES; bit++) {
      const flipped = Buffer.from(bytes);
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      expect(tokens.idOf(flipped.toString('base64url')), `bit ${bit}`).toBeUndefined();
    }
    // The last character carries 2 bits: another spelling of the same bytes is not the token.
    const last = token.at(-1)!;
    const twin = token.slice(0, -1) + String.fromCharCode(last.charCodeAt(0) + 1);
    expect(tokens.idOf(twin)).toBeUndefined();
    for (const bad of ['', '42', 'x'.repeat(22), `${token}A`, token.slice(1)]) expect(tokens.idOf(bad)).toBeUndefined();
  });

  it('is the same for every coordinator holding the key', () => {
    const key = randomBytes(REPLICA_TOKEN_KEY_BYTES);
    const [a, b] = [new ReplicaTokens(key), new ReplicaTokens(key)];
    expect(b.idOf(a.tokenOf(77))).toBe(77);
    expect(() => new ReplicaTokens(randomBytes(8))).toThrow(RangeError);
  });
});
