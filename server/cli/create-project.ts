/**
 * @module server/cli/create-project
 * `terraflop project create`: an operator's command, run where the coordinator's database is (its TERRAFLOP_DATA or
 * TERRAFLOP_DATABASE_URL), that creates a project with its first researcher and prints the API key, once.
 */
import { loadConfig } from '../config.ts';
import { freshApiKey } from '../research/api-key.ts';
import { openStore, storeLocation } from '../store/open-store.ts';
import type { ProjectCreated } from '../../protocol/research.ts';

export async function createProject(
  name: string,
  researcherName: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProjectCreated> {
  if (!name.trim()) throw new Error('--name must not be empty');
  const config = loadConfig(env);
  const stores = await openStore(storeLocation(config));
  try {
    const { apiKey, stored } = freshApiKey();
    const created = await stores.research.createProject({
      name: name.trim(),
      researcherName,
      ...stored,
      now: Date.now(),
    });
    return { ...created, apiKey };
  } finally {
    await stores.close();
  }
}
