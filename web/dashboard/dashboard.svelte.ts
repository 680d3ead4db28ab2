/**
 * @module web/dashboard/dashboard.svelte
 * The researcher's dashboard state: the signed-in project, its batches, the selected batch's live progress, the
 * partner sites whose widgets computed for it, and the actions (sign in, submit a batch from a units file, download
 * results). Components only render it.
 */
import type { ProjectAbout } from '../../protocol/about.ts';
import type { AppCatalog } from '../../protocol/app-catalog.ts';
import type { CustomAppVersion } from '../../protocol/custom-app.ts';
import type { ProjectPartners } from '../../protocol/partner.ts';
import type { BatchProgress, Project } from '../../protocol/research.ts';
import { Access } from './access.svelte.ts';
import { explain, keyRefused, parseUnitsFile, ResearchClient } from './research-client.ts';
import { Training } from './training.svelte.ts';

const KEY_STORAGE = 'terraflop.researchKey';

export class Dashboard {
  project = $state<Project | null>(null);
  batches = $state.raw<BatchProgress[]>([]);
  /** Partner sites whose embedded widgets computed this project's units. */
  partners = $state.raw<ProjectPartners['partners']>([]);
  /** The selected batch's latest progress, from its live stream. */
  live = $state.raw<BatchProgress | null>(null);
  selectedId = $state<number | null>(null);
  /** The built-in apps with an example unit each, and the project's own apps. */
  builtInApps = $state.raw<AppCatalog['apps']>([]);
  customApps = $state.raw<CustomAppVersion[]>([]);
  /** Who may use the project (the Access panel); null while signed out. */
  access = $state.raw<Access | null>(null);
  /** The project's training jobs (the Training panel); null while signed out. */
  training = $state.raw<Training | null>(null);
  error = $state<string | null>(null);
  busy = $state(false);
  private client: ResearchClient | null = null;
  private watching: AbortController | null = null;

  /** Signs in again with the key kept for this tab, if any. */
  async resume(): Promise<void> {
    const key = sessionStorage.getItem(KEY_STORAGE);
    if (key) await this.signIn(key);
  }

  async signIn(key: string): Promise<void> {
    await this.act(async () => {
      const client = new ResearchClient(key.trim());
      this.project = await client.project();
      this.client = client;
      this.access = new Access(client, (reason) => this.signOut(reason));
      this.training = new Training(client);
      void this.training.load();
      sessionStorage.setItem(KEY_STORAGE, key.trim());
      await this.refresh();
    });
  }

  /** Signs out; `reason`, when given, is shown as why. */
  signOut(reason: string | null = null): void {
    this.stopWatching();
    this.error = reason;
    this.access = null;
    this.training?.stop();
    this.training = null;
    sessionStorage.removeItem(KEY_STORAGE);
    this.client = null;
    this.project = null;
    this.batches = [];
    this.partners = [];
    this.selectedId = null;
  }

  async refresh(): Promise<void> {
    if (!this.client) return;
    [this.batches, this.partners, this.builtInApps, this.customApps] = await Promise.all([
      this.client.batches(),
      this.client.partners(),
      this.client.builtInApps(),
      this.client.apps(),
    ]);
  }

  /** Fetches the batches and partner figures again, showing a failure as the dashboard's error. */
  async reload(): Promise<void> {
    await this.act(() => this.refresh());
  }

  /** Submits a batch from a units file; true when it was stored (the form then clears). */
  async submit(name: string, file: File): Promise<boolean> {
    return this.act(async () => {
      const units = parseUnitsFile(await file.text()) as Parameters<ResearchClient['submit']>[0]['units'];
      const { batchId } = await this.client!.submit({ name, units });
      await this.refresh();
      this.select(batchId);
    });
  }

  /** Sets what volunteers read about the project; true when saved. */
  async setAbout(about: ProjectAbout): Promise<boolean> {
    return this.act(async () => {
      this.project = await this.client!.setAbout(about);
    });
  }

  select(batchId: number): void {
    this.stopWatching();
    this.selectedId = batchId;
    this.live = this.batches.find((b) => b.batchId === batchId) ?? null;
    const controller = new AbortController();
    this.watching = controller;
    this.client!.watch(
      batchId,
      (p) => {
        this.live = p;
        this.batches = this.batches.map((b) => (b.batchId === p.batchId ? p : b));
      },
      controller.signal,
    ).catch((e: unknown) => {
      if (!controller.signal.aborted) this.error = `live progress stopped: ${explain(e)}`;
    });
  }

  /** Cancels the selected batch's undecided units; the live stream shows them failed. */
  async cancelSelected(): Promise<void> {
    const id = this.selectedId;
    if (id !== null && this.client) await this.act(async () => void (await this.client!.cancel(id)));
  }

  /** The selected batch's canonical results so far, as a file to save. */
  async resultsFile(): Promise<{ blob: Blob; name: string } | undefined> {
    const id = this.selectedId;
    if (id === null || !this.client) return undefined;
    let blob: Blob | undefined;
    await this.act(async () => {
      blob = await this.client!.results(id);
    });
    return blob && { blob, name: `batch-${id}-results.jsonl` };
  }

  private stopWatching(): void {
    this.watching?.abort();
    this.watching = null;
    this.live = null;
  }

  /** Runs an action, showing its failure as the dashboard's error; true when it succeeded. */
  private async act(fn: () => Promise<void>): Promise<boolean> {
    this.busy = true;
    this.error = null;
    try {
      await fn();
      return true;
    } catch (e) {
      // Signed in, and the key stopped working (revoked from another dashboard): nothing else will work either.
      if (this.client && keyRefused(e)) this.signOut(`the coordinator no longer accepts this key: ${e.message}`);
      else this.error = explain(e);
      return false;
    } finally {
      this.busy = false;
    }
  }
}
