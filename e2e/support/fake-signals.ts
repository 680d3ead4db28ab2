/**
 * @module e2e/support/fake-signals
 * Emulated device signals for the policy specs, installed before the page's scripts run: a battery (headless
 * Chromium's getBattery() is a stub that is always full and charging), page visibility, and a PressureObserver.
 * The spec drives them through window.__signals.
 */
import type { Page } from '@playwright/test';

export interface FakeSignals {
  battery(state: { charging: boolean; level: number }): Promise<void>;
  hidden(hidden: boolean): Promise<void>;
  pressure(state: 'nominal' | 'fair' | 'serious' | 'critical'): Promise<void>;
}

function install(options: { saveData: boolean; cores: number }) {
  const battery = Object.assign(new EventTarget(), { charging: true, level: 1 });
  Object.defineProperty(navigator, 'getBattery', { value: () => Promise.resolve(battery) });
  let hidden = false;
  Object.defineProperty(document, 'visibilityState', { get: () => (hidden ? 'hidden' : 'visible') });
  Object.defineProperty(document, 'hidden', { get: () => hidden });
  const observers: ((records: { state: string }[]) => void)[] = [];
  class FakePressureObserver {
    callback: (records: { state: string }[]) => void;
    constructor(callback: (records: { state: string }[]) => void) {
      this.callback = callback;
    }
    observe() {
      observers.push(this.callback);
      return Promise.resolve();
    }
    disconnect() {}
  }
  Object.defineProperty(window, 'PressureObserver', { value: FakePressureObserver });
  if (options.saveData) Object.defineProperty(navigator, 'connection', { value: { saveData: true } });
  Object.defineProperty(navigator, 'hardwareConcurrency', { value: options.cores });
  Object.assign(window, {
    __signals: {
      battery(state: { charging: boolean; level: number }) {
        const was = battery.charging;
        Object.assign(battery, state);
        battery.dispatchEvent(new Event(was === state.charging ? 'levelchange' : 'chargingchange'));
      },
      hidden(value: boolean) {
        hidden = value;
        document.dispatchEvent(new Event('visibilitychange'));
      },
      pressure(state: string) {
        for (const callback of observers) callback([{ state }]);
      },
    },
  });
}

type Driver = { __signals: Record<string, (arg: unknown) => void> };

export async function fakeSignals(
  page: Page,
  options: { saveData?: boolean; cores?: number } = {},
): Promise<FakeSignals> {
  await page.addInitScript(install, { saveData: options.saveData ?? false, cores: options.cores ?? 2 });
  const call = (name: string, arg: unknown) =>
    page.evaluate(([n, a]) => (window as unknown as Driver).__signals[n as string]!(a), [name, arg] as const);
  return {
    battery: (state) => call('battery', state),
    hidden: (value) => call('hidden', value),
    pressure: (state) => call('pressure', state),
  };
}
