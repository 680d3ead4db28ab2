/**
 * @module web/design/clock
 * One shared, reactive "now" for relative times and countdowns: it ticks once a second while something on the page
 * reads it, and not at all otherwise.
 */
import { createSubscriber } from 'svelte/reactivity';

let subscribers = 0;
let timer: ReturnType<typeof setInterval> | undefined;
const listeners = new Set<() => void>();

const subscribe = createSubscriber((update) => {
  listeners.add(update);
  subscribers++;
  timer ??= setInterval(() => {
    for (const l of listeners) l();
  }, 1000);
  return () => {
    listeners.delete(update);
    if (--subscribers === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
});

/** Date.now(), re-read by effects and templates once a second. */
export function now(): number {
  subscribe();
  return Date.now();
}
