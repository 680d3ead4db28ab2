/**
 * @module worker-kernels/comlink-errors
 * Errors across comlink in the protocol's one shape. comlink's own "throw" handler keeps only name, message and
 * stack; this one sends serializeError's shape and revives it with the protocol's schema (protocol/error-wire.ts),
 * so the page gets a worker's error with its name, details, issues and causes, and a worker gets a page hook's error
 * the same way. Both ends of a comlink channel install it: the worker before expose, the page before wrap.
 */
import { transferHandlers, type TransferHandler } from 'comlink';
import { serializeError } from '../protocol/error-wire.ts';
import { reviveError } from '../protocol/remote-error.ts';

/** Thrown values as comlink hands them to its "throw" handler. */
interface Thrown {
  value: unknown;
}

let installed = false;

/** @example useProtocolErrors(); expose(workerApi); */
export function useProtocolErrors(): void {
  if (installed) return;
  installed = true;
  const comlinkThrow = transferHandlers.get('throw')!;
  const handler: TransferHandler<Thrown, unknown> = {
    // comlink marks a thrown value with a private symbol; its own handler knows it.
    canHandle: (value): value is Thrown => comlinkThrow.canHandle(value),
    serialize: ({ value }) => [serializeError(value), []],
    deserialize: (wire) => {
      throw reviveError(wire);
    },
  };
  transferHandlers.set('throw', handler as TransferHandler<unknown, unknown>);
}
