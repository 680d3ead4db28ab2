/**
 * @module e2e/support/idb
 * Reads the page's IndexedDB as the page itself would, for specs that check what was persisted.
 */
import type { Page } from '@playwright/test';

/** Every value in one object store of the page's "terraflop" database. */
export function storeValues(page: Page, store: string): Promise<unknown[]> {
  return page.evaluate(
    (name) =>
      new Promise<unknown[]>((resolve, reject) => {
        const open = indexedDB.open('terraflop');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains(name)) return resolve([]);
          const request = db.transaction(name).objectStore(name).getAll();
          request.onsuccess = () => {
            db.close();
            resolve(request.result);
          };
          request.onerror = () => reject(request.error);
        };
      }),
    store,
  );
}

/**
 * GET a host endpoint as the page's own host: in the page, sign the request with the host's private key from
 * IndexedDB, exactly as protocol/auth.ts does (the key cannot leave the page: it is not extractable).
 */
export function getAsHost(page: Page, path: string): Promise<unknown> {
  return page.evaluate(async (p) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('terraflop');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const stored = await new Promise<{ identity: { hostId: number }; privateKey: CryptoKey }>((resolve, reject) => {
      const request = db.transaction('identity').objectStore('identity').get('host');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    db.close();
    const b64 = (bytes: ArrayBuffer) =>
      btoa(String.fromCharCode(...new Uint8Array(bytes)))
        .replaceAll('+', '-')
        .replaceAll('/', '_')
        .replace(/=+$/, '');
    const timestamp = String(Date.now());
    const nonce = b64(crypto.getRandomValues(new Uint8Array(18)).buffer);
    const bodyHash = b64(await crypto.subtle.digest('SHA-256', new TextEncoder().encode('')));
    const bytes = new TextEncoder().encode(['GET', p, timestamp, nonce, bodyHash].join('\n'));
    const signature = b64(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, stored.privateKey, bytes));
    const res = await fetch(p, {
      headers: {
        'x-terraflop-host': String(stored.identity.hostId),
        'x-terraflop-timestamp': timestamp,
        'x-terraflop-nonce': nonce,
        'x-terraflop-signature': signature,
      },
    });
    return res.json();
  }, path);
}
