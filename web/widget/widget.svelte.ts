/**
 * @module web/widget/widget
 * The widget frame's state: nothing runs until the visitor opts in on this partner's site; then the volunteer
 * client (Contributor) computes under the widget's CPU limit until the visitor stops, which also withdraws the
 * opt-in. Events go to the embedding page only, its errors among them (protocol/widget.ts).
 */
import type { ProjectInfo } from '../../protocol/about.ts';
import { projectInReply } from './project-about.ts';
import { MAX_WIDGET_HEIGHT } from '../../protocol/widget-check.ts';
import type { EmbedOptions } from '../embed/options.ts';
import type { Contributor } from '../volunteer/contributor.svelte.ts';
import { BaseError } from '../../protocol/base-error.ts';
import {
  frameStorage,
  giveConsent,
  hasConsent,
  StorageBlockedError,
  withdrawConsent,
  type ConsentStorage,
} from './consent.ts';
import { postErrorToPartner, postToPartner, type Outgoing } from './messages.ts';
import { VisibilityGate } from './visibility-gate.svelte.ts';

/** The widget could not start computing: the coordinator refused or could not be reached (the cause says which). */
export class WidgetStartError extends BaseError {
  override name = 'WidgetStartError' as const;
}

export class Widget {
  /** The visitor has opted in on this partner's site (and not stopped since). */
  contributing = $state(false);
  contributor = $state.raw<Contributor | null>(null);
  error = $state<string | null>(null);
  /** The browser gives this embedded frame no storage, so it cannot remember a choice or keep results. */
  storageBlocked = $state(false);
  /** The project the page names, as volunteers are told about it; null until read (or for an unknown one). */
  about = $state.raw<ProjectInfo | null>(null);
  /** Whether the description's request has settled (read, refused or failed): until then its line is kept empty. */
  aboutSettled = $state(false);
  /** Opens once the opt-in button has been plainly visible for a moment (clickjacking defence). */
  readonly gate = new VisibilityGate();
  private lastCredit: number | null = null;
  private lastHeight = 0;
  private lastUnits = 0;
  private lastFault: unknown = null;
  readonly partner: string | null;
  readonly options: EmbedOptions;

  constructor(partner: string | null, options: EmbedOptions) {
    this.partner = partner;
    this.options = options;
  }

  /** Resumes when the visitor opted in on this site before; answers the partner's state requests. */
  async boot(): Promise<void> {
    addEventListener('message', this.onMessage);
    void this.loadAbout();
    const storage = frameStorage();
    this.storageBlocked = storage instanceof StorageBlockedError;
    const remembered = !this.storageBlocked && this.partner !== null && hasConsent(storage as Storage, this.partner);
    this.post({ type: 'ready', contributing: remembered });
    if (storage instanceof StorageBlockedError) this.postError(storage);
    if (remembered) await this.begin();
  }

  /** The visitor's click on the opt-in button: the only way computing starts. */
  async optIn(): Promise<void> {
    if (!this.gate.open) {
      // Covered, see-through, moved or just shown: the click may not have been meant for this button.
      this.error =
        'Not started: the button works once this widget has been fully in view, neither covered nor faded, ' +
        'for a moment. Press it again.';
      return;
    }
    if (this.partner === null) {
      this.error = 'This widget works only inside a partner page; open Terraflop itself to contribute.';
      return;
    }
    const storage = this.storage();
    if (!storage) return;
    giveConsent(storage, this.partner);
    await this.begin();
  }

  /** Stops computing at once and withdraws the opt-in for this site. */
  stop(): void {
    const storage = this.storage();
    if (storage && this.partner !== null) withdrawConsent(storage, this.partner);
    const contributor = this.contributor;
    this.contributing = false;
    this.contributor = null;
    contributor?.stop();
    contributor?.dispose();
    this.post({ type: 'stopped' });
  }

  /** Reads what the project is, to name it and what it computes; without it the widget shows the short name. */
  private async loadAbout(): Promise<void> {
    try {
      const res = await fetch('/api/public/about');
      if (!res.ok) return;
      this.about = projectInReply(await res.json(), this.options.project);
    } catch {
      // Offline or an older coordinator: the short name stands in.
    } finally {
      this.aboutSettled = true;
    }
  }

