/**
 * @module bench/chain
 * `npm run bench:chain`: gas of the chain's hot paths on a local anvil: proposing an epoch, seating its draw (once an
 * epoch: the drawn leaves' multiproof) and relaying one attester's signature at 10 and 100,000 volunteers (the goal:
 * the same per signature), finalising (by the window, and by the quorum-th signature), a volunteer's claim against
 * the 100,000-leaf tree's final epoch (goal: under 100,000 gas) and a ComputeMarket settle. The last line is the JSON
 * summary that docs/performance.md quotes.
 */
import { keccak256, toHex, type Address, type Hex } from 'viem';
import { computeMarketAbi, copAbi, creditLedgerAbi } from '../contracts/abi.ts';
import { deployContracts, LEDGER_RULES } from '../server/chain/deploy.ts';
import { buildEpochTree, drawPoint, leafAtPoint, seatingOf, type EpochTree } from '../server/epochs/epoch-tree.ts';
import { privateKeyToAccount } from 'viem/accounts';
import { describeMachine, machine } from './machine.ts';
import { ATTESTATION_TYPES, attestationDomain } from '../protocol/chain.ts';
import { passTime, startTestChain } from '../server/chain/testing.ts';
import { writeAndWait } from '../server/chain/write-and-wait.ts';

const COP = 10n ** 18n;
console.log(describeMachine(machine()));
const chain = await startTestChain();
const poster = chain.as(0);
const requester = chain.as(1).account.address;

/** Attesters with keys (they sign), holding nearly all the stake so that the draw lands on them at any size. */
const attesters = Array.from({ length: 9 }, (_, i) => privateKeyToAccount(keccak256(toHex(`bench attester ${i}`))));
const keyed = new Set<string>(attesters.map((a) => a.address));

/** Deterministic volunteers (a linear congruential walk): the requester with 1,000 credits, the 9 attesters. */
function volunteers(n: number, round: number): Array<{ address: Address; credit: bigint }> {
  let x = 12345 + round;
  const out = [{ address: requester, credit: 1000n * COP + BigInt(round) }];
  for (const a of attesters.slice(0, n - 1)) out.push({ address: a.address, credit: 10n ** 8n * COP + BigInt(round) });
  for (let i = out.length; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out.push({
      address: `0x${(i + 1).toString(16).padStart(8, '0')}${x.toString(16).padStart(32, '0')}` as Address,
      credit: BigInt(x) * 10n ** 9n + BigInt(round),
    });
  }
  return out;
}

async function post(ledger: Address, epoch: bigint, t: EpochTree): Promise<bigint> {
  const args = [epoch, t.root, keccak256(toHex(`epoch file ${epoch}`)), t.total, t.totalWeight] as const;
  return (await writeAndWait(poster, { address: ledger, abi: creditLedgerAbi, functionName: 'proposeEpoch', args }))
    .gasUsed;
}

async function claim(ledger: Address, t: EpochTree, epoch: bigint, index: number): Promise<bigint> {
  const [account, credit, offset, weight] = t.leaves[index]!;
  const args = [epoch, account, credit, offset, weight, t.tree.getProof(index) as Hex[]] as const;
  return (await writeAndWait(poster, { address: ledger, abi: creditLedgerAbi, functionName: 'claim', args })).gasUsed;
}

/** The window passes undisputed: anyone finalises. Returns finalize's gas. */
async function finalizeByWindow(ledger: Address, epoch: bigint): Promise<bigint> {
  await passTime(poster, LEDGER_RULES.challengeWindow);
  return (
    await writeAndWait(poster, { address: ledger, abi: creditLedgerAbi, functionName: 'finalize', args: [epoch] })
  ).gasUsed;
}

/**
 * The coordinator seats epoch `epoch`'s draw once its seed block is past: seatDraw's gas, and what seating one slot
 * alone costs.
 */
async function seatAll(ledger: Address, epoch: bigint, t: EpochTree): Promise<{ draw: bigint; one: bigint }> {
  await poster.publicClient.request({
    method: 'anvil_mine',
    params: [toHex(Number(LEDGER_RULES.drawDelay) + 1)],
  } as never);
  const seed = await poster.publicClient.readContract({
    address: ledger,
    abi: creditLedgerAbi,
    functionName: 'seedOf',
    args: [epoch],
  });
  // The way round a coordinator that does not seat: slot 0 seated alone with its holder's proof, then undone.
  const snapshot = await poster.publicClient.request({ method: 'evm_snapshot' } as never);
  const holder = leafAtPoint(t.leaves, drawPoint(seed, 0, t.totalWeight));
  const [account, credit, offset, weight] = t.leaves[holder]!;
  const one = [epoch, 0n, account, credit, offset, weight, t.tree.getProof(holder) as Hex[]] as const;
  const oneGas = (
    await writeAndWait(poster, { address: ledger, abi: creditLedgerAbi, functionName: 'seat', args: one })
  ).gasUsed;
  await poster.publicClient.request({ method: 'evm_revert', params: [snapshot] } as never);
  const s = seatingOf(t, seed, LEDGER_RULES.attesters);
  const args = [epoch, s.leaves, s.proof, s.proofFlags, s.slotLeaf] as const;
  const receipt = await writeAndWait(poster, { address: ledger, abi: creditLedgerAbi, functionName: 'seatDraw', args });
  return { draw: receipt.gasUsed, one: oneGas };
}

/**
 * Zero bytes in a relay's calldata where it varies: the signature's r and s, and the slot (slot 0 is all zeros).
 * Each costs 4 gas of calldata instead of 16, so the same call with another signature differs by 12 gas per byte.
 */
