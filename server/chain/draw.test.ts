import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { keccak256, toHex, type Address, type Hex } from 'viem';
import { creditLedgerAbi } from '../../contracts/abi.ts';
import { buildEpochTree, leafAtPoint } from '../epochs/epoch-tree.ts';
import { LEDGER_RULES } from './deploy.ts';
import { mine, startTestChain, type TestChain } from './testing.ts';
import { writeAndWait } from './write-and-wait.ts';

let chain: TestChain;
beforeAll(async () => {
  chain = await startTestChain();
}, 60_000);
afterAll(() => chain?.stop());

const COP = 10n ** 18n;
const addr = (i: number) => `0x${String(i).padStart(40, '0')}` as Address;

describe('attester draw weighted by recent credit', () => {
  test('default: each is drawn in proportion to its weight, not its credit; the chain confirms each draw', async () => {
    // Cumulative credit runs the other way: the oldest contributor has the most credit and the least recent weight.
    const stakes = [1n, 2n, 3n, 4n];
    const t = buildEpochTree(
      stakes.map((s, i) => ({ address: addr(i + 1), credit: (5n - s) * 100n * COP, weight: s * COP })),
    );
    const { ledger } = chain.deployment;
    await writeAndWait(chain.as(0), {
      address: ledger,
      abi: creditLedgerAbi,
      functionName: 'proposeEpoch',
      args: [1n, t.root, keccak256(toHex('f')), t.total, t.totalWeight],
    });
    // The draw waits for its seed block, drawDelay blocks after the proposal.
    await mine(chain, Number(LEDGER_RULES.drawDelay) + 1);
    const draws = 4000;
    const read = chain.as(0).publicClient.readContract;
    const points = await read({
      address: ledger,
      abi: creditLedgerAbi,
      functionName: 'attesterPoints',
      args: [1n, BigInt(draws)],
    });
    expect(points).toHaveLength(draws);
    const counts = [0, 0, 0, 0];
    for (const p of points) {
      expect(p < t.totalWeight).toBe(true);
      counts[leafAtPoint(t.leaves, p)]! += 1;
    }
    // Pearson's chi-square against shares 1:2:3:4 (3 degrees of freedom); 30.7 is the 1-in-a-million tail.
    const chi2 = counts.reduce((sum, c, i) => {
      const expected = (draws * Number(stakes[i])) / 10;
      return sum + (c - expected) ** 2 / expected;
    }, 0);
    expect(chi2).toBeLessThan(30.7);
    expect(counts[3]).toBeGreaterThan(counts[0]!);

    for (let k = 0; k < 5; k++) {
      const drawn = leafAtPoint(t.leaves, points[k]!);
      for (let i = 0; i < t.leaves.length; i++) {
        const [account, credit, offset, weight] = t.leaves[i]!;
        const args = [1n, BigInt(k), account, credit, offset, weight, t.tree.getProof(i) as Hex[]] as const;
        expect(await read({ address: ledger, abi: creditLedgerAbi, functionName: 'isAttester', args })).toBe(
          i === drawn,
        );
      }
    }
    // A leaf that is not in the tree is never an attester, whatever range it claims.
    const forged = [1n, 0n, addr(9), t.total, 0n, t.totalWeight, t.tree.getProof(0) as Hex[]] as const;
    expect(await read({ address: ledger, abi: creditLedgerAbi, functionName: 'isAttester', args: forged })).toBe(false);
  });
});
