/**
 * @module server/chain/read-ledger
 * Reads of the CreditLedger the poster and the verifier rely on: the latest epoch, one epoch. (What the routes show
 * of the ledger comes from the store's mirror: server/chain/chain-reader.ts.)
 */
import type { Address, Hex, PublicClient } from 'viem';
import { creditLedgerAbi } from '../../contracts/abi.ts';

export type ReadLatestEpochReturnType = number;

/** @example const n = await readLatestEpoch(publicClient, { ledger }); */
export async function readLatestEpoch(
  client: PublicClient,
  { ledger }: { ledger: Address },
): Promise<ReadLatestEpochReturnType> {
  return Number(await client.readContract({ address: ledger, abi: creditLedgerAbi, functionName: 'latestEpoch' }));
}

export interface ChainEpoch {
  root: Hex;
  fileHash: Hex;
  totalCredit: bigint;
  totalWeight: bigint;
  seed: Hex;
}

/** The posted epoch, or undefined when the chain holds none with that number. */
export async function readEpoch(
  client: PublicClient,
  { ledger, epoch }: { ledger: Address; epoch: number },
): Promise<ChainEpoch | undefined> {
  const e = await client.readContract({
    address: ledger,
    abi: creditLedgerAbi,
    functionName: 'epochs',
    args: [BigInt(epoch)],
  });
  return /^0x0+$/.test(e.root) ? undefined : e;
}
