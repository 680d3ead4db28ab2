/**
 * @module server/store/sql/project-about
 * What volunteers are told about the projects: each project's display name, who runs it and what its results
 * serve (set by its researchers), and the apps its work runs: the built-in apps of its batches and its researchers'
 * own apps, with the description each manifest gives. The demo (project 0, the batches without a project) is listed
 * by its apps only, when it has batches; its lines come from the coordinator's settings.
 */
import type { ProjectAbout } from '../../../protocol/about.ts';
import { CustomAppManifest } from '../../../protocol/custom-app.ts';
import type { ProjectCatalogEntry } from '../research.ts';
import type { AppName } from '../types.ts';
import type { Queryable } from './db.ts';

export async function projectCatalog(q: Queryable): Promise<ProjectCatalogEntry[]> {
  const projects = await q.all<{ id: number; name: string; run_by: string; purpose: string }>(
    'SELECT id, name, run_by, purpose FROM projects ORDER BY id',
  );
  const apps = await q.all<{ p: unknown; app: AppName }>(
    `SELECT DISTINCT coalesce(project_id, 0) AS p, app FROM batches WHERE app <> 'custom' ORDER BY 1, 2`,
  );
  // Each researcher's app at its latest version: its manifest holds the description.
  const custom = await q.all<{ p: unknown; name: string; manifest: string }>(
    `SELECT c.project_id AS p, c.name, c.manifest FROM custom_apps c
      WHERE c.version = (SELECT max(d.version) FROM custom_apps d WHERE d.name = c.name) ORDER BY c.name`,
  );
  const entry = (projectId: number, name: string, about: ProjectAbout): ProjectCatalogEntry => ({
    projectId,
    name,
    about,
    apps: apps.filter((a) => Number(a.p) === projectId).map((a) => a.app),
    customApps: custom
      .filter((c) => Number(c.p) === projectId)
      .map((c) => ({ name: c.name, description: describe(c.manifest) })),
  });
  const demo = apps.some((a) => Number(a.p) === 0) ? [entry(0, '', { runBy: '', purpose: '' })] : [];
  return [...demo, ...projects.map((p) => entry(Number(p.id), p.name, { runBy: p.run_by, purpose: p.purpose }))];
}

/** A stored manifest's description; null when it has none (or, stored by an older version, does not parse). */
function describe(manifest: string): string | null {
  const parsed = CustomAppManifest.safeParse(JSON.parse(manifest));
  return parsed.success ? (parsed.data.description ?? null) : null;
}

/** Sets what volunteers are told about a project; false when there is no such project. */
export async function updateAbout(q: Queryable, projectId: number, about: ProjectAbout): Promise<boolean> {
  const { changes } = await q.run('UPDATE projects SET run_by = ?, purpose = ? WHERE id = ?', [
    about.runBy,
    about.purpose,
    projectId,
  ]);
  return changes > 0;
}
