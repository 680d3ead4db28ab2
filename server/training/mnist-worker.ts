/**
 * @module server/training/mnist-worker
 * The coordinator's MNIST work, off its event loop and out of its heap: the digits are 21 MB of JSON (about 100 MB
 * parsed, where the coordinator runs in 256 MB) and a CNN's held-out evaluation takes seconds of JavaScript, which
 * on the main thread would stall every host's request. One worker thread, started at the first need, loads the
 * digits once and answers each job's shards and each version's evaluation; it never keeps the process alive.
 */
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import type { ModelSpec } from '../../protocol/training.ts';
import { type Digits, loadMnist } from '../../worker-kernels/training/dataset.ts';
import { makeShards } from '../../worker-kernels/training/shards.ts';
import { digitLosses, evaluateHeldOut, validationDigits } from './model-state.ts';

type Request =
  | { id: number; kind: 'shards'; count: number; seed: number; alpha: number | undefined }
  | { id: number; kind: 'evaluate'; spec: ModelSpec; params: Float32Array }
  | { id: number; kind: 'validate'; spec: ModelSpec; params: Float32Array; digits: Uint16Array; smoothing: number };
type Answer = Uint16Array[] | { loss: number; accuracy: number } | Float64Array;
type Reply = { id: number; ok: true; answer: Answer } | { id: number; ok: false; name: string; message: string };

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;

let worker: Worker | undefined;
let nextId = 0;
const waiting = new Map<number, { resolve: (a: Answer) => void; reject: (e: Error) => void }>();

function failAll(error: Error) {
  for (const w of waiting.values()) w.reject(error);
  waiting.clear();
  worker = undefined;
}

function ask(request: Distribute<Request>, transfer: ArrayBuffer[] = []): Promise<Answer> {
  if (!worker) {
    worker = new Worker(new URL(import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: 512 } });
    worker.unref();
    worker.on('message', ({ id, ...reply }: Reply) => {
      const w = waiting.get(id);
      waiting.delete(id);
      if (reply.ok) w?.resolve(reply.answer);
      else w?.reject(Object.assign(new Error(reply.message), { name: reply.name }));
    });
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`the MNIST worker exited (${code})`)));
  }
  const id = nextId++;
  const answer = new Promise<Answer>((resolve, reject) => waiting.set(id, { resolve, reject }));
  worker.postMessage({ ...request, id }, transfer);
  return answer;
}

/** A job's shards of the 8,000 training digits (worker-kernels/training/shards.ts). */
export async function shardsInWorker(count: number, seed: number, alpha: number | undefined): Promise<Uint16Array[]> {
  return (await ask({ kind: 'shards', count, seed, alpha })) as Uint16Array[];
}

/** Held-out loss and accuracy of a version (model-state.ts evaluateHeldOut). */
export async function evaluateInWorker(spec: ModelSpec, params: Float32Array) {
  const copy = params.slice();
  return (await ask({ kind: 'evaluate', spec, params: copy }, [copy.buffer as ArrayBuffer])) as {
    loss: number;
    accuracy: number;
  };
}

/**
 * Each loss of the training digits at `digits` (model-state.ts digitLosses), in their order, with the job's label
 * smoothing: the loss its units train on.
 */
export async function validationLossesInWorker(
  spec: ModelSpec,
  params: Float32Array,
  { digits, smoothing }: { digits: Uint16Array; smoothing: number },
): Promise<Float64Array> {
  const copy = params.slice();
  const request = { kind: 'validate', spec, params: copy, digits, smoothing } as const;
  return (await ask(request, [copy.buffer as ArrayBuffer])) as Float64Array;
}

/**
 * The check digits last gathered, by their indices: a round's close asks once per result with the same 500, so they
 * are copied out of the training digits once per close rather than once per result.
 */
let gathered: { indices: Uint16Array; digits: Digits } | undefined;

function checkDigits(train: Digits, indices: Uint16Array): Digits {
  const last = gathered;
  if (last?.indices.length === indices.length && last.indices.every((d, i) => d === indices[i])) return last.digits;
  gathered = { indices, digits: validationDigits(train, indices) };
  return gathered.digits;
}

async function answer(request: Request): Promise<Answer> {
  const { train, heldOut } = await loadMnist();
  if (request.kind === 'shards') return makeShards(train.labels, request.count, request.seed, request.alpha);
  if (request.kind === 'validate')
    return digitLosses(request.spec, request.params, checkDigits(train, request.digits), request.smoothing).losses;
  return evaluateHeldOut(request.spec, request.params, heldOut);
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  port.on('message', (request: Request) => {
    answer(request).then(
      (a) => port.postMessage({ id: request.id, ok: true, answer: a } satisfies Reply),
      (error: unknown) => {
        const e = error instanceof Error ? error : new Error(String(error));
        port.postMessage({ id: request.id, ok: false, name: e.name, message: e.message } satisfies Reply);
      },
    );
  });
}
