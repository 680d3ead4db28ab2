/**
 * @module web/widget/consent
 * The visitor's opt-in, remembered per partner origin in the frame's own storage (the coordinator's origin, which
 * the partner page cannot read), and withdrawn in one call.
 */

import { BaseError } from '../../protocol/base-error.ts';

const KEY = 'terraflop.widget.consent.v1';

/** Where the choices live: the frame's localStorage, or any Storage. */
export type ConsentStorage = Pick<Storage, 'getItem' | 'setItem'>;

/** The browser gives this embedded frame no storage: it cannot remember the visitor's choice nor keep results. */
export class StorageBlockedError extends BaseError {
  override name = 'StorageBlockedError' as const;
  constructor(cause: unknown) {
    super('this browser lets no site embedded in another page keep data, so the widget cannot run here', { cause });
  }
}

/**
 * The frame's localStorage, or a StorageBlockedError where the browser denies an embedded cross-site frame any
 * storage (third-party storage blocked, or partitioning turned off, as Playwright's Chromium has it): reading the
 * property then throws, and what it threw is the cause.
 */
export function frameStorage(win: Pick<Window, 'localStorage'> = window): Storage | StorageBlockedError {
  try {
    const storage = win.localStorage;
    storage.getItem(KEY);
    return storage;
  } catch (cause) {
    return new StorageBlockedError(cause);
  }
}

function read(storage: ConsentStorage): Record<string, number> {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(KEY) ?? '{}');
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, number>)
      : {};
  } catch {
    return {}; // unreadable: treated as no consent, the safe side
  }
}

export function hasConsent(storage: ConsentStorage, partner: string): boolean {
  return typeof read(storage)[partner] === 'number';
}

export function giveConsent(storage: ConsentStorage, partner: string, now = Date.now()): void {
  storage.setItem(KEY, JSON.stringify({ ...read(storage), [partner]: now }));
}

export function withdrawConsent(storage: ConsentStorage, partner: string): void {
  const choices = read(storage);
  delete choices[partner];
  storage.setItem(KEY, JSON.stringify(choices));
}
