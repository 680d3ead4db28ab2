/**
 * @module server/chain/verify-epoch
 * Checks a published epoch file against the chain: the leaves recompute the root in the file, and the ledger holds
 * that root, that file hash and those totals for that epoch; given the previous epoch's file (the one whose hash the
 * chain holds), every stake weight is the rule's (stake-weight.ts), as the page attester checks. Anyone can run it
 * (`npm run verify-epoch`).
 */
import type { Address, PublicClient } from 'viem';
import { epochFileHash, NO_PREVIOUS_FILE, parseEpochFile } from '../epochs/epoch-file.ts';
import { previousEpoch, weightProblems } from '../epochs/stake-weight.ts';
import { readEpoch } from './read-ledger.ts';

export interface VerifyEpochReturnType {
  ok: boolean;
  epoch: number | null;
  volunteers: number;
  totalCredit: string;
  /** Whether the weights were recomputed: not for an epoch after the first without its previous file. */
  weightsChecked: boolean;
  problems: string[];
}

/** @example const { ok, problems } = await verifyEpoch(publicClient, { ledger, text }); */
export async function verifyEpoch(
  client: PublicClient,
  { ledger, text, previous }: { ledger: Address; text: string; previous?: string | undefined },
): Promise<VerifyEpochReturnType> {
  let parsed: ReturnType<typeof parseEpochFile>;
  try {
    parsed = parseEpochFile(text);
  } catch (error) {
    const problems = [(error as Error).message];
    return { ok: false, epoch: null, volunteers: 0, totalCredit: '0', weightsChecked: false, problems };
  }
  const { header, tree } = parsed;
  const problems: string[] = [];
  const weights = await checkWeights(client, ledger, parsed, previous);
  problems.push(...weights.problems);
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
    weightsChecked: weights.checked,
    problems,
  };
}

/** The weights against the previous epoch's file, once that file is the one the chain and the header name. */
async function checkWeights(
  client: PublicClient,
  ledger: Address,
  { header, tree }: ReturnType<typeof parseEpochFile>,
  previous: string | undefined,
): Promise<{ checked: boolean; problems: string[] }> {
  if (header.epoch === 1) {
    const named = header.previousFileHash === NO_PREVIOUS_FILE ? [] : ['epoch 1 names a previous file'];
    return { checked: true, problems: [...named, ...weightProblems(undefined, header.cutAt, tree.leaves)] };
  }
  if (previous === undefined) return { checked: false, problems: [] };
  const onChain = (await readEpoch(client, { ledger, epoch: header.epoch - 1 }))?.fileHash;
  const hash = epochFileHash(previous);
  if (hash !== onChain || hash !== header.previousFileHash)
    return { checked: false, problems: [`the previous file's hash ${hash} is not the chain's and the header's`] };
  let before: ReturnType<typeof parseEpochFile>;
  try {
    before = parseEpochFile(previous);
  } catch (error) {
    return { checked: false, problems: [`the previous file: ${(error as Error).message}`] };
  }
  const prior = previousEpoch(before.header.cutAt, before.tree.leaves);
  return { checked: true, problems: weightProblems(prior, header.cutAt, tree.leaves) };
}
