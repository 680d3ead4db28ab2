/**
 * @module web/lib/storage/own-volunteer
 * Which volunteer this browser contributes as, for pages that only show it (the status page marks "you" on the
 * leaderboard): read from the volunteer page's stored host, without signing anything, and without creating the
 * database in a browser that never contributed.
 */
import { DEFAULT_DATABASE, database } from './db.ts';

export async function ownVolunteerId(): Promise<number | null> {
  try {
    const known = (await indexedDB.databases?.()) ?? [];
    if (!known.some((d) => d.name === DEFAULT_DATABASE)) return null;
    const value = (await (await database()).get('identity', 'host')) as
      | { identity?: { volunteerId?: unknown }; volunteerId?: unknown }
      | undefined;
    // A host stored before keys existed is a bare identity.
    const id = value?.identity?.volunteerId ?? value?.volunteerId;
    return typeof id === 'number' ? id : null;
  } catch {
    return null; // storage blocked: no "you", the rest of the page is the same
  }
}