  /** The frame's content changed height: tells the loader, which sizes the iframe to fit. */
  reportSize(height: number): void {
    const rounded = Math.min(MAX_WIDGET_HEIGHT, Math.ceil(height));
    if (rounded < 1 || rounded === this.lastHeight) return;
    this.lastHeight = rounded;
    this.post({ type: 'size', height: rounded });
  }

  /** Called as the client's figures change; tells the partner page when credit or finished units move. */
  reportProgress(credit: number | null, unitsDone: number): void {
    if (!this.contributing || (credit === this.lastCredit && unitsDone === this.lastUnits)) return;
    this.lastCredit = credit;
    this.lastUnits = unitsDone;
    if (credit !== null) this.post({ type: 'credit', credit, unitsDone });
  }

  /** Called with the client's last error (its status board's fault): each new one goes to the partner page. */
  reportFault(fault: unknown): void {
    if (!this.contributing || fault === null || fault === this.lastFault) return;
    this.lastFault = fault;
    this.postError(fault);
  }

  private async begin(): Promise<void> {
    this.contributing = true;
    this.error = null;
    let client: typeof import('./client.ts');
    try {
      // The volunteer client loads only after the opt-in, so a visitor who never opts in downloads a few KB.
      client = await loadClient();
      client.usePartnerDatabase(this.partner!);
      await client.applyWidgetSettings(this.options.cpuLimit);
      await client.ensurePartnerHost(this.partner!);
    } catch (e) {
      this.error = `Could not reach Terraflop: ${e instanceof Error ? e.message : String(e)}`;
      this.contributing = false;
      this.postError(new WidgetStartError('the widget could not start computing', { cause: e }));
      return;
    }
    if (!this.contributing) return; // stopped meanwhile
    // Only the project the partner's page names: that is what the visitor agreed to compute for.
    const registration = client.widgetRegistration(this.partner!);
    const contributor = new client.Contributor({ project: this.options.project, registration });
    this.contributor = contributor;
    await contributor.init();
    if (this.contributor !== contributor) return contributor.dispose();
    contributor.start();
    this.post({ type: 'started' });
  }

  private storage(): ConsentStorage | null {
    const storage = frameStorage();
    this.storageBlocked = storage instanceof StorageBlockedError;
    return storage instanceof StorageBlockedError ? null : storage;
  }

  private readonly onMessage = async (event: MessageEvent): Promise<void> => {
    if (event.source !== parent) return;
    // The schema (and zod) load with the first message: a frame no partner asks anything never downloads them.
    const { parsePartnerRequest } = await import('./partner-request.ts');
    const parsed = parsePartnerRequest(event.data, event.origin, this.partner);
    if (!parsed.ok) {
      console.warn(`Terraflop widget ignored a message: ${parsed.reason}`);
      return;
    }
    const c = this.contributor;
    this.post({
      type: 'state',
      contributing: this.contributing,
      credit: c?.status?.credit.total ?? null,
      unitsDone: c?.unitsDone ?? 0,
    });
  };

  private post(event: Outgoing): void {
    if (this.partner !== null) postToPartner(this.partner, event);
  }

  private postError(error: unknown): void {
    if (this.partner !== null) postErrorToPartner(this.partner, error);
  }

  dispose(): void {
    removeEventListener('message', this.onMessage);
    this.contributor?.dispose();
  }
}

/**
 * The volunteer client, loaded in steps. Its modules build the protocol's schemas as they are evaluated: 22–45 ms
 * of CPU in one task when imported at once (2 EPYC cores, idle to loaded; a phone's core is slower), and a same-site
 * frame runs that task on its partner page's main thread. Each dynamic import is evaluated in a task of its own, so
 * the page's own work runs between the steps (measured: no step above 10 ms).
 */
async function loadClient(): Promise<typeof import('./client.ts')> {
  await import('../../protocol/errors.ts');
  await import('../../protocol/training.ts');
  await import('../../protocol/apps.ts');
  await import('../../protocol/work.ts');
  await import('../lib/coordinator-client.ts');
  return import('./client.ts');
}
