import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeAbiParameters, keccak256, toHex, type Hex, type PrivateKeyAccount } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { copAbi, creditLedgerAbi } from '../../contracts/abi.ts';
import { ATTESTATION_TYPES, attestationDomain } from '../../protocol/chain.ts';
import { NO_PREVIOUS_FILE } from '../epochs/epoch-file.ts';
import { buildEpochTree, leafAtPoint, seatingOf, type EpochTree } from '../epochs/epoch-tree.ts';
import { mine, passTime, startTestChain, type TestChain } from './testing.ts';
import { writeAndWait } from './write-and-wait.ts';

// Attestation against anvil: 3 slots drawn, 2 agreeing make an epoch final, a window of 1,000 s, 3% to attesters.
const RULES = { attesters: 3, quorum: 2, drawDelay: 3n, challengeWindow: 1_000n, attesterShareBps: 300 };
const COP = 10n ** 18n;
let chain: TestChain;
// Volunteers' linked addresses: they sign, and never pay gas (the coordinator, account 0, relays).
const volunteers: PrivateKeyAccount[] = Array.from({ length: 6 }, () => privateKeyToAccount(generatePrivateKey()));

beforeAll(async () => {
  chain = await startTestChain({ rules: RULES });
}, 60_000);
afterAll(() => chain?.stop());

const ledger = () => chain.deployment.ledger;
const read = () => chain.as(0).publicClient;
const call = { abi: creditLedgerAbi } as const;
const epochOf = (epoch: bigint) =>
  read().readContract({ ...call, address: ledger(), functionName: 'epochs', args: [epoch] });
const STATUS = ['none', 'proposed', 'final', 'frozen'] as const;
const status = async (epoch: bigint) => STATUS[(await epochOf(epoch)).status];

function treeOf(credits: bigint[]): EpochTree {
  return buildEpochTree(credits.map((c, i) => ({ address: volunteers[i]!.address, credit: c * COP })));
}

async function propose(epoch: bigint, t: EpochTree) {
  return writeAndWait(chain.as(0), {
    ...call,
    address: ledger(),
    functionName: 'proposeEpoch',
    args: [epoch, t.root, keccak256(toHex(`file ${epoch}`)), t.total, t.totalWeight],
  });
}

/** Who is drawn for each slot, as anyone can compute from the chain once the seed block is past. */
async function drawn(epoch: bigint, t: EpochTree): Promise<number[]> {
  const points = await read().readContract({
    ...call,
    address: ledger(),
    functionName: 'attesterPoints',
    args: [epoch, BigInt(RULES.attesters)],
  });
  return points.map((p) => leafAtPoint(t.leaves, p));
}

function sign(who: PrivateKeyAccount, epoch: bigint, t: EpochTree, agree: boolean): Promise<Hex> {
  return who.signTypedData({
    domain: attestationDomain(chain.deployment.chainId, ledger()),
    types: ATTESTATION_TYPES,
    primaryType: 'Attestation',
    message: {
      epoch,
      root: t.root,
      fileHash: keccak256(toHex(`file ${epoch}`)),
      totalCredit: t.total,
      totalWeight: t.totalWeight,
      previousFileHash: epoch > 1n ? keccak256(toHex(`file ${epoch - 1n}`)) : NO_PREVIOUS_FILE,
      agree,
    },
  });
}

/** The coordinator seats the whole draw (seatDraw: one multiproof of the drawn leaves). */
async function seatDraw(epoch: bigint, t: EpochTree, by = 0) {
  const seed = await read().readContract({ ...call, address: ledger(), functionName: 'seedOf', args: [epoch] });
  const s = seatingOf(t, seed, RULES.attesters);
  return writeAndWait(chain.as(by), {
    ...call,
    address: ledger(),
    functionName: 'seatDraw',
    args: [epoch, s.leaves, s.proof, s.proofFlags, s.slotLeaf],
  });
}

/** Anyone seats slot `slot` with leaf `leaf`'s own proof (the way round a coordinator that does not seat). */
function seatOne(epoch: bigint, t: EpochTree, slot: number, leaf: number, by = 2) {
  const [account, credit, offset, weight] = t.leaves[leaf]!;
  return writeAndWait(chain.as(by), {
    ...call,
    address: ledger(),
    functionName: 'seat',
    args: [epoch, BigInt(slot), account, credit, offset, weight, t.tree.getProof(leaf) as Hex[]],
  });
}

/** The coordinator relays a signature for `slot`: no proof, the slot's seat says who may sign. */
function relay(epoch: bigint, slot: number, signature: Hex, agree = true) {
  return writeAndWait(chain.as(0), {
    ...call,
    address: ledger(),
    functionName: 'attest',
    args: [epoch, BigInt(slot), agree, signature],
  });
}

