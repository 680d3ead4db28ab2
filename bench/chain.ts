/**
 * @module bench/chain
 * `npm run bench:chain`: gas of the chain's hot paths on a local anvil: posting an epoch at 10 and 100,000
 * volunteers (the goal: the same), a volunteer's claim against the 100,000-leaf tree (goal: under 100,000 gas) and
 * a ComputeMarket settle. The last line is the JSON summary that docs/performance.md quotes.
 */
import { keccak256, toHex, type Address, type Hex } from 'viem';
import { computeMarketAbi, copAbi, creditLedgerAbi } from '../contracts/abi.ts';
import { deployContracts } from '../server/chain/deploy.ts';
import { buildEpochTree, type EpochTree } from '../server/epochs/epoch-tree.ts';
import { startTestChain } from '../server/chain/testing.ts';
import { writeAndWait } from '../server/chain/write-and-wait.ts';

const COP = 10n ** 18n;
const chain = await startTestChain();
const poster = chain.as(0);
const requester = chain.as(1).account.address;

/** Deterministic volunteers (a linear congruential walk), the requester among them with 1,000 credits. */
function volunteers(n: number, round: number): Array<{ address: Address; credit: bigint }> {
  let x = 12345 + round;
  const out = [{ address: requester, credit: 1000n * COP + BigInt(round) }];
  for (let i = 1; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out.push({
      address: `0x${(i + 1).toString(16).padStart(8, '0')}${x.toString(16).padStart(32, '0')}` as Address,
      credit: BigInt(x) * 10n ** 9n + BigInt(round),
    });
  }
  return out;
}

async function post(ledger: Address, epoch: bigint, t: EpochTree): Promise<bigint> {
  const args = [epoch, t.root, keccak256(toHex(`epoch file ${epoch}`)), t.total] as const;
  return (await writeAndWait(poster, { address: ledger, abi: creditLedgerAbi, functionName: 'postEpoch', args }))
    .gasUsed;
}

async function claim(ledger: Address, t: EpochTree, index: number): Promise<bigint> {
  const [account, credit, offset] = t.leaves[index]!;
  const args = [2n, account, credit, offset, t.tree.getProof(index) as Hex[]] as const;
  return (await writeAndWait(poster, { address: ledger, abi: creditLedgerAbi, functionName: 'claim', args })).gasUsed;
}

const postGas: Record<string, string> = {};
let big: { ledger: Address; tree: EpochTree } | undefined;
for (const n of [10, 100_000]) {
  // A fresh ledger per size, so both sizes pay for the same storage writes; epoch 2 is the steady state.
  const { ledger } = n === 10 ? chain.deployment : await deployContracts(poster);
  const started = Date.now();
  const first = buildEpochTree(volunteers(n, 1));
  const second = buildEpochTree(volunteers(n, 2));
  const buildMs = (Date.now() - started) / 2;
  const g1 = await post(ledger, 1n, first);
  const g2 = await post(ledger, 2n, second);
  postGas[String(n)] = String(g2);
  console.log(
    `post epoch, ${n} volunteers: first ${g1} gas, next ${g2} gas; ` +
      `tree built in ${buildMs.toFixed(0)} ms, proof depth ${second.tree.getProof(n - 1).length}`,
  );
  if (n === 100_000) big = { ledger, tree: second };
}

// Claims against the 100,000-leaf tree: the requester's (the first mint ever, which also creates the supply), then a
// typical volunteer's first claim.
const { ledger, tree } = big!;
const requesterIndex = tree.leaves.findIndex(([a]) => a === requester);
const firstEver = await claim(ledger, tree, requesterIndex);
const claimGas = await claim(ledger, tree, requesterIndex === 5 ? 6 : 5);
console.log(`claim at 100,000 volunteers: ${claimGas} gas (the first mint ever: ${firstEver})`);

// Settling a batch: the requester pays with the COP it claimed from the big ledger's token.
const cop = await poster.publicClient.readContract({ address: ledger, abi: creditLedgerAbi, functionName: 'cop' });
const { market } = await deployMarketFor(cop);
await writeAndWait(chain.as(1), { address: cop, abi: copAbi, functionName: 'approve', args: [market, 500n * COP] });
await writeAndWait(chain.as(1), {
  address: market,
  abi: computeMarketAbi,
  functionName: 'open',
  args: [1n, 500n * COP],
});
const settle = async (credit: bigint) =>
  (
    await writeAndWait(poster, {
      address: market,
      abi: computeMarketAbi,
      functionName: 'settle',
      args: [requester, 1n, credit],
    })
  ).gasUsed;
const firstSettle = await settle(10n * COP);
const settleGas = await settle(20n * COP);
console.log(`settle: ${settleGas} gas (a batch's first settle: ${firstSettle})`);

await chain.stop();
console.log(
  JSON.stringify({ post_epoch_gas: postGas, claim_gas: Number(claimGas), settle_gas: Number(settleGas) }).replace(
    /"(\d+)"(?=[,}])/g,
    '$1',
  ),
);

/** A market on the big ledger's token (the default deployment's market uses the first ledger's). */
async function deployMarketFor(token: Address): Promise<{ market: Address }> {
  const { loadArtifacts } = await import('../contracts/compile.ts');
  const hash = await poster.walletClient.deployContract({
    abi: computeMarketAbi,
    bytecode: loadArtifacts().contracts.ComputeMarket.bytecode,
    args: [token, poster.account.address, poster.account.address, COP, 86_400n],
  });
  const receipt = await poster.publicClient.waitForTransactionReceipt({ hash });
  return { market: receipt.contractAddress! };
}
