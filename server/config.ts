/**
 * @module server/config
 * The coordinator's settings, from the environment, each with an embedded default so that `npm start` needs
 * nothing set. A bad value stops start-up with a message naming the variable.
 */
import { z } from 'zod';
import { chainEnv } from './chain/chain-config.ts';
import { DEFAULT_OPERATOR } from './research/about.ts';
import { defaultLogLevel, LOG_LEVELS } from './log.ts';
import { TrustedProxies } from './http/network.ts';
import { DEFAULT_REGISTRATION_BITS } from '../protocol/registration-proof.ts';

const Env = z.object({
  TERRAFLOP_HOST: z.string().min(1).default('127.0.0.1'),
  TERRAFLOP_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  /** Folder for the SQLite database and, later, the chain's state. */
  TERRAFLOP_DATA: z.string().min(1).default('data'),
  /** A Postgres connection URL; when set, the coordinator keeps its state there instead of the SQLite file. */
  TERRAFLOP_DATABASE_URL: z.string().url().optional(),
  /**
   * SQLite durability: `normal` keeps every acknowledged result through a crash of the process (kill -9); `full`
   * also through a power cut, flushing the disk once per commit group.
   */
  TERRAFLOP_SQLITE_SYNC: z.enum(['normal', 'full']).default('normal'),
  /** Requests per second one host may make (bursts of four times as many); over it, 429. */
  TERRAFLOP_HOST_RATE: z.coerce.number().min(0.1).max(10_000).default(10),
  /**
   * Requests per second one network (a client address) may make to the API (bursts of four times as many), counted
   * before any signature check or database work; over it, 429. Many volunteers may share one address (a campus).
   */
  TERRAFLOP_NETWORK_RATE: z.coerce.number().min(0.1).max(100_000).default(100),
  /**
   * Milliseconds the public figures (status, leaderboards, about) are served before they are computed again, however
   * many ask; 0 computes them for every request.
   */
  TERRAFLOP_PUBLIC_CACHE_MS: z.coerce.number().int().min(0).max(600_000).default(5000),
  /** Built web app to serve. */
  TERRAFLOP_WEB: z.string().min(1).default('dist'),
  /** The demo project's unit size, or off for none. */
  TERRAFLOP_DEMO: z.enum(['off', 'tiny', 'standard']).default('standard'),
  /**
   * Seconds validated credit matures before it is final (and may go on chain): the window in which a host caught
   * cheating loses its single-replica results. Two days by default.
   */
  TERRAFLOP_SETTLING_S: z.coerce
    .number()
    .int()
    .min(0)
    .max(365 * 86_400)
    .default(2 * 86_400),
  /** Seconds the raw (non-canonical) results of a closed unit are kept, for audits; then purged. A week by default. */
  TERRAFLOP_RETENTION_S: z.coerce
    .number()
    .int()
    .min(0)
    .max(10 * 365 * 86_400)
    .default(7 * 86_400),
  /**
   * `1`: anyone may create a project with POST /api/research/projects (limited per address); `0` (default): only the
   * operator, with `npx terraflop project create`.
   */
  TERRAFLOP_OPEN_SIGNUP: z
    .enum(['0', '1'])
    .default('0')
    .transform((v) => v === '1'),
  /** Who runs this coordinator, as volunteers read it ("Run by …"): a person, a lab, an organisation. */
  TERRAFLOP_OPERATOR: z.string().trim().min(1).max(200).default(DEFAULT_OPERATOR),
  /** How much the coordinator logs (JSON lines on stdout): info by default, silent under the test runner. */
  TERRAFLOP_LOG_LEVEL: z.enum(LOG_LEVELS).default(defaultLogLevel),
  /**
   * When set, GET /metrics answers only requests bearing `Authorization: Bearer <this>`; unset, anyone may scrape
   * it (keep it behind the load balancer, which should not route /metrics from outside).
   */
  TERRAFLOP_METRICS_TOKEN: z.string().min(16).optional(),
  /**
   * The key that signs the tickets vouching for a host's partner site (server/http/partner-ticket.ts). Every
   * coordinator behind one load balancer needs the same one; unset, each process draws its own, which is right for
   * one coordinator only (a ticket from one would be refused by the others, and their widgets' hosts would count for
   * no site).
   */
  TERRAFLOP_PARTNER_SECRET: z.string().min(32).optional(),
  /** Least milliseconds between two counts of the passes' backlogs for /metrics, however often it is scraped. */
  TERRAFLOP_METRICS_BACKLOG_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
  /**
   * Proxies whose X-Forwarded-For the coordinator believes (addresses or CIDRs, comma-separated): a request through
   * one counts as coming from the last address it forwarded. Empty (default): only the socket's address counts.
   */
  TERRAFLOP_TRUSTED_PROXIES: z
    .string()
    .default('')
    .superRefine((spec, ctx) => {
      try {
        new TrustedProxies(spec);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
      }
    }),
  /**
   * Host registrations one network (an IPv4 /24, an IPv6 /64) may make per hour, in a burst or spread out; over it,
   * 429. Identities are free otherwise: this is what a crowd of them costs, with the proof of work.
   */
  TERRAFLOP_REGISTRATIONS_PER_HOUR: z.coerce.number().min(1).max(1_000_000).default(30),
  /**
   * The registration proof of work: leading zero bits of SHA-256 a new host must find (about 2^bits hashes, doubling
   * with each bit). The default costs one browser core about 1-3 s (docs/performance.md); raise it when registration
   * floods come through the per-network limit.
   */
  TERRAFLOP_REGISTRATION_WORK_BITS: z.coerce.number().int().min(0).max(40).default(DEFAULT_REGISTRATION_BITS),
  /**
   * The key that signs registration challenges (32 characters or more). Unset: one made on first start and kept in
   * the database, shared by every coordinator process on it.
   */
  TERRAFLOP_REGISTRATION_SECRET: z.string().min(32).optional(),
  TERRAFLOP_PASS_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  /**
   * The longest a unit's sibling replicas wait after its first replica is sent, in seconds; each unit draws its wait
   * uniformly from a quarter of this to all of it, and its siblings then go to whoever asks after (issue 17: hosts
   * that ask back to back cannot pair up on a unit). 0 sends siblings at once, as BOINC does; tests that pair two
   * pages quickly set a second or two.
   */
  TERRAFLOP_SIBLING_WAIT_S: z.coerce.number().min(0).max(3600).default(30),
  /**
   * How many hosts' worth of its in-progress cap and daily quota a host may see used by all hosts of its network
   * together (server/store/quota.ts HostsPer): 8 lets a home run several devices while a crowd of new identities on
   * one network holds what 8 new hosts may. A volunteer's hosts together get 4 hosts' worth.
   */
  TERRAFLOP_HOSTS_PER_NETWORK: z.coerce.number().int().min(1).max(1_000_000).default(8),
  /**
   * Units a host without a record may take in a day (BOINC's daily_result_quota, each project's own); it grows by
   * four per valid result (server/store/quota.ts). It counts units whatever their size: a coordinator of units of a
   * few milliseconds sets it higher.
   */
  TERRAFLOP_NEW_HOST_DAILY: z.coerce.number().int().min(2).max(100_000).default(32),
  ...chainEnv,
});

export type Config = z.infer<typeof Env>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`bad configuration: ${problems}`);
  }
  return parsed.data;
}
