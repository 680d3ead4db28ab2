/**
 * @module web/widget/partner-host
 * Prepares the frame's storage before the volunteer client runs: a database of its own for this partner, a host
 * registered with the embedding partner's origin (so its credit counts for the partner), and the widget's light CPU
 * limit on one worker.
 */
import { CoordinatorClient } from '../lib/coordinator-client.ts';
import { settingsFrom } from '../lib/policy/settings.ts';
import { database, useDatabase } from '../lib/storage/db.ts';
import { type HostRegistration, registerHost, storedHost } from '../lib/host-identity.ts';

/** The frame's IndexedDB database for `partner`: never the volunteer page's, never another partner's. */
export const widgetDatabaseName = (partner: string) => `terraflop-widget ${partner}`;

/**
 * Keeps this frame's state in the partner's own database. Chromium partitions a cross-site frame's storage by the
 * top-level site, but not a same-site one (another port or subdomain of the coordinator's site), nor do browsers
 * without partitioning: there the volunteer page's and every partner's widget would otherwise share one host.
 */
export function usePartnerDatabase(partner: string): void {
  useDatabase(widgetDatabaseName(partner));
}

/** What the frame registers its host with: the partner, and a platform line that says it is the widget. */
export function widgetRegistration(partner: string): HostRegistration {
  return { platform: `${navigator.userAgent} (${navigator.hardwareConcurrency} cores, widget)`.slice(0, 256), partner };
}

/** Registers this frame's host with `partner`, unless the partner's database already holds one (an earlier visit). */
export async function ensurePartnerHost(partner: string): Promise<void> {
  if (await storedHost()) return;
  await registerHost(new CoordinatorClient(`${location.origin}/`), widgetRegistration(partner));
}

/** The widget computes on one worker at `cpuLimit` percent; the volunteer's other policies stay as stored. */
export async function applyWidgetSettings(cpuLimit: number): Promise<void> {
  const db = await database();
  const settings = settingsFrom(await db.get('settings', 'preferences'));
  await db.put('settings', { ...settings, cpuLimitPercent: cpuLimit, coresPercent: 1 }, 'preferences');
}