const leafIndex = (t: EpochTree, who: PrivateKeyAccount) => t.leaves.findIndex(([a]) => a === who.address);
const claim = (epoch: bigint, t: EpochTree, leaf: number) => {
  const [account, credit, offset, weight] = t.leaves[leaf]!;
  return writeAndWait(chain.as(1), {
    ...call,
    address: ledger(),
    functionName: 'claim',
    args: [epoch, account, credit, offset, weight, t.tree.getProof(leaf) as Hex[]],
  });
};

describe('epochs that contributors make final', () => {
  test('behavior: a poster cannot choose the draw by choosing when to post: the seed is a later block', async () => {
    const t = treeOf([1n, 1n, 1n, 1n, 1n, 1n]);
    const outcomes: string[] = [];
    // The same proposal, twice, with another sender's transaction landing in between the second time: the poster
    // did the same thing both times, yet the seed (and so who is drawn) follows the seed block, k blocks later.
    for (const other of [false, true]) {
      const snapshot = await read().request({ method: 'evm_snapshot' } as never);
      const receipt = await propose(1n, t);
      // At the moment of posting, and up to the seed block, nobody (the poster included) can read the draw.
      await expect(drawn(1n, t)).rejects.toThrow(/SeedNotYet/);
      const { seedBlock } = await epochOf(1n);
      expect(seedBlock).toBe(receipt.blockNumber + RULES.drawDelay);
      if (other) {
        const sender = chain.as(2);
        const hash = await sender.walletClient.sendTransaction({
          account: sender.account,
          chain: sender.chain,
          to: chain.as(3).account.address,
          value: 1n,
        });
        await read().waitForTransactionReceipt({ hash });
      }
      await mine(chain, Number(seedBlock - (await read().getBlockNumber({ cacheTime: 0 }))));
      await expect(drawn(1n, t)).rejects.toThrow(/SeedNotYet/); // the seed block is the latest: not yet
      await mine(chain, 1);
      const block = await read().getBlock({ blockNumber: seedBlock });
      const expected = keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint64' }], [block.hash, 1n]));
      const seed = await read().readContract({ ...call, address: ledger(), functionName: 'seedOf', args: [1n] });
      expect(seed).toBe(expected);
      // Whoever fixes it, however late (within 256 blocks), fixes the same seed.
      await mine(chain, 20);
      await writeAndWait(chain.as(2), { ...call, address: ledger(), functionName: 'drawSeed', args: [1n] });
      expect((await epochOf(1n)).seed).toBe(expected);
      outcomes.push(expected);
      expect(await read().request({ method: 'evm_revert', params: [snapshot] } as never)).toBe(true);
    }
    expect(new Set(outcomes).size).toBe(2);
  });

  test('default: m of n drawn attesters finalise; fewer do not before the window; each is paid its share', async () => {
    const t = treeOf([5n, 1n, 1n, 1n, 1n, 1n]);
    await propose(1n, t);
    await mine(chain, Number(RULES.drawDelay) + 1);
    const slots = await drawn(1n, t);
    // Leaf indices are sorted by address; map them back to the volunteers who hold them.
    const holder = (leaf: number) => volunteers.find((v) => v.address === t.leaves[leaf]![0])!;
    const first = holder(slots[0]!);
    const firstSig = await sign(first, 1n, t, true);

    // Before the draw is seated no signature counts, not even the drawn volunteer's.
    await expect(relay(1n, 0, firstSig)).rejects.toThrow(/NotSeated/);
    await seatDraw(1n, t);
    // Nobody but the seated volunteer counts for a slot; a signature for another epoch's content recovers nobody.
    const outsider = volunteers.find((v) => !slots.includes(leafIndex(t, v)))!;
    await expect(relay(1n, 0, await sign(outsider, 1n, t, true))).rejects.toThrow(/WrongSigner/);
    const forged = await sign(first, 1n, treeOf([9n, 1n]), true);
    await expect(relay(1n, 0, forged)).rejects.toThrow(/WrongSigner/);

    await relay(1n, 0, firstSig);
    await expect(relay(1n, 0, firstSig)).rejects.toThrow(/SlotSigned/);
    expect(await status(1n)).toBe('proposed'); // 1 of 2: not final
    await expect(claim(1n, t, 0)).rejects.toThrow(/NotFinal/);
    await expect(
      writeAndWait(chain.as(1), { ...call, address: ledger(), functionName: 'finalize', args: [1n] }),
    ).rejects.toThrow(/WindowOpen/);

    const second = holder(slots[1]!);
    await relay(1n, 1, await sign(second, 1n, t, true));
    expect(await status(1n)).toBe('final');
    expect((await epochOf(1n)).attested).toBe(2);
    await expect(relay(1n, 2, await sign(holder(slots[2]!), 1n, t, true))).rejects.toThrow(/NotProposed/);
    // Each agreeing slot paid 3% of the epoch's new credit over the 3 slots.
    const reward = (t.total * 300n) / 10_000n / 3n;
    const balance = (who: PrivateKeyAccount) =>
      read().readContract({
        address: chain.deployment.cop,
        abi: copAbi,
        functionName: 'balanceOf',
        args: [who.address],
      });
    const paid = first === second ? 2n * reward : reward;
    expect(await balance(first)).toBe(paid);
    await claim(1n, t, 0);
  });

  test('behavior: with too few signatures an undisputed epoch is final once the window passes', async () => {
    const t = treeOf([6n, 2n, 1n, 1n, 1n, 1n]);
    await propose(2n, t);
    await expect(
      writeAndWait(chain.as(1), { ...call, address: ledger(), functionName: 'finalize', args: [2n] }),
    ).rejects.toThrow(/WindowOpen/);
    await passTime(chain.as(0), RULES.challengeWindow);
    await writeAndWait(chain.as(1), { ...call, address: ledger(), functionName: 'finalize', args: [2n] });
    expect(await status(2n)).toBe('final');
  });

  test("behavior: a drawn attester's dissent freezes the epoch: no claim, no window, till the admin says", async () => {
    const t = treeOf([7n, 3n, 1n, 1n, 1n, 1n]);
    await propose(3n, t);
    await mine(chain, Number(RULES.drawDelay) + 1);
    const slots = await drawn(3n, t);
    const holder = (leaf: number) => volunteers.find((v) => v.address === t.leaves[leaf]![0])!;
    await seatDraw(3n, t);
    await relay(3n, 0, await sign(holder(slots[0]!), 3n, t, false), false);
    expect(await status(3n)).toBe('frozen');
    await expect(relay(3n, 1, await sign(holder(slots[1]!), 3n, t, true))).rejects.toThrow(/NotProposed/);
    await passTime(chain.as(0), RULES.challengeWindow);
    await expect(
      writeAndWait(chain.as(1), { ...call, address: ledger(), functionName: 'finalize', args: [3n] }),
    ).rejects.toThrow(/NotProposed/);
    await expect(claim(3n, t, 0)).rejects.toThrow(/NotFinal/);
    await expect(
      writeAndWait(chain.as(1), { ...call, address: ledger(), functionName: 'resolveFrozen', args: [3n] }),
    ).rejects.toThrow(/AccessControlUnauthorizedAccount/);
    await writeAndWait(chain.as(0), { ...call, address: ledger(), functionName: 'resolveFrozen', args: [3n] });
    expect(await status(3n)).toBe('final');
  });
});

