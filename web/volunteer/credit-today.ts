/**
 * @module web/volunteer/credit-today
 * Credit earned today: the host's total now less its total at the first status of this local day, both kept in
 * IndexedDB so that a reload during the day keeps the count.
 */
import { readCounter, writeCounter } from '../lib/storage/outbox.ts';

/** The local day as a number (yyyymmdd), so that a new day starts a new count. */
export function dayNumber(date: Date): number {
  return date.getFullYear() * 10_000 + (date.getMonth() + 1) * 100 + date.getDate();
}

export class CreditToday {
  private day: number | undefined;
  private start: number | undefined;

  async update(total: number, now: Date): Promise<number> {
    const today = dayNumber(now);
    if (this.day === undefined) {
      this.day = await readCounter('creditDay');
      this.start = await readCounter('creditDayStart');
    }
    if (this.day !== today || this.start === undefined || this.start > total) {
      this.day = today;
      this.start = total;
      await writeCounter('creditDay', today);
      await writeCounter('creditDayStart', total);
    }
    return total - this.start;
  }
}
