/**
 * @module server/research/openapi
 * The OpenAPI 3.1 description of the researchers' and public API, generated from the protocol's zod schemas
 * (z.toJSONSchema), so that the API is described once and the description cannot drift from what the server parses.
 */
import { z } from 'zod';
import { ApiErrorBody } from '../../protocol/errors.ts';
import {
  BatchCancelled,
  BatchCreated,
  BatchList,
  BatchProgress,
  BatchSubmission,
  CanonicalResultLine,
  Leaderboard,
  Project,
  ProjectSettings,
  PublicStatus,
} from '../../protocol/research.ts';

const schemas = { ApiErrorBody, BatchCancelled, BatchCreated, BatchList, BatchProgress, BatchSubmission, CanonicalResultLine, Leaderboard, Project, ProjectSettings, PublicStatus };
type SchemaName = keyof typeof schemas;

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: SchemaName) => ({ content: { 'application/json': { schema: ref(name) } } });
const ok = (name: SchemaName, description: string) => ({ description, ...json(name) });
const error = (description: string) => ({ description, ...json('ApiErrorBody') });
const batchId = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
const secured = { security: [{ apiKey: [] }] };
const refused = { 401: error('no, malformed, unknown or revoked API key') };
const noBatch = { 400: error('the batch id is not a positive integer'), 404: error('no such batch in your project'), ...refused };

const paths = {
  '/api/research/project': { get: { ...secured, summary: "Your project and its settings", responses: { 200: ok('Project', 'the project'), ...refused } } },
  '/api/research/project/settings': {
    put: {
      ...secured,
      summary: 'Replace the project settings: default unit limits, priority, resource share',
      requestBody: { required: true, ...json('ProjectSettings') },
      responses: { 200: ok('Project', 'the project with its new settings'), 400: error('invalid settings; nothing changed'), ...refused },
    },
  },
  '/api/research/batches': {
    get: { ...secured, summary: "Your project's batches (newest 100) with their progress", responses: { 200: ok('BatchList', 'batches'), ...refused } },
    post: {
      ...secured,
      summary: 'Submit a batch of work units, all of one app (request body at most 1 MiB)',
      requestBody: { required: true, ...json('BatchSubmission') },
      responses: { 201: ok('BatchCreated', 'the batch was stored'), 400: error('invalid submission; nothing stored'), 413: error('body over 1 MiB'), ...refused },
    },
  },
  '/api/research/batches/{id}': {
    get: { ...secured, summary: "A batch's progress", parameters: [batchId], responses: { 200: ok('BatchProgress', 'progress'), ...noBatch } },
  },
  '/api/research/batches/{id}/cancel': {
    post: {
      ...secured,
      summary: "Cancel a batch's undecided units (they fail as cancelled; results already validated stay)",
      parameters: [batchId],
      responses: { 200: ok('BatchCancelled', 'how many units were cancelled'), ...noBatch },
    },
  },
  '/api/research/batches/{id}/events': {
    get: {
      ...secured,
      summary: "A batch's progress, live: server-sent events named `progress`, each a BatchProgress as JSON, about every second",
      parameters: [batchId],
      responses: { 200: { description: 'event stream', content: { 'text/event-stream': { schema: ref('BatchProgress') } } }, ...noBatch },
    },
  },
  '/api/research/batches/{id}/results': {
    get: {
      ...secured,
      summary: 'Canonical results so far, one JSON object per line, in unit order; pass `after` (a unit id) to fetch only newer ones',
      parameters: [batchId, { name: 'after', in: 'query', required: false, schema: { type: 'integer', minimum: 0 } }],
      responses: { 200: { description: 'JSON lines', content: { 'application/x-ndjson': { schema: ref('CanonicalResultLine') } } }, ...noBatch },
    },
  },
  '/api/public/status': { get: { summary: "Every project's status, without login", responses: { 200: ok('PublicStatus', 'status') } } },
  '/api/public/leaderboard': { get: { summary: 'Volunteers and partner sites by credit, without login', responses: { 200: ok('Leaderboard', 'leaderboard') } } },
  '/api/openapi.json': { get: { summary: 'This description', responses: { 200: { description: 'OpenAPI 3.1' } } } },
};

/** Memoised: the schemas never change while the process runs. */
let cached: object | undefined;

export function openApiDocument(): object {
  cached ??= {
    openapi: '3.1.0',
    info: { title: 'Terraflop coordinator: research and public API', version: '1' },
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'a project API key, tf_…' } },
      schemas: Object.fromEntries(Object.entries(schemas).map(([name, s]) => [name, z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' })])),
    },
    paths,
  };
  return cached;
}
