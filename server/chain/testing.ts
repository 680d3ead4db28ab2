/**
 * @module server/chain/testing
 * For tests and the bench: a throwaway anvil with the contracts deployed, and clients for anvil's well-known
 * development accounts (funded on every anvil; never use these keys on a real chain).
 */
import { keccak256, numberToHex, toHex, type Hex } from 'viem';
import { creditLedgerAbi } from '../../contracts/abi.ts';
import { startAnvil, type Anvil } from './anvil.ts';
import { chainClients, type ChainClients } from './clients.ts';
import { deployContracts, type DeployContractsParameters, type Deployment } from './deploy.ts';
import { writeAndWait } from './write-and-wait.ts';

export const DEV_KEYS: readonly Hex[] = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
];

export interface TestChain {
  anvil: Anvil;
  deployment: Deployment;
  /** Clients for development account `i` (0 is the deployer: admin, poster and settler). */
  as(i: number): ChainClients;
  stop(): Promise<void>;
}

/** @example const chain = await startTestChain(); ...; await chain.stop(); */
export async function startTestChain(params: DeployContractsParameters = {}): Promise<TestChain> {
  const anvil = await startAnvil();
  const cache = new Map<number, ChainClients>();
  const as = (i: number) => {
    const key = DEV_KEYS[i];
    if (!key) throw new Error(`no development account ${i}`);
    if (!cache.has(i)) cache.set(i, chainClients({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, privateKey: key }));
    return cache.get(i)!;
  };
  try {
    const deployment = await deployContracts(as(0), params);
    return { anvil, deployment, as, stop: () => anvil.stop() };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}

/** Moves the chain's clock on by `seconds` and mines a block (anvil's cheat codes). */
export async function passTime(clients: ChainClients, seconds: number | bigint): Promise<void> {
  await clients.publicClient.request({ method: 'evm_increaseTime', params: [numberToHex(seconds)] } as never);
  await clients.publicClient.request({ method: 'evm_mine', params: [] } as never);
}

/** Mines `blocks` empty blocks (anvil's cheat code). */
export async function mine(chain: TestChain, blocks: number): Promise<void> {
  await chain.as(0).publicClient.request({ method: 'anvil_mine', params: [numberToHex(blocks)] } as never);
}

/**
 * Proposes an epoch as account 0 (the poster) and makes it final the way an epoch nobody disputed becomes final:
 * the challenge window passes. For tests that need a claimable epoch and are not about attestation.
 */
export async function finalEpoch(
  chain: TestChain,
  epoch: bigint,
  tree: { root: Hex; total: bigint; totalWeight: bigint },
  fileHash: Hex = keccak256(toHex(`epoch ${epoch}`)),
): Promise<void> {
  const poster = chain.as(0);
  const ledger = chain.deployment.ledger;
  await writeAndWait(poster, {
    address: ledger,
    abi: creditLedgerAbi,
    functionName: 'proposeEpoch',
    args: [epoch, tree.root, fileHash, tree.total, tree.totalWeight],
  });
  const window = await poster.publicClient.readContract({
    address: ledger,
    abi: creditLedgerAbi,
    functionName: 'challengeWindow',
  });
  await passTime(poster, window);
  await writeAndWait(poster, { address: ledger, abi: creditLedgerAbi, functionName: 'finalize', args: [epoch] });
}