describe('seating: the draw proven once an epoch, so that a signature costs the same at any size', () => {
  const seedOf = (epoch: bigint) =>
    read().readContract({ ...call, address: ledger(), functionName: 'seedOf', args: [epoch] });
  const seatsOf = (epoch: bigint) =>
    Promise.all(
      Array.from({ length: RULES.attesters }, (_, slot) =>
        read().readContract({ ...call, address: ledger(), functionName: 'seats', args: [epoch, BigInt(slot)] }),
      ),
    );
  const sendSeatDraw = (epoch: bigint, s: ReturnType<typeof seatingOf>) =>
    writeAndWait(chain.as(0), {
      ...call,
      address: ledger(),
      functionName: 'seatDraw',
      args: [epoch, s.leaves, s.proof, s.proofFlags, s.slotLeaf],
    });

  test('behavior: only the drawn leaf seats a slot; a coordinator that does not seat is bypassed', async () => {
    const t = treeOf([4n, 3n, 2n, 1n, 1n, 1n]);
    await propose(4n, t);
    await expect(seatOne(4n, t, 0, 0)).rejects.toThrow(/SeedNotYet/); // nobody knows the draw yet
    await mine(chain, Number(RULES.drawDelay) + 1);
    const slots = await drawn(4n, t);
    const holder = (leaf: number) => volunteers.find((v) => v.address === t.leaves[leaf]![0])!;
    const stranger = t.leaves.findIndex((_, i) => i !== slots[0]);

    // A volunteer whose range does not hold slot 0's point, with its own valid proof: not drawn.
    await expect(seatOne(4n, t, 0, stranger)).rejects.toThrow(/NotDrawn/);
    // The drawn leaf with another leaf's proof, or a leaf claiming the whole line: not in the root.
    const [account, credit, offset, weight] = t.leaves[slots[0]!]!;
    const forge = (args: readonly [bigint, bigint, Hex, bigint, bigint, bigint, Hex[]]) =>
      writeAndWait(chain.as(2), { ...call, address: ledger(), functionName: 'seat', args });
    await expect(forge([4n, 0n, account, credit, offset, weight, t.tree.getProof(stranger) as Hex[]])).rejects.toThrow(
      /InvalidProof/,
    );
    const proof = t.tree.getProof(slots[0]!) as Hex[];
    await expect(forge([4n, 0n, account, credit, 0n, t.totalWeight, proof])).rejects.toThrow(/InvalidProof/);
    // A seatDraw that leaves a slot out, points a slot at a leaf that was not drawn for it, or proves leaves of
    // another tree: refused whole.
    const s = seatingOf(t, await seedOf(4n), RULES.attesters);
    await expect(sendSeatDraw(4n, { ...s, slotLeaf: s.slotLeaf.slice(1) })).rejects.toThrow(/BadSeating/);
    const other = treeOf([4n, 3n, 2n, 1n, 1n, 2n]);
    await expect(sendSeatDraw(4n, seatingOf(other, await seedOf(4n), RULES.attesters))).rejects.toThrow(/InvalidProof/);
    // Slot 0 pointed at a leaf proven in the same multiproof but not drawn for it.
    const multi = t.tree.getMultiProof([...new Set([...slots, stranger])]);
    const asLeaf = ([a, c, o, w]: (typeof multi.leaves)[number]) => ({ account: a, credit: c, offset: o, weight: w });
    const at = (leaf: number) => multi.leaves.findIndex(([a]) => a === t.leaves[leaf]![0]);
    const misplaced = {
      leaves: multi.leaves.map(asLeaf),
      proof: multi.proof as Hex[],
      proofFlags: multi.proofFlags,
      slotLeaf: slots.map((leaf, slot) => at(slot === 0 ? stranger : leaf)),
    };
    await expect(sendSeatDraw(4n, misplaced)).rejects.toThrow(/NotDrawn/);
    // Unseated, a drawn volunteer's own signature does not count.
    const firstSig = await sign(holder(slots[0]!), 4n, t, true);
    await expect(relay(4n, 0, firstSig)).rejects.toThrow(/NotSeated/);

    // The coordinator seats nobody: anyone (here account 2, paying the gas) seats slot 0 with its holder's proof.
    await seatOne(4n, t, 0, slots[0]!);
    await expect(seatOne(4n, t, 0, slots[0]!)).rejects.toThrow(/SlotSeated/);
    await relay(4n, 0, firstSig);
    await expect(relay(4n, 1, await sign(holder(slots[1]!), 4n, t, true))).rejects.toThrow(/NotSeated/);
    // seatDraw keeps the seat already taken and seats the rest; every seat is the draw's.
    await seatDraw(4n, t);
    expect(await seatsOf(4n)).toEqual(slots.map((leaf) => t.leaves[leaf]![0]));
    expect((await epochOf(4n)).seated).toBe(RULES.attesters);
    await relay(4n, 1, await sign(holder(slots[1]!), 4n, t, true));
    expect(await status(4n)).toBe('final');
  });

  test('behavior: seating late, or by someone else, cannot change who is seated', async () => {
    const t = treeOf([1n, 1n, 1n, 1n, 1n, 1n]);
    await propose(5n, t);
    await mine(chain, Number(RULES.drawDelay) + 1);
    const seed = await seedOf(5n);
    const expected = (await drawn(5n, t)).map((leaf) => t.leaves[leaf]![0]);
    // Time passes, other transactions land; whoever seats then seats with the seed of the seed block, not of now.
    await mine(chain, 40);
    await writeAndWait(chain.as(2), { ...call, address: ledger(), functionName: 'drawSeed', args: [5n] });
    expect(await seedOf(5n)).toBe(seed);
    // A draw of a seed the seater likes better (one from a later block that seats someone else) does not seat.
    const latest = await read().getBlock({ blockTag: 'latest' });
    const fair = seatingOf(t, seed, RULES.attesters);
    const holders = (x: typeof fair) => x.slotLeaf.map((i) => x.leaves[i]!.account).join();
    let liked = fair;
    for (let salt = 0n; holders(liked) === holders(fair); salt++) {
      const h = keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint64' }], [latest.hash, salt]));
      liked = seatingOf(t, h, RULES.attesters);
    }
    await expect(sendSeatDraw(5n, liked)).rejects.toThrow(/NotDrawn/);
    await seatDraw(5n, t, 3);
    expect(await seatsOf(5n)).toEqual(expected);
  });

  test('edge: an epoch of one volunteer seats it in every slot (a multiproof of the root alone)', async () => {
    const t = treeOf([3n]);
    await propose(6n, t);
    await mine(chain, Number(RULES.drawDelay) + 1);
    const s = seatingOf(t, await seedOf(6n), RULES.attesters);
    expect(s.proof).toEqual([]);
    await sendSeatDraw(6n, s);
    expect(await seatsOf(6n)).toEqual(Array(RULES.attesters).fill(volunteers[0]!.address));
  });
});
