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
  ProjectCreated,
  PublicStatus,
} from '../../protocol/research.ts';
import {
  ApiKeyCreated,
  ApiKeyRevoked,
  NewResearcher,
  ProjectSignup,
  ResearcherList,
} from '../../protocol/research-access.ts';
import { ProjectPartners } from '../../protocol/partner.ts';
import { CoordinatorAbout, ProjectAbout } from '../../protocol/about.ts';
import { AppCatalog } from '../../protocol/app-catalog.ts';

const schemas = {
  ApiErrorBody,
  AppCatalog,
  CoordinatorAbout,
  ProjectAbout,
  BatchCancelled,
  BatchCreated,
  BatchList,
  BatchProgress,
  BatchSubmission,
  CanonicalResultLine,
  Leaderboard,
  Project,
  ProjectPartners,
  ProjectSettings,
  PublicStatus,
  ApiKeyCreated,
  ApiKeyRevoked,
  NewResearcher,
  ProjectCreated,
  ProjectSignup,
  ResearcherList,
};
type SchemaName = keyof typeof schemas;

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: SchemaName) => ({ content: { 'application/json': { schema: ref(name) } } });
const ok = (name: SchemaName, description: string) => ({ description, ...json(name) });
const error = (description: string) => ({ description, ...json('ApiErrorBody') });
const batchId = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
const secured = { security: [{ apiKey: [] }] };
const refused = { 401: error('no, malformed, unknown or revoked API key') };
const noBatch = {
  400: error('the batch id is not a positive integer'),
  404: error('no such batch in your project'),
  ...refused,
};

/** The routes through which a project's researchers manage who may use it, and the optional sign-up. */
function accessPaths() {
  const keyId = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
  return {
    '/api/research/researchers': {
      get: {
        ...secured,
        summary:
          "Your project's researchers and their keys " +
          '(id, first characters, created, last used, revoked; never a key itself)',
        responses: { 200: ok('ResearcherList', 'researchers, oldest first'), ...refused },
      },
      post: {
        ...secured,
        summary: 'Add a researcher to your project; answers their first API key, shown only this once',
        requestBody: { required: true, ...json('NewResearcher') },
        responses: {
          201: ok('ApiKeyCreated', 'the researcher and their first key'),
          400: error('invalid name; nothing changed'),
          409: error('the project already has a researcher of that name (ResearcherNameTakenError)'),
          ...refused,
        },
      },
    },
    '/api/research/keys': {
      post: {
        ...secured,
        summary:
          'Make another API key for yourself (to rotate keys: make one, switch to it, revoke the old); ' +
          'no body; the key is shown only this once',
        responses: { 201: ok('ApiKeyCreated', 'the new key'), ...refused },
      },
    },
    '/api/research/keys/{id}/revoke': {
      post: {
        ...secured,
        summary: "Revoke a key of your project (yours or another researcher's); revoking a revoked key changes nothing",
        parameters: [keyId],
        responses: {
          200: ok('ApiKeyRevoked', 'the key is revoked'),
          400: error('the key id is not a positive integer'),
          404: error('no such key in your project'),
          409: error("the project's last live key, which would lock everyone out (LastLiveKeyError); nothing changed"),
          ...refused,
        },
      },
    },
    '/api/research/projects': {
      post: {
        summary:
          'Sign up: create a project with its first researcher and API key, ' +
          'where the operator allows it (TERRAFLOP_OPEN_SIGNUP=1); five an hour per address',
        requestBody: { required: true, ...json('ProjectSignup') },
        responses: {
          201: ok('ProjectCreated', 'the project; its key is shown only this once'),
          400: error('invalid names; nothing changed'),
          403: error('sign-up is closed: the operator creates projects (SignupClosedError)'),
          409: error('the name or its short name is taken (ProjectNameTakenError)'),
          429: error('too many sign-ups from this address; see Retry-After'),
        },
      },
    },
  };
}

