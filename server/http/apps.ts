/**
 * @module server/http/apps
 * Researchers' own apps over HTTP. A researcher uploads a manifest and a WebAssembly module (POST
 * /api/research/apps, API key): the module is checked against the manifest (valid bytes, only declared imports, a
 * capped memory, size limits), and the manifest's optional WGSL shader against its bindings, before anything is
 * stored; each version is immutable. Hosts fetch a version's manifest (with the shader) and module
 * (GET /api/apps/:name/:version[/module.wasm], the addresses protocol/custom-app.ts's appVersionUrl and
 * appModuleUrl make) to run its units.
 */
import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { CustomAppList, CustomAppUpload, CustomAppVersion, MODULE_FILE } from '../../protocol/custom-app.ts';
import { checkCustomModule } from '../../worker-kernels/custom/check-module.ts';
import type { AppStore } from '../store/apps.ts';
import type { ResearchStore } from '../store/research.ts';
import { ApiError, NotFoundError, renderError } from './errors.ts';
import { parseBody } from './parse.ts';
import { requireResearcher, type ResearchEnv } from './research-auth.ts';

/** An upload whose module or shader breaks the manifest's rules; nothing was stored. */
export class AppRefusedError extends ApiError {
  override name = 'AppRefusedError' as const;
  constructor(cause: unknown) {
    super(400, `app refused: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** An upload that clashes with what is registered: another project's app name, or a version not above the last. */
export class AppConflictError extends ApiError {
  override name = 'AppConflictError' as const;
  constructor(message: string) {
    super(409, message);
  }
}

export function researchAppRoutes(research: ResearchStore, apps: AppStore) {
  const app = new Hono<ResearchEnv>()
    .use(requireResearcher(research))
    .get('/', async (c) => c.json(CustomAppList.parse({ apps: await apps.list(c.get('researcher').projectId) })))
    .post('/', async (c) => {
      const { manifest, module } = await parseBody(c, CustomAppUpload, 'app upload');
      const bytes = Buffer.from(module, 'base64');
      try {
        checkCustomModule(bytes, manifest);
      } catch (error) {
        throw new AppRefusedError(error);
      }
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const outcome = await apps.register(
        c.get('researcher').projectId,
        manifest,
        { base64: module, sha256, bytes: bytes.length },
        Date.now(),
      );
      if (!outcome.ok && outcome.reason === 'name-taken')
        throw new AppConflictError(`app name ${manifest.name} belongs to another project`);
      if (!outcome.ok)
        throw new AppConflictError(`version ${manifest.version} of ${manifest.name} must be above ${outcome.latest}`);
      return c.json(CustomAppVersion.parse(outcome.version), 201);
    });
  app.onError(renderError);
  return app;
}

export function hostAppRoutes(apps: AppStore) {
  const app = new Hono()
    .get('/:name/:version{[0-9]+}', async (c) => {
      const found = await apps.version(c.req.param('name'), Number(c.req.param('version')));
      if (!found) throw new NotFoundError(`no app ${c.req.param('name')} version ${c.req.param('version')}`);
      const { projectId: _owner, ...version } = found;
      return c.json(CustomAppVersion.parse(version), 200, { 'cache-control': 'public, max-age=31536000, immutable' });
    })
    .get(`/:name/:version{[0-9]+}/${MODULE_FILE}`, async (c) => {
      const bytes = await apps.module(c.req.param('name'), Number(c.req.param('version')));
      if (!bytes) throw new NotFoundError(`no app ${c.req.param('name')} version ${c.req.param('version')}`);
      return c.body(new Uint8Array(bytes), 200, {
        'content-type': 'application/wasm',
        'cache-control': 'public, max-age=31536000, immutable',
      });
    });
  app.onError(renderError);
  return app;
}
