/**
 * @module web/lib/app-update
 * The service worker's page side (workbox-window): registers it (after the page's load event, as Workbox does by
 * default), so the app shell and the kernel code are cached and the page opens and computes offline, and offers a
 * new version when one is waiting. The update is applied only when the volunteer accepts it in this tab, never
 * forced in the middle of a unit.
 */
import { Workbox } from 'workbox-window';

/** How long an accepted update may take to take over before the page reloads anyway (see apply()). */
const TAKEOVER_MS = 3_000;

export class AppUpdate {
  /** A new version is installed and waits for the volunteer's go-ahead. */
  waiting = $state(false);
  /** The app shell is cached: the page will open offline. */
  offlineReady = $state(false);
  private workbox: Workbox | undefined;
  /** The volunteer accepted the update here: the page reloads once the new version is active. */
  private accepted = false;
  /** Another tab accepted it: the new version already serves this page, and only the reload is left to do. */
  private takenOver = false;

  register(url = '/sw.js'): void {
    if (!('serviceWorker' in navigator) || !import.meta.env.PROD) return;
    const workbox = new Workbox(url);
    workbox.addEventListener('waiting', () => (this.waiting = true));
    workbox.addEventListener('activated', (e) => {
      if (!e.isUpdate) this.offlineReady = true;
      // A page no version controls (the first visit: the service worker claims no page) sees no controller change;
      // the new version's activation is the cue.
      if (this.accepted && !navigator.serviceWorker.controller) location.reload();
    });
    workbox.addEventListener('controlling', (e) => {
      if (!e.isUpdate) return;
      if (this.accepted) location.reload();
      else {
        // Accepted in another tab: this one may be computing, so it keeps running and offers the reload instead.
        this.takenOver = true;
        this.waiting = true;
      }
    });
    void workbox
      .register()
      .then(() => navigator.serviceWorker.ready)
      .then(() => (this.offlineReady = true));
    this.workbox = workbox;
  }

  /** Switches to the new version; the page reloads, and a unit in progress resumes from its checkpoint. */
  apply(): void {
    this.accepted = true;
    if (this.takenOver) {
      location.reload();
      return;
    }
    this.workbox?.messageSkipWaiting();
    // Chromium may leave the new version parked in "waiting" when a request reaches the old one just as it hands
    // over; a page unloading makes it try again. So if the new version has not taken over soon, reload anyway.
    setTimeout(() => location.reload(), TAKEOVER_MS);
  }
}
