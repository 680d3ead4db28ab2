/**
 * @module server/store/replica-tokens
 * A replica's token (protocol/work.ts ReplicaToken) is its number enciphered: AES-128 of one block, the replica's id
 * in its first 8 bytes and zeros in the last 8, under a key the coordinators share (coordinator_secrets). AES is a
 * pseudo-random permutation, so to a host without the key a token is as random as 128 drawn bits: it says nothing
 * of the replica's unit, its siblings, its order or whether it went out alone (issue 17, item 2). Unlike drawn
 * tokens it needs no column and no index: a drawn token had to be kept in a unique index on `replicas`, whose
 * random keys made each replica sent write a page of its own (about 30 µs of CPU per replica and most of a commit's
 * log in bench/coordinator.ts). Deciphering finds the replica by its primary key; a token that was not made with the
 * key deciphers to nonzero padding (a chance of 2^-64) and names no replica.
 */
import { createCipheriv, createDecipheriv, type Cipheriv, type Decipheriv } from 'node:crypto';
import { REPLICA_TOKEN_BYTES } from '../../protocol/work.ts';

/** The coordinator secret (coordinator_secrets.name) that holds the key, in base64url. */
export const REPLICA_TOKEN_SECRET = 'replica-tokens';
/** Bytes of key: AES-128. */
export const REPLICA_TOKEN_KEY_BYTES = 16;

export class ReplicaTokens {
  // ECB over exactly one block per call, never finalised: each update enciphers its block alone, with no state
  // carried between calls, so one cipher serves every token without the cost of making one each time.
  private readonly cipher: Cipheriv;
  private readonly decipher: Decipheriv;

  constructor(key: Uint8Array) {
    if (key.length !== REPLICA_TOKEN_KEY_BYTES) {
      throw new RangeError(`a replica token key is ${REPLICA_TOKEN_KEY_BYTES} bytes, not ${key.length}`);
    }
    this.cipher = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
    this.decipher = createDecipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  }

  /** The token of the replica numbered `id`. */
  tokenOf(id: number): string {
    const block = Buffer.alloc(REPLICA_TOKEN_BYTES);
    block.writeBigUInt64BE(BigInt(id), 0);
    return this.cipher.update(block).toString('base64url');
  }

  /** The replica a token names, or undefined when it was not made with this key (or is not a token at all). */
  idOf(token: string): number | undefined {
    const bytes = Buffer.from(token, 'base64url');
    if (bytes.length !== REPLICA_TOKEN_BYTES || bytes.toString('base64url') !== token) return undefined;
    const block = this.decipher.update(bytes);
    if (block.readBigUInt64BE(8) !== 0n) return undefined;
    const id = block.readBigUInt64BE(0);
    return id > 0n && id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id) : undefined;
  }
}