const paths = {
  '/api/research/project': {
    get: {
      ...secured,
      summary: 'Your project and its settings',
      responses: { 200: ok('Project', 'the project'), ...refused },
    },
  },
  '/api/research/project/settings': {
    put: {
      ...secured,
      summary: "Replace the project's default unit limits (priority and resource share are the operator's: unchanged)",
      requestBody: { required: true, ...json('ProjectSettings') },
      responses: {
        200: ok('Project', 'the project with its new settings'),
        400: error('invalid settings; nothing changed'),
        ...refused,
      },
    },
  },
  '/api/research/project/about': {
    put: {
      ...secured,
      summary: 'Set what volunteers are told about your project: who runs it and what its results serve',
      requestBody: { required: true, ...json('ProjectAbout') },
      responses: { 200: ok('Project', 'the project'), 400: error('too long; nothing changed'), ...refused },
    },
  },
  '/api/research/batches': {
    get: {
      ...secured,
      summary: "Your project's batches (newest 100) with their progress",
      responses: { 200: ok('BatchList', 'batches'), ...refused },
    },
    post: {
      ...secured,
      summary: 'Submit a batch of work units, all of one app (request body at most 1 MiB)',
      requestBody: { required: true, ...json('BatchSubmission') },
      responses: {
        201: ok('BatchCreated', 'the batch was stored'),
        400: error('invalid submission; nothing stored'),
        413: error('body over 1 MiB'),
        ...refused,
      },
    },
  },
  '/api/research/batches/{id}': {
    get: {
      ...secured,
      summary: "A batch's progress",
      parameters: [batchId],
      responses: { 200: ok('BatchProgress', 'progress'), ...noBatch },
    },
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
      summary:
        "A batch's progress, live: server-sent events named `progress`, " +
        'each a BatchProgress as JSON, about every second',
      parameters: [batchId],
      responses: {
        200: { description: 'event stream', content: { 'text/event-stream': { schema: ref('BatchProgress') } } },
        ...noBatch,
      },
    },
  },
  '/api/research/batches/{id}/results': {
    get: {
      ...secured,
      summary:
        'Canonical results so far, one JSON object per line, in unit order; ' +
        'pass `after` (a unit id) to fetch only newer ones',
      parameters: [batchId, { name: 'after', in: 'query', required: false, schema: { type: 'integer', minimum: 0 } }],
      responses: {
        200: { description: 'JSON lines', content: { 'application/x-ndjson': { schema: ref('CanonicalResultLine') } } },
        ...noBatch,
      },
    },
  },
  '/api/research/partners': {
    get: {
      ...secured,
      summary:
        "Partner sites whose embedded widgets computed your project's units: " +
        'hosts, results and credit for your project only',
      parameters: [
        {
          name: 'limit',
          in: 'query',
          required: false,
          schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
        },
      ],
      responses: {
        200: ok('ProjectPartners', 'partners, most credit first'),
        400: error('limit is not 1-1000'),
        ...refused,
      },
    },
  },
  ...accessPaths(),
  '/api/public/status': {
    get: { summary: "Every project's status, without login", responses: { 200: ok('PublicStatus', 'status') } },
  },
  '/api/public/leaderboard': {
    get: {
      summary: "Volunteers and partner sites by credit, without login; `you`: also that volunteer's own line",
      parameters: ['limit', 'you'].map((name) => ({ name, in: 'query', required: false, schema: { type: 'integer' } })),
      responses: { 200: ok('Leaderboard', 'leaderboard'), 400: error('limit is not 1-1000, or you not an id') },
    },
  },
  '/api/public/about': {
    get: {
      summary: 'Who runs this coordinator and each project, what its results serve, and its apps described',
      responses: { 200: ok('CoordinatorAbout', 'the demo first, then the projects by id') },
    },
  },
  '/api/public/apps': {
    get: { summary: 'The built-in apps, each with an example unit', responses: { 200: ok('AppCatalog', 'apps') } },
  },
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
      schemas: Object.fromEntries(
        Object.entries(schemas).map(([name, s]) => [name, z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' })]),
      ),
    },
    paths,
  };
  return cached;
}
