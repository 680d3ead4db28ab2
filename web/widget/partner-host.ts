/**
 * @module web/widget/partner-host
 * Prepares the frame's storage before the volunteer client runs: registers its host with the embedding partner's
 * origin (so its credit counts for the partner) and sets the widget's light CPU limit on one worker.
 */
import { CoordinatorClient } from '../lib/coordinator-client.ts';
import { settingsFrom } from '../lib/policy/settings.ts';
import { database } from '../lib/storage/db.ts';
import { registerHost, storedHost } from '../lib/host-identity.ts';

/**
 * Registers this frame's host with `partner`, unless the frame's storage already holds a host (registered on an
 * earlier visit). Browsers partition a cross-site frame's storage by the top-level site, so each partner site gets
 * its own host.
 */
export async function ensurePartnerHost(partner: string): Promise<void> {
  if (await storedHost()) return;
  const platform = `${navigator.userAgent} (${navigator.hardwareConcurrency} cores, widget)`.slice(0, 256);
  await registerHost(new CoordinatorClient(location.origin + '/'), { platform, partner });
}

/** The widget computes on one worker at `cpuLimit` percent; the volunteer's other policies stay as stored. */
export async function applyWidgetSettings(cpuLimit: number): Promise<void> {
  const db = await database();
  const settings = settingsFrom(await db.get('settings', 'preferences'));
  await db.put('settings', { ...settings, cpuLimitPercent: cpuLimit, coresPercent: 1 }, 'preferences');
}
