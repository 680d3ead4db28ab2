import { describe, expect, test } from 'vitest';
import { frameStorage, giveConsent, hasConsent, StorageBlockedError, withdrawConsent } from './consent.ts';

/** A Storage stand-in: consent.ts needs getItem and setItem only. */
function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => void items.set(k, v),
  } as Storage;
}

describe('consent', () => {
  test('default: remembered per partner origin, withdrawn for that partner only', () => {
    const storage = memoryStorage();
    giveConsent(storage, 'https://a.example', 1);
    giveConsent(storage, 'https://b.example', 2);
    withdrawConsent(storage, 'https://a.example');
    expect([hasConsent(storage, 'https://a.example'), hasConsent(storage, 'https://b.example')]).toEqual([false, true]);
  });

  test(
    'error: a browser that denies the embedded frame storage gives no storage, ' + 'so nothing is remembered or run',
    () => {
      const denied = {
        get localStorage(): Storage {
          throw new DOMException(
            "Failed to read the 'localStorage' property from 'Window': Access is denied",
            'SecurityError',
          );
        },
      };
      const blocked = frameStorage(denied);
      expect(blocked).toBeInstanceOf(StorageBlockedError);
      expect((blocked as StorageBlockedError).cause).toMatchObject({ name: 'SecurityError' });
      const storage = memoryStorage();
      expect(frameStorage({ localStorage: storage })).toBe(storage);
    },
  );
});