function varyingZeroBytes(slot: number, signature: Hex): number {
  const rs = signature.slice(2, 130).match(/../g)!;
  return rs.filter((b) => b === '00').length + (slot === 0 ? 1 : 0);
}

/** One relay's gas: as measured, and as if its signature and slot had no zero byte (the same for every relay). */
interface RelayGas {
  used: bigint;
  normalised: bigint;
}

/** The seated attesters sign epoch `epoch` and the coordinator relays each slot until the quorum: gas per relay. */
async function attestAll(ledger: Address, epoch: bigint, t: EpochTree, fileHash: Hex): Promise<RelayGas[]> {
  const points = await poster.publicClient.readContract({
    address: ledger,
    abi: creditLedgerAbi,
    functionName: 'attesterPoints',
    args: [epoch, BigInt(LEDGER_RULES.attesters)],
  });
  const gas: RelayGas[] = [];
  for (const [slot, point] of points.entries()) {
    if (gas.length === LEDGER_RULES.quorum) break;
    const signer = attesters.find((a) => a.address === t.leaves[leafAtPoint(t.leaves, point)]![0]);
    if (!signer) continue; // drawn without a key here (a 1 in 10^4 chance): the slot goes unsigned
    const signature = await signer.signTypedData({
      domain: attestationDomain(chain.deployment.chainId, ledger),
      types: ATTESTATION_TYPES,
      primaryType: 'Attestation',
      message: {
        epoch,
        root: t.root,
        fileHash,
        totalCredit: t.total,
        totalWeight: t.totalWeight,
        previousFileHash: keccak256(toHex(`epoch file ${epoch - 1n}`)),
        agree: true,
      },
    });
    const args = [epoch, BigInt(slot), true, signature] as const;
    const used = (await writeAndWait(poster, { address: ledger, abi: creditLedgerAbi, functionName: 'attest', args }))
      .gasUsed;
    gas.push({ used, normalised: used + 12n * BigInt(varyingZeroBytes(slot, signature)) });
  }
  return gas;
}

const postGas: Record<string, string> = {};
const attestGas: Record<string, string> = {};
const attestGasRaw: Record<string, string> = {};
const seatGas: Record<string, string> = {};
const seatSlotGas: Record<string, string> = {};
let finalizeGas = 0n;
let quorumGas = 0n;
let big: { ledger: Address; tree: EpochTree } | undefined;
for (const n of [10, 100_000]) {
  // A fresh ledger per size, so both sizes pay for the same storage writes; epoch 2 is the steady state.
  const { ledger } = n === 10 ? chain.deployment : await deployContracts(poster);
  const started = Date.now();
  const first = buildEpochTree(volunteers(n, 1));
  const second = buildEpochTree(volunteers(n, 2));
  const buildMs = (Date.now() - started) / 2;
  const g1 = await post(ledger, 1n, first);
  // Epoch 1 is final by its window, and the attesters claim it: from then on an attester's reward adds to a balance.
  finalizeGas = await finalizeByWindow(ledger, 1n);
  for (const [i, [a]] of first.leaves.entries()) if (keyed.has(a)) await claim(ledger, first, 1n, i);
  const g2 = await post(ledger, 2n, second);
  postGas[String(n)] = String(g2);
  const seated = await seatAll(ledger, 2n, second);
  seatGas[String(n)] = String(seated.draw);
  seatSlotGas[String(n)] = String(seated.one);
  const attests = await attestAll(ledger, 2n, second, keccak256(toHex('epoch file 2')));
  // The second relay is the steady state: the first also sets the epoch's signed-slot word from zero, the quorum-th
  // finalises.
  attestGas[String(n)] = String(attests[1]!.normalised);
  attestGasRaw[String(n)] = String(attests[1]!.used);
  quorumGas = attests[attests.length - 1]!.used;
  console.log(
    `propose epoch, ${n} volunteers: first ${g1} gas, next ${g2} gas; tree built in ${buildMs.toFixed(0)} ms, ` +
      `proof depth ${second.tree.getProof(n - 1).length}; seat the draw ${seated.draw} gas ` +
      `(one slot alone, with its holder's proof: ${seated.one}); ` +
      `attest per signature ${attests.map((a) => a.used).join(', ')} gas, ` +
      `${attests.map((a) => a.normalised).join(', ')} without the zero bytes of signature and slot ` +
      `(the first sets the epoch's signed-slot word, the last reaches the quorum and finalises); ` +
      `finalize after the window ${finalizeGas} gas`,
  );
  if (n === 100_000) big = { ledger, tree: second };
}

// A typical volunteer's first claim against the 100,000-leaf tree's final epoch, and the requester's.
const { ledger, tree } = big!;
const typical = tree.leaves.findIndex(([a]) => !keyed.has(a) && a !== requester);
const claimGas = await claim(ledger, tree, 2n, typical);
const requesterGas = await claim(
  ledger,
  tree,
  2n,
  tree.leaves.findIndex(([a]) => a === requester),
);
console.log(`claim at 100,000 volunteers: ${claimGas} gas (the requester's first claim: ${requesterGas})`);

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
if (attestGas['10'] !== attestGas['100000']) {
  console.error(`attest's gas depends on the number of volunteers: ${JSON.stringify(attestGas)}`);
  process.exitCode = 1;
}
console.log(
  JSON.stringify({
    post_epoch_gas: postGas,
    attest_gas: attestGas,
    attest_gas_measured: attestGasRaw,
    seat_gas: seatGas,
    seat_slot_gas: seatSlotGas,
    finalize_gas: Number(finalizeGas),
    quorum_attest_gas: Number(quorumGas),
    claim_gas: Number(claimGas),
    settle_gas: Number(settleGas),
  }).replace(/"(\d+)"(?=[,}])/g, '$1'),
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
