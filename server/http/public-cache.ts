/**
 * @module server/http/public-cache
 * What anyone may read without logging in, computed at most once every few seconds however many ask: a request
 * gets the last figures while they are fresh, waits for the one refresh in flight when they are not (or gets the
 * stale figures, if there are any, while it runs), and never starts a computation of its own. A flood of status
 * requests then costs the store one query set per interval, not one per request.
 */

/** How long the public figures are served before they are computed again, by default. */
export const PUBLIC_CACHE_MS = 5000;

/**
 * A value recomputed at most once per `maxAgeMs`; `maxAgeMs` 0 computes on every get (tests that read their own
 * writes at once).
 * @example const status = new Refreshed(5000, () => research.publicStatus(Date.now())); await status.get();
 */
export class Refreshed<T> {
  private value: { at: number; value: T } | undefined;
  private inFlight: Promise<T> | undefined;
  private readonly maxAgeMs: number;
  private readonly compute: () => Promise<T>;
  private readonly now: () => number;

  constructor(maxAgeMs: number, compute: () => Promise<T>, now: () => number = Date.now) {
    this.maxAgeMs = maxAgeMs;
    this.compute = compute;
    this.now = now;
  }

  get(): Promise<T> {
    if (this.maxAgeMs <= 0) return this.compute();
    const fresh = this.value && this.now() - this.value.at < this.maxAgeMs;
    if (fresh) return Promise.resolve(this.value!.value);
    const refresh = this.refresh();
    // Stale figures now rather than a wait, once there are any: the refresh replaces them for the next request.
    return this.value ? Promise.resolve(this.value.value) : refresh;
  }

  private refresh(): Promise<T> {
    this.inFlight ??= this.compute()
      .then((value) => {
        this.value = { at: this.now(), value };
        return value;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    // A failed refresh is the waiting request's error; one that serves stale figures must not leave it unhandled.
    this.inFlight.catch(() => {});
    return this.inFlight;
  }
}
