/**
 * @module web/dashboard/access.svelte
 * The Access panel's state: the project's researchers and their API keys, a key just made (kept only until
 * dismissed, since the coordinator never shows it again), and the actions: make a key, add a researcher, revoke a
 * key. Revoking the key this dashboard signed in with, or its being refused, ends the session, through `signOut`.
 */
import type { ResearcherAccount } from '../../protocol/research-access.ts';
import { explain, keyRefused, type ResearchClient } from './research-client.ts';

/** A key just made, shown once. */
export interface FreshKey {
  /** Whose key it is, e.g. "New key" or "Bob's first key". */
  label: string;
  apiKey: string;
  copied: boolean;
}

export class Access {
  researchers = $state.raw<ResearcherAccount[]>([]);
  fresh = $state.raw<FreshKey | null>(null);
  error = $state<string | null>(null);
  busy = $state(false);
  private readonly client: ResearchClient;
  private readonly signOut: (reason: string) => void;

  constructor(client: ResearchClient, signOut: (reason: string) => void) {
    this.client = client;
    this.signOut = signOut;
  }

  async load(): Promise<void> {
    await this.act(async () => {
      this.researchers = await this.client.researchers();
    });
  }

  /** Makes another key for the signed-in researcher, to switch to before revoking the old one. */
  async createKey(): Promise<void> {
    await this.act(async () => {
      const made = await this.client.createKey();
      this.fresh = { label: 'New key', apiKey: made.apiKey, copied: false };
      this.researchers = await this.client.researchers();
    });
  }

  /** Adds a researcher and shows their first key; true when added. */
  async addResearcher(name: string): Promise<boolean> {
    return this.act(async () => {
      const made = await this.client.addResearcher({ name });
      this.fresh = { label: `${name.trim()}'s first key`, apiKey: made.apiKey, copied: false };
      this.researchers = await this.client.researchers();
    });
  }

  async revoke(keyId: number): Promise<void> {
    const own = this.researchers.some((r) => r.keys.some((k) => k.keyId === keyId && k.current));
    await this.act(async () => {
      await this.client.revokeKey(keyId);
      if (own) return this.signOut('you revoked the key this dashboard signed in with: sign in with another key');
      this.researchers = await this.client.researchers();
    });
  }

  async copy(): Promise<void> {
    const fresh = this.fresh;
    if (!fresh) return;
    await this.act(async () => {
      await navigator.clipboard.writeText(fresh.apiKey);
      this.fresh = { ...fresh, copied: true };
    });
  }

  /** Forgets the key just made: once dismissed it cannot be shown again. */
  dismiss(): void {
    this.fresh = null;
  }

  /** Runs an action, showing its failure as the panel's error; true when it succeeded. */
  private async act(fn: () => Promise<void>): Promise<boolean> {
    this.busy = true;
    this.error = null;
    try {
      await fn();
      return true;
    } catch (e) {
      if (keyRefused(e)) this.signOut(`the coordinator no longer accepts this key: ${e.message}`);
      else this.error = explain(e);
      return false;
    } finally {
      this.busy = false;
    }
  }
}
