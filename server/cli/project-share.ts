/**
 * @module server/cli/project-share
 * `terraflop project share NAME [--priority N] [--share S]`: the operator's command, run where the coordinator's
 * database is, that sets a project's priority and resource share against the other projects. A project's own key
 * cannot (PUT /api/research/project/settings refuses it): a researcher setting their own priority would take every
 * volunteer's work from the others.
 */
import { ProjectSettings, type Project } from '../../protocol/research.ts';
import { BaseError } from '../../protocol/base-error.ts';
import { loadConfig } from '../config.ts';
import { openStore, storeLocation } from '../store/open-store.ts';

export class NoSuchProjectError extends BaseError {
  override name = 'NoSuchProjectError' as const;
  constructor(shortName: string) {
    super(`no project with the short name "${shortName}" on this coordinator`, { details: { shortName } });
  }
}

export async function setProjectShare(
  shortName: string,
  change: { priority?: number | undefined; resourceShare?: number | undefined },
  env: NodeJS.ProcessEnv = process.env,
): Promise<Project> {
  const stores = await openStore(storeLocation(loadConfig(env)));
  try {
    const projectId = await stores.work.findProject(shortName);
    const project = projectId ? await stores.research.project(projectId) : undefined;
    if (!projectId || !project) throw new NoSuchProjectError(shortName);
    // Parsed as the API parses settings: a priority or share out of range is refused here too.
    const settings = ProjectSettings.parse({
      ...project.settings,
      ...(change.priority !== undefined && { priority: change.priority }),
      ...(change.resourceShare !== undefined && { resourceShare: change.resourceShare }),
    });
    return await stores.research.updateSettings(projectId, settings);
  } finally {
    await stores.close();
  }
}
