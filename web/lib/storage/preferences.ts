/**
 * @module web/lib/storage/preferences
 * The volunteer's settings and whether they chose to contribute, kept in IndexedDB so that a reload (or the
 * installed app opening offline) carries on as they left it.
 */
import { settingsFrom, type Settings } from '../policy/settings.ts';
import { database } from './db.ts';

export async function loadSettings(): Promise<Settings> {
  return settingsFrom(await (await database()).get('settings', 'preferences'));
}

export async function saveSettings(settings: Settings): Promise<void> {
  await (await database()).put('settings', settings, 'preferences');
}

export async function loadRunning(): Promise<boolean> {
  return (await (await database()).get('settings', 'running')) === true;
}

export async function saveRunning(running: boolean): Promise<void> {
  await (await database()).put('settings', running, 'running');
}
