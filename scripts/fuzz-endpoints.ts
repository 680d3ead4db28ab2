/**
 * @module scripts/fuzz-endpoints
 * Every endpoint of the coordinator's API, as the fuzzer drives it: method, path, who signs it, and the protocol
 * schema of its body. scripts/fuzz.ts checks this list against the routes the API really has, so a new endpoint
 * without an entry here stops the fuzzer rather than going unfuzzed.
 */
import fc from 'fast-check';
import type { z } from 'zod';
import { ProjectAbout } from '../protocol/about.ts';
import { CustomAppUpload } from '../protocol/custom-app.ts';
import { RegisterHost } from '../protocol/host.ts';
import { BatchSubmission, ProjectSettings } from '../protocol/research.ts';
import { NewResearcher, ProjectSignup } from '../protocol/research-access.ts';
import { LinkAddress, LinkCode, RenameVolunteer } from '../protocol/volunteer.ts';
import { ResultReport, WorkRequest } from '../protocol/work.ts';
import { HOSTILE_STRINGS } from './fuzz-schema.ts';

export type Auth = 'none' | 'host' | 'research';

export interface Endpoint {
  method: 'GET' | 'POST' | 'PUT';
  /** As the API declares it, under /api (`:id` and the like are filled in). */
  path: string;
  auth: Auth;
  body?: z.ZodType;
  /** Query parameters the endpoint reads. */
  query?: string[];
}

export const ENDPOINTS: Endpoint[] = [
  { method: 'GET', path: '/health', auth: 'none' },
  { method: 'GET', path: '/hosts/challenge', auth: 'none' },
  { method: 'POST', path: '/hosts', auth: 'none', body: RegisterHost },
  { method: 'GET', path: '/hosts/me', auth: 'host' },
  { method: 'GET', path: '/volunteer', auth: 'host' },
  { method: 'PUT', path: '/volunteer/name', auth: 'host', body: RenameVolunteer },
  { method: 'POST', path: '/volunteer/address', auth: 'host', body: LinkAddress },
  { method: 'POST', path: '/volunteer/link-code', auth: 'host' },
  { method: 'POST', path: '/volunteer/join', auth: 'host', body: LinkCode.pick({ code: true }) },
  { method: 'GET', path: '/stats', auth: 'none' },
  { method: 'GET', path: '/stats/:date/:file', auth: 'none' },
  { method: 'GET', path: '/partners/leaderboard', auth: 'none', query: ['limit'] },
  { method: 'POST', path: '/work', auth: 'host', body: WorkRequest },
  { method: 'POST', path: '/results', auth: 'host', body: ResultReport },
  { method: 'GET', path: '/chain', auth: 'none' },
  { method: 'GET', path: '/epochs', auth: 'none' },
  { method: 'GET', path: '/epochs/:file{[0-9]+\\.jsonl}', auth: 'none' },
  { method: 'GET', path: '/chain/claims/:address', auth: 'none' },
  { method: 'GET', path: '/apps/:name/:version{[0-9]+}', auth: 'none' },
  { method: 'GET', path: '/apps/:name/:version{[0-9]+}/module.wasm', auth: 'none' },
  { method: 'GET', path: '/research/apps', auth: 'research' },
  { method: 'POST', path: '/research/apps', auth: 'research', body: CustomAppUpload },
  { method: 'POST', path: '/research/projects', auth: 'none', body: ProjectSignup },
  { method: 'GET', path: '/research/researchers', auth: 'research' },
  { method: 'POST', path: '/research/researchers', auth: 'research', body: NewResearcher },
  { method: 'POST', path: '/research/keys', auth: 'research' },
  { method: 'POST', path: '/research/keys/:id/revoke', auth: 'research' },
  { method: 'GET', path: '/research/project', auth: 'research' },
  { method: 'PUT', path: '/research/project/settings', auth: 'research', body: ProjectSettings },
  { method: 'PUT', path: '/research/project/about', auth: 'research', body: ProjectAbout },
  { method: 'POST', path: '/research/batches', auth: 'research', body: BatchSubmission },
  { method: 'GET', path: '/research/partners', auth: 'research', query: ['limit'] },
  { method: 'GET', path: '/research/batches', auth: 'research' },
  { method: 'POST', path: '/research/batches/:id/cancel', auth: 'research' },
  { method: 'GET', path: '/research/batches/:id', auth: 'research' },
  { method: 'GET', path: '/research/batches/:id/events', auth: 'research' },
  { method: 'GET', path: '/research/batches/:id/results', auth: 'research', query: ['after'] },
  { method: 'GET', path: '/public/status', auth: 'none' },
  { method: 'GET', path: '/public/leaderboard', auth: 'none', query: ['limit', 'you'] },
  { method: 'GET', path: '/public/about', auth: 'none' },
  { method: 'GET', path: '/public/apps', auth: 'none' },
  { method: 'GET', path: '/openapi.json', auth: 'none' },
];

/** Values for a path or query parameter: plausible ones, edge numbers and hostile strings. */
export function parameter(name: string, known: { batchIds: number[] }): fc.Arbitrary<string> {
  const plausible: Record<string, fc.Arbitrary<string>> = {
    id: fc.oneof(fc.constantFrom(...known.batchIds.map(String)), fc.integer({ min: -5, max: 50 }).map(String)),
    date: fc.constantFrom('2026-12-05', '2026-13-40', '..', 'latest'),
    file: fc.constantFrom('volunteers.csv', 'hosts.json', '1.jsonl', '..%2f..%2fetc%2fpasswd'),
    address: fc.oneof(
      fc.stringMatching(/^0x[0-9a-f]{40}$/),
      fc.constantFrom('0x', '0xZZ', '0x0000000000000000000000000000000000000000'),
    ),
    name: fc.constantFrom('prime-count', 'signal-search', 'x', '..'),
    version: fc.integer({ min: 0, max: 2 ** 40 }).map(String),
    limit: fc.oneof(fc.integer({ min: -2, max: 1002 }).map(String), fc.constantFrom('1e3', '10.5', '')),
    you: fc.oneof(fc.integer({ min: -1, max: 2 ** 54 }).map(String), fc.constantFrom('0x10', 'NaN')),
    after: fc.oneof(fc.integer({ min: -1, max: 2 ** 54 }).map(String), fc.constantFrom('-0', 'Infinity')),
  };
  return fc.oneof(
    { weight: 4, arbitrary: plausible[name] ?? fc.string({ maxLength: 12 }) },
    { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_STRINGS.filter((s) => s.length < 100)) },
    { weight: 1, arbitrary: fc.constantFrom('0', '-1', '9007199254740993', '1e309', '00001', ' 1') },
  );
}

/** The path of `endpoint` under /api with each `:param` (and its `{pattern}`) filled from `values`. */
export function fillPath(endpoint: Endpoint, values: Record<string, string>): string {
  // toWellFormed: a lone surrogate cannot be sent in a URL at all.
  const fill = (_: string, name: string) => encodeURIComponent((values[name] ?? '').toWellFormed());
  return `/api${endpoint.path.replace(/:(\w+)(\{[^}]*\})?/g, fill)}`;
}

/** The names of the `:params` in a declared path. */
export const paramsOf = (path: string) => [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
