/**
 * @module server/chain/tree-worker
 * Builds an epoch off the coordinator's event loop. Hashing a Merkle tree of 100,000 volunteers takes seconds of
 * JavaScript; run on the main thread it would stall every host's request for that long. This worker thread builds
 * the tree and renders the epoch file; the poster only awaits its answer.
 */
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import type { Hex } from 'viem';
import { epochFileHash, NO_PREVIOUS_FILE, parseEpochFile, renderEpochFile } from '../epochs/epoch-file.ts';
import { buildEpochTree } from '../epochs/epoch-tree.ts';
import { nextWeight, previousEpoch } from '../epochs/stake-weight.ts';

export interface BuiltEpoch {
  root: Hex;
  text: string;
  fileHash: Hex;
  total: bigint;
  volunteers: number;
}

export interface EpochBuild {
  epoch: number;
  credits: Array<{ address: string; credit: bigint }>;
  /** Unix seconds: the weights are decayed to this time. */
  cutAt: number;
  /** The previous epoch's file, whose weights this epoch's grow from; none for epoch 1. */
  previous?: { text: string; fileHash: Hex };
}
type Reply = { ok: true; built: BuiltEpoch | undefined } | { ok: false; name: string; message: string };

/** Each address's credit, merged by address and without zeros, keyed lower-case. */
function merged(credits: EpochBuild['credits']): Map<string, bigint> {
  const byAddress = new Map<string, bigint>();
  for (const { address, credit } of credits)
    byAddress.set(address.toLowerCase(), (byAddress.get(address.toLowerCase()) ?? 0n) + credit);
  for (const [address, credit] of byAddress) if (credit === 0n) byAddress.delete(address);
  return byAddress;
}

/** The epoch, or undefined when no credit moved since the previous one (weights alone decaying make no epoch). */
function build({ epoch, credits, cutAt, previous }: EpochBuild): BuiltEpoch | undefined {
  const before = previous && parseEpochFile(previous.text);
  const prior = before && previousEpoch(before.header.cutAt, before.tree.leaves);
  const now = merged(credits);
  if (prior && prior.leaves.size === now.size && [...now].every(([a, c]) => prior.leaves.get(a)?.credit === c))
    return undefined;
  const cut = Math.max(cutAt, prior?.cutAt ?? 0);
  const weighed = [...now].map(([address, credit]) => ({
    address,
    credit,
    weight: nextWeight(prior, cut, address, credit),
  }));
  const tree = buildEpochTree(weighed);
  const text = renderEpochFile(epoch, tree, { cutAt: cut, previousFileHash: previous?.fileHash ?? NO_PREVIOUS_FILE });
  return { root: tree.root, text, fileHash: epochFileHash(text), total: tree.total, volunteers: tree.leaves.length };
}

/**
 * Builds epoch `epoch` in a worker thread (undefined: no credit moved since the previous epoch); errors keep their
 * name and message.
 */
export function buildEpochInWorker(request: EpochBuild): Promise<BuiltEpoch | undefined> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: null });
    worker.once('message', (reply: Reply) => {
      void worker.terminate();
      if (reply.ok) resolve(reply.built);
      else reject(Object.assign(new Error(reply.message), { name: reply.name }));
    });
    worker.once('error', reject);
    worker.postMessage(request);
  });
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  port.once('message', (request: EpochBuild) => {
    try {
      port.postMessage({ ok: true, built: build(request) } satisfies Reply);
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      port.postMessage({ ok: false, name: e.name, message: e.message } satisfies Reply);
    }
  });
}
