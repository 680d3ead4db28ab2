/**
 * @module server/chain/tree-worker
 * Builds an epoch off the coordinator's event loop. Hashing a Merkle tree of 100,000 volunteers takes seconds of
 * JavaScript; run on the main thread it would stall every host's request for that long. This worker thread builds
 * the tree and renders the epoch file; the poster only awaits its answer.
 */
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import type { Hex } from 'viem';
import { epochFileHash, renderEpochFile } from '../epochs/epoch-file.ts';
import { buildEpochTree } from '../epochs/epoch-tree.ts';

export interface BuiltEpoch {
  root: Hex;
  text: string;
  fileHash: Hex;
  total: bigint;
  volunteers: number;
}

type Request = { epoch: number; credits: Array<{ address: string; credit: bigint }> };
type Reply = { ok: true; built: BuiltEpoch } | { ok: false; name: string; message: string };

function build({ epoch, credits }: Request): BuiltEpoch {
  const tree = buildEpochTree(credits);
  const text = renderEpochFile(epoch, tree);
  return { root: tree.root, text, fileHash: epochFileHash(text), total: tree.total, volunteers: tree.leaves.length };
}

/** Builds epoch `epoch` from these credits in a worker thread; errors keep their name and message. */
export function buildEpochInWorker(epoch: number, credits: Request['credits']): Promise<BuiltEpoch> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: null });
    worker.once('message', (reply: Reply) => {
      void worker.terminate();
      if (reply.ok) resolve(reply.built);
      else reject(Object.assign(new Error(reply.message), { name: reply.name }));
    });
    worker.once('error', reject);
    worker.postMessage({ epoch, credits } satisfies Request);
  });
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  port.once('message', (request: Request) => {
    try {
      port.postMessage({ ok: true, built: build(request) } satisfies Reply);
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      port.postMessage({ ok: false, name: e.name, message: e.message } satisfies Reply);
    }
  });
}
