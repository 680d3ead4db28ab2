/**
 * @module web/volunteer/attester/attest-worker
 * The attester's Web Worker: everything heavy about vouching for an epoch runs here, off the page's thread. It checks
 * the epoch file and its weights against the previous epoch's file (check-epoch), re-executes the sampled canonical
 * results with the same kernels the compute worker runs (within the volunteer's CPU limit and GPU setting) and
 * compares each with the app's own comparator, then signs the EIP-712 attestation, agreeing only when nothing was
 * wrong.
 */
import { expose } from 'comlink';
import type { Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { AppInput, AppOutput } from '../../../protocol/apps.ts';
import {
  ATTESTATION_TYPES,
  type AttestationDuty,
  attestationDomain,
  type EpochSample,
} from '../../../protocol/chain.ts';
import { useProtocolErrors } from '../../../worker-kernels/comlink-errors.ts';
import { compareOutputs } from '../../../worker-kernels/registry.ts';
import { runThrottled } from '../../../worker-kernels/throttled-run.ts';
import { runBestVariant } from '../../../worker-kernels/variants.ts';
import { checkEpochFile } from './check-epoch.ts';

export interface ReviewOptions {
  /** The worker's busy share, in (0, 1]: the volunteer's CPU limit. */
  cpuLimit: number;
  gpu: boolean;
}

export interface Review {
  agree: boolean;
  /** What was wrong, in plain words; empty when the epoch holds. */
  problems: string[];
  /** Units re-executed and found to match. */
  matched: number;
  signature: Hex;
}

const idle = { progress() {}, checkpoint() {} };

/** Re-executes one sampled unit; a problem in plain words, or undefined when its canonical output matches. */
async function recheck(unit: EpochSample['units'][number], options: ReviewOptions): Promise<string | undefined> {
  const job = AppInput.safeParse({ app: unit.app, input: unit.input });
  if (!job.success) return `unit ${unit.workUnitId}'s input is not a valid ${unit.app} input`;
  const published = AppOutput.safeParse({ app: unit.app, output: unit.output });
  if (!published.success) return `unit ${unit.workUnitId}'s published result is not a valid ${unit.app} result`;
  const allow = options.gpu ? {} : ({ allow: ['wasm', 'reference'] } as const);
  const { value } = await runThrottled(options.cpuLimit, idle, undefined, (ctx) =>
    runBestVariant(job.data, ctx, allow),
  );
  if (compareOutputs(job.data, published.data, value.result) === 'match') return undefined;
  return `unit ${unit.workUnitId}'s published result differs from what this device computed`;
}

export const attestApi = {
  /** Reviews the epoch and signs the verdict with `privateKey` (the page's attester key, linked to its volunteer). */
  async review(
    privateKey: Hex,
    duty: AttestationDuty,
    files: { file: string; previous: string | undefined },
    sample: EpochSample,
    options: ReviewOptions,
  ): Promise<Review> {
    const account = privateKeyToAccount(privateKey);
    const problems = checkEpochFile(duty, files.file, account.address, files.previous);
    let matched = 0;
    for (const unit of sample.units) {
      const problem = await recheck(unit, options);
      if (problem) problems.push(problem);
      else matched++;
    }
    const agree = problems.length === 0;
    const signature = await account.signTypedData({
      domain: attestationDomain(duty.chainId, duty.ledger as Hex),
      types: ATTESTATION_TYPES,
      primaryType: 'Attestation',
      message: {
        epoch: BigInt(duty.epoch),
        root: duty.root as Hex,
        fileHash: duty.fileHash as Hex,
        totalCredit: BigInt(duty.totalCredit),
        totalWeight: BigInt(duty.totalWeight),
        previousFileHash: (duty.previousFileHash ?? `0x${'0'.repeat(64)}`) as Hex,
        agree,
      },
    });
    return { agree, problems, matched, signature };
  },
};

export type AttestApi = typeof attestApi;

useProtocolErrors();
expose(attestApi);
