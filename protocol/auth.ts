/**
 * @module protocol/auth
 * How a host proves who it is. A host is a browser profile holding a non-extractable ECDSA P-256 key made by
 * WebCrypto; it registers the public half, and signs every later request: method, path, a timestamp, a nonce and
 * the SHA-256 of the body. The coordinator refuses a signature that does not verify, a timestamp outside its window
 * or a nonce it has seen, so a captured request cannot be replayed. The same code signs in the page and in Node.
 */
import { z } from 'zod';
import { onP256 } from './p256.ts';

export const HEADER = {
  host: 'x-terraflop-host',
  timestamp: 'x-terraflop-timestamp',
  nonce: 'x-terraflop-nonce',
  signature: 'x-terraflop-signature',
} as const;

/** How far a request's timestamp may be from the coordinator's clock. */
export const TIMESTAMP_WINDOW_MS = 5 * 60_000;

export const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const SIGNATURE = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** 32 bytes in base64url, spelled the one way an encoder writes them (the last character's spare bits zero). */
const Coordinate = z
  .string()
  .regex(/^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/, 'must be 32 bytes in base64url, its last 2 bits zero');

/**
 * A P-256 public key as JWK: only the fields that define it, so one key has one spelling, and a point of the curve
 * (an off-curve key would be stored, then fail every request signed for it).
 */
export const PublicKeyJwk = z
  .strictObject({ kty: z.literal('EC'), crv: z.literal('P-256'), x: Coordinate, y: Coordinate })
  .refine((k) => onP256(fromBase64url(k.x), fromBase64url(k.y)), {
    message: 'is not a point on the P-256 curve',
    path: ['y'],
  });
export type PublicKeyJwk = z.infer<typeof PublicKeyJwk>;

export const SignatureHeaders = z.object({
  [HEADER.host]: z.string().regex(/^\d{1,15}$/, 'must be a host id'),
  [HEADER.timestamp]: z.string().regex(/^\d{1,15}$/, 'must be epoch milliseconds'),
  [HEADER.nonce]: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'must be 16 to 64 base64url characters'),
  [HEADER.signature]: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'must be a 64-byte P-256 signature in base64url'),
});

const encoder = new TextEncoder();

export function base64url(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let binary = '';
  for (const b of view) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

export function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The exact bytes a host signs for one request. */
export async function signedBytes(method: string, path: string, timestamp: string, nonce: string, body: string) {
  return signedBytesOfHash(
    method,
    path,
    timestamp,
    nonce,
    base64url(await crypto.subtle.digest('SHA-256', encoder.encode(body))),
  );
}

/** The same, from the body's SHA-256 in base64url (a server may hash synchronously, which is far cheaper). */
export function signedBytesOfHash(method: string, path: string, timestamp: string, nonce: string, bodyHash: string) {
  return encoder.encode([method.toUpperCase(), path, timestamp, nonce, bodyHash].join('\n'));
}

export function newNonce(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(18)));
}

/** The headers that sign one request as host `hostId` with its private key. */
export async function signRequest(
  key: CryptoKey,
  hostId: number,
  method: string,
  path: string,
  body: string,
  now = Date.now(),
): Promise<Record<string, string>> {
  const timestamp = String(now);
  const nonce = newNonce();
  const signature = await crypto.subtle.sign(SIGNATURE, key, await signedBytes(method, path, timestamp, nonce, body));
  return {
    [HEADER.host]: String(hostId),
    [HEADER.timestamp]: timestamp,
    [HEADER.nonce]: nonce,
    [HEADER.signature]: base64url(signature),
  };
}

/** A fresh host key: the private half cannot be exported, even by the page's own code. */
export async function generateHostKey(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(ALGORITHM, false, ['sign', 'verify']);
}

export async function exportPublicKey(key: CryptoKey): Promise<PublicKeyJwk> {
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', key);
  return PublicKeyJwk.parse({ kty, crv, x, y });
}
