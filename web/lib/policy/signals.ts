/**
 * @module web/lib/policy/signals
 * What the page can observe about the device, for the policy rules: battery (Battery Status API), input and
 * visibility, system pressure (Compute Pressure API), the clock, and Save-Data. Each source is optional; where the
 * browser lacks one the rule it feeds lets computing run. Every change calls back at once, so a pause happens
 * within a second of unplugging, input or pressure.
 */
import type { PressureState, Signals } from './rules.ts';

interface BatteryManagerLike extends EventTarget {
  charging: boolean;
  level: number;
}
interface PressureRecordLike {
  state: PressureState;
}
interface PressureObserverLike {
  observe(source: 'cpu'): Promise<void>;
  disconnect(): void;
}
type PressureObserverCtor = new (callback: (records: PressureRecordLike[]) => void) => PressureObserverLike;

const INPUT_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart'] as const;

export class SignalWatcher {
  private battery: BatteryManagerLike | null = null;
  private pressure: PressureState | null = null;
  private lastInputAt = Date.now();
  private observer: PressureObserverLike | undefined;
  private readonly onChange: () => void;
  private readonly cleanups: (() => void)[] = [];

  constructor(onChange: () => void) {
    this.onChange = onChange;
  }

  async start(): Promise<void> {
    const input = () => {
      this.lastInputAt = Date.now();
      this.onChange();
    };
    for (const type of INPUT_EVENTS) this.listen(window, type, input);
    this.listen(document, 'visibilitychange', this.onChange);
    const nav = navigator as Navigator & { getBattery?: () => Promise<BatteryManagerLike> };
    if (nav.getBattery) {
      try {
        this.battery = await nav.getBattery();
        this.listen(this.battery, 'chargingchange', this.onChange);
        this.listen(this.battery, 'levelchange', this.onChange);
      } catch {
        this.battery = null; // e.g. blocked by a permissions policy: no battery rule
      }
    }
    const Observer = (globalThis as { PressureObserver?: PressureObserverCtor }).PressureObserver;
    if (Observer) {
      this.observer = new Observer((records) => {
        const last = records.at(-1);
        if (last) this.pressure = last.state;
        this.onChange();
      });
      await this.observer.observe('cpu').catch(() => undefined);
    }
  }

  private listen(target: EventTarget, type: string, handler: () => void): void {
    target.addEventListener(type, handler, { passive: true });
    this.cleanups.push(() => target.removeEventListener(type, handler));
  }

  snapshot(): Signals {
    const now = Date.now();
    return {
      battery: this.battery && { charging: this.battery.charging, level: this.battery.level },
      lastInputAt: this.lastInputAt,
      hidden: document.visibilityState === 'hidden',
      pressure: this.pressure,
      now,
      hour: new Date(now).getHours(),
    };
  }

  stop(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.observer?.disconnect();
  }
}

/** Whether the volunteer asked browsers to save data (the Save-Data hint). */
export function saveData(): boolean {
  return (navigator as Navigator & { connection?: { saveData?: boolean } }).connection?.saveData === true;
}
