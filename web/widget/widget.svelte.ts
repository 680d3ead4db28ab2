/**
 * @module web/widget/widget
 * The widget frame's state: nothing runs until the visitor opts in on this partner's site; then the volunteer
 * client (Contributor) computes under the widget's CPU limit until the visitor stops, which also withdraws the
 * opt-in. Events go to the embedding page only.
 */
import type { EmbedOptions } from '../embed/options.ts';
import type { Contributor } from '../volunteer/contributor.svelte.ts';
import { giveConsent, hasConsent, withdrawConsent } from './consent.ts';
import { parsePartnerRequest, WIDGET_SOURCE, type WidgetEvent } from './messages.ts';

type Outgoing = WidgetEvent extends infer E ? (E extends WidgetEvent ? Omit<E, 'source'> : never) : never;

export class Widget {
  /** The visitor has opted in on this partner's site (and not stopped since). */
  contributing = $state(false);
  contributor = $state.raw<Contributor | null>(null);
  error = $state<string | null>(null);
  private lastCredit: number | null = null;
  private lastUnits = 0;
  readonly partner: string | null;
  readonly options: EmbedOptions;

  constructor(partner: string | null, options: EmbedOptions) {
    this.partner = partner;
    this.options = options;
  }

  /** Resumes when the visitor opted in on this site before; answers the partner's state requests. */
  async boot(): Promise<void> {
    addEventListener('message', this.onMessage);
    const remembered = this.partner !== null && hasConsent(localStorage, this.partner);
    this.post({ type: 'ready', contributing: remembered });
    if (remembered) await this.begin();
  }

  /** The visitor's click on the opt-in button: the only way computing starts. */
  async optIn(): Promise<void> {
    if (this.partner === null) {
      this.error = 'This widget works only inside a partner page; open Terraflop itself to contribute.';
      return;
    }
    giveConsent(localStorage, this.partner);
    await this.begin();
  }

  /** Stops computing at once and withdraws the opt-in for this site. */
  stop(): void {
    if (this.partner !== null) withdrawConsent(localStorage, this.partner);
    const contributor = this.contributor;
    this.contributing = false;
    this.contributor = null;
    contributor?.stop();
    contributor?.dispose();
    this.post({ type: 'stopped' });
  }

  /** Called as the client's figures change; tells the partner page when credit or finished units move. */
  reportProgress(credit: number | null, unitsDone: number): void {
    if (!this.contributing || (credit === this.lastCredit && unitsDone === this.lastUnits)) return;
    this.lastCredit = credit;
    this.lastUnits = unitsDone;
    if (credit !== null) this.post({ type: 'credit', credit, unitsDone });
  }

  private async begin(): Promise<void> {
    this.contributing = true;
    this.error = null;
    let client: typeof import('./client.ts');
    try {
      // The volunteer client loads only after the opt-in, so a visitor who never opts in downloads a few KB.
      client = await import('./client.ts');
      await client.applyWidgetSettings(this.options.cpuLimit);
      await client.ensurePartnerHost(this.partner!);
    } catch (e) {
      this.error = `Could not reach Terraflop: ${e instanceof Error ? e.message : String(e)}`;
      this.contributing = false;
      return;
    }
    if (!this.contributing) return; // stopped meanwhile
    const contributor = new client.Contributor();
    this.contributor = contributor;
    await contributor.init();
    if (this.contributor !== contributor) return contributor.dispose();
    contributor.start();
    this.post({ type: 'started' });
  }

  private readonly onMessage = (event: MessageEvent): void => {
    if (event.source !== parent) return;
    const parsed = parsePartnerRequest(event.data, event.origin, this.partner);
    if (!parsed.ok) {
      console.warn(`Terraflop widget ignored a message: ${parsed.reason}`);
      return;
    }
    const c = this.contributor;
    this.post({ type: 'state', contributing: this.contributing, credit: c?.status?.credit.total ?? null, unitsDone: c?.unitsDone ?? 0 });
  };

  private post(event: Outgoing): void {
    // The target origin is the embedding page's own, so no other page (nor a page navigated in its place) reads it.
    if (this.partner !== null) parent.postMessage({ source: WIDGET_SOURCE, ...event }, this.partner);
  }

  dispose(): void {
    removeEventListener('message', this.onMessage);
    this.contributor?.dispose();
  }
}
