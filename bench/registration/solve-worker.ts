/**
 * @module bench/registration/solve-worker
 * The registration proof of work's solver (protocol/registration-work.ts, as web/lib/registration-worker.ts runs
 * it) in a worker of its own, timed: each message is a challenge, each answer its nonce and milliseconds. With
 * `webcrypto`, the same search with WebCrypto's digest instead (256 in flight), for comparison.
 */
import type { RegistrationChallenge } from '../../protocol/registration-proof.ts';
import { leadingZeroBits, proofInput, solveChallenge } from '../../protocol/registration-work.ts';

async function solveWithWebCrypto({ challenge, bits }: RegistrationChallenge): Promise<number> {
  const encoder = new TextEncoder();
  for (let start = 0; ; start += 256) {
    const digests = await Promise.all(
      Array.from({ length: 256 }, (_, i) =>
        crypto.subtle.digest('SHA-256', encoder.encode(proofInput(challenge, start + i))),
      ),
    );
    const found = digests.findIndex((d) => leadingZeroBits(new Uint8Array(d)) >= bits);
    if (found >= 0) return start + found;
  }
}

self.onmessage = async (e: MessageEvent<RegistrationChallenge & { webcrypto: boolean }>) => {
  const started = performance.now();
  const nonce = e.data.webcrypto ? await solveWithWebCrypto(e.data) : solveChallenge(e.data).nonce;
  self.postMessage({ nonce, ms: performance.now() - started });
};
