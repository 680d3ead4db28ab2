/**
 * @module web/lib/app-update
 * The service worker's page side (workbox-window): registers it, so the app shell and the kernel code are cached
 * and the page opens and computes offline, and offers a new version when one is waiting. The update is applied only
 * when the volunteer accepts it, never forced in the middle of a unit.
 */
import { Workbox } from 'workbox-window';

export class AppUpdate {
  /** A new version is installed and waits for the volunteer's go-ahead. */
  waiting = $state(false);
  /** The app shell is cached: the page will open offline. */
  offlineReady = $state(false);
  private workbox: Workbox | undefined;

  register(url = '/sw.js'): void {
    if (!('serviceWorker' in navigator) || !import.meta.env.PROD) return;
    const workbox = new Workbox(url);
    workbox.addEventListener('waiting', () => (this.waiting = true));
    workbox.addEventListener('activated', (e) => {
      if (!e.isUpdate) this.offlineReady = true;
    });
    // Reload once the new version controls the page, and only after the volunteer asked for it (apply()).
    workbox.addEventListener('controlling', (e) => {
      if (e.isUpdate) location.reload();
    });
    void workbox.register().then(() => navigator.serviceWorker.ready).then(() => (this.offlineReady = true));
    this.workbox = workbox;
  }

  /** Switches to the waiting version; the page reloads, and a unit in progress resumes from its checkpoint. */
  apply(): void {
    this.workbox?.messageSkipWaiting();
  }
}
