/**
 * @module server/chain/verify-epoch
 * Checks a published epoch file against the chain: the leaves recompute the root in the file, and the ledger holds
 * that root, that file hash and that total for that epoch. Anyone can run it (`npm run verify-epoch`).
 */
import type { Address, PublicClient } from 'viem';
import { epochFileHash, parseEpochFile } from '../epochs/epoch-file.ts';
import { readEpoch } from './read-ledger.ts';

export interface VerifyEpochReturnType {
  ok: boolean;
  epoch: number | null;
  volunteers: number;
  totalCredit: string;
  problems: string[];
}

/** @example const { ok, problems } = await verifyEpoch(publicClient, { ledger, text }); */
export async function verifyEpoch(
  client: PublicClient,
  { ledger, text }: { ledger: Address; text: string },
): Promise<VerifyEpochReturnType> {
  let parsed: ReturnType<typeof parseEpochFile>;
  try {
    parsed = parseEpochFile(text);
  } catch (error) {
    return { ok: false, epoch: null, volunteers: 0, totalCredit: '0', problems: [(error as Error).message] };
  }
  const { header, tree } = parsed;
  const problems: string[] = [];
  const onChain = await readEpoch(client, { ledger, epoch: header.epoch });
  if (!onChain) problems.push(`ledger ${ledger} holds no epoch ${header.epoch}`);
  else {
    if (onChain.root !== tree.root) problems.push(`root on chain ${onChain.root}, recomputed ${tree.root}`);
    const hash = epochFileHash(text);
    if (onChain.fileHash !== hash) problems.push(`file hash on chain ${onChain.fileHash}, this file's ${hash}`);
    if (onChain.totalCredit !== tree.total)
      problems.push(`total credit on chain ${onChain.totalCredit}, in the file ${tree.total}`);
    if (onChain.totalWeight !== tree.totalWeight)
      problems.push(`total weight on chain ${onChain.totalWeight}, in the file ${tree.totalWeight}`);
  }
  return {
    ok: problems.length === 0,
    epoch: header.epoch,
    volunteers: tree.leaves.length,
    totalCredit: String(tree.total),
    problems,
  };
}
