/**
 * @module server/cli/create-project
 * `terraflop project create`: an operator's command, run where the coordinator's database is (its TERRAFLOP_DATA or
 * TERRAFLOP_DATABASE_URL), that creates a project with its first researcher and prints the API key, once.
 */
import { loadConfig } from '../config.ts';
import { freshApiKey } from '../research/api-key.ts';
import { openStore } from '../store/open-store.ts';
import { SqlResearchStore } from '../store/sql/research-store.ts';
import type { ProjectCreated } from '../../protocol/research.ts';

export async function createProject(
  name: string,
  researcherName: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProjectCreated> {
  if (!name.trim()) throw new Error('--name must not be empty');
  const config = loadConfig(env);
  const store = await openStore(
    config.TERRAFLOP_DATABASE_URL
      ? { kind: 'postgres', url: config.TERRAFLOP_DATABASE_URL }
      : { kind: 'sqlite', dataDir: config.TERRAFLOP_DATA },
  );
  try {
    const { apiKey, stored } = freshApiKey();
    const research = new SqlResearchStore(store.db);
    const created = await research.createProject({ name: name.trim(), researcherName, ...stored, now: Date.now() });
    return { ...created, apiKey };
  } finally {
    await store.close();
  }
}
