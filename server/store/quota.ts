/**
 * @module server/store/quota
 * What a host may hold and take (BOINC's max_wus_in_progress and daily result quota), from its record over all
 * apps: a new host starts with a small cap on replicas in progress and a small daily quota; both grow with valid
 * results and shrink with invalid ones and errors. So a fresh identity cannot hoard a batch, and a host that fails
 * or lies works its way back slowly. (Identities are priced at registration: server/http/hosts.ts.)
 */

export interface HostRecord {
  valid: number;
  invalid: number;
  errors: number;
}

/** Replicas a host without a record may hold at once. */
export const NEW_HOST_IN_PROGRESS = 4;
export const MAX_IN_PROGRESS = 256;
/** Replicas a host without a record may take in a day (UTC). */
export const NEW_HOST_DAILY = 32;
export const MAX_DAILY = 100_000;

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const bad = (r: HostRecord) => r.invalid + r.errors;

/** One more replica in progress per two valid results, two fewer per invalid result or error; at least one. */
export function inProgressCap(r: HostRecord): number {
  return clamp(NEW_HOST_IN_PROGRESS + Math.floor(r.valid / 2) - 2 * bad(r), 1, MAX_IN_PROGRESS);
}

/**
 * Four more a day per valid result, sixteen fewer per invalid result or error; at least two. `newHostDaily` is the
 * operator's (server/config.ts TERRAFLOP_NEW_HOST_DAILY), as BOINC's daily_result_quota is each project's: it counts
 * units whatever their size, so a coordinator of very short units sets it higher.
 */
export function dailyQuota(r: HostRecord, newHostDaily = NEW_HOST_DAILY): number {
  return clamp(newHostDaily + 4 * r.valid - 16 * bad(r), 2, MAX_DAILY);
}

/**
 * How many hosts' worth of its own cap and quota a host may see used by all the hosts of its volunteer, and of its
 * network, together: a host gets nothing more once its volunteer's hosts hold `volunteer` times its in-progress cap
 * or took that many times its daily quota today, and likewise for its network (an IPv4 /24, an IPv6 /64). One person
 * or one home thus cannot multiply a new host's small cap by making hosts, while a home of several devices works;
 * hosts with a record earned their larger caps. The network's multiple is a setting
 * (server/config.ts TERRAFLOP_HOSTS_PER_NETWORK): a campus or a carrier's NAT puts many homes on one network.
 */
export interface HostsPer {
  volunteer: number;
  network: number;
}
export const DEFAULT_HOSTS_PER: HostsPer = { volunteer: 4, network: 8 };

/** What the hosts of one volunteer, or of one network, hold now and took today (UTC). */
export interface SharedUse {
  held: number;
  today: number;
}

/**
 * How many more replicas a host with this record may take, as far as its volunteer's and its network's hosts'
 * use allows (`network` undefined: its network is unknown).
 *
 * @example sharedRoom({ valid: 0, invalid: 0, errors: 0 }, DEFAULT_HOSTS_PER, { held: 15, today: 15 }) // 1
 */
export function sharedRoom(
  r: HostRecord,
  per: HostsPer,
  volunteer: SharedUse,
  network?: SharedUse,
  newHostDaily = NEW_HOST_DAILY,
): number {
  const room = (times: number, use: SharedUse) =>
    Math.min(times * inProgressCap(r) - use.held, times * dailyQuota(r, newHostDaily) - use.today);
  return Math.min(room(per.volunteer, volunteer), network ? room(per.network, network) : Infinity);
}

/** A replica's deadline is this many times the host's expected time to finish it (its queue ahead included)... */
export const DEADLINE_FACTOR = 4;
/** ...but never under this (a page's first minutes: loading, measuring, a tab in the background)... */
export const DEADLINE_FLOOR_S = 600;
/** ...nor past the unit's own delay bound. Buffers are capped too: a closed tab never holds more than this. */
export const MAX_BUFFER_S = 4 * 3600;

/**
 * When a replica is due back from this host: a few times what its measured speed says the work it holds before it,
 * and the replica itself, take (`queuedS`), at least the floor, at most the unit's delay bound. A closed tab thus
 * holds its units minutes, not the day a delay bound allows.
 */
export function deadlineFor(now: number, queuedS: number, delayBoundS: number): number {
  const seconds = Math.min(delayBoundS, Math.max(DEADLINE_FLOOR_S, DEADLINE_FACTOR * queuedS));
  return now + Math.round(seconds * 1000);
}

export const DAY_MS = 86_400_000;
export const dayOf = (now: number) => Math.floor(now / DAY_MS);
