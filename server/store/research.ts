/**
 * @module server/store/research
 * The research side's one narrow interface to the database: projects, researchers and their API keys, a project's
 * batches, their progress and canonical results, and what the public may see. Kept apart from the core Store so
 * that the scheduler's interface stays small; implemented once over SQL (server/store/sql/research-store.ts).
 */
import type { ProjectAbout } from '../../protocol/about.ts';
import type {
  BatchProgress,
  CanonicalResultLine,
  Leaderboard,
  Project,
  ProjectSettings,
  PublicStatus,
} from '../../protocol/research.ts';
import type { PartnerLeaderboard, ProjectPartners } from '../../protocol/partner.ts';
import type { ResearchAccessStore, Researcher } from './research-access.ts';
import type { AppName, NewWorkUnit } from './types.ts';
import { BaseError } from '../../protocol/base-error.ts';

export class ProjectNameTakenError extends BaseError {
  override name = 'ProjectNameTakenError' as const;
  constructor(name: string, shortName?: string) {
    super(
      shortName === undefined
        ? `a project named "${name}" already exists`
        : `the project name "${name}" has the short name "${shortName}" ` +
            "(what partners' widgets ask for), which is already taken",
      { details: { projectName: name, shortName: shortName ?? null } },
    );
  }
}

/** One project as volunteers are told about it (server/store/sql/project-about.ts). */
export interface ProjectCatalogEntry {
  /** 0 for the demo (the coordinator's own batches), whose name and lines come from the coordinator's settings. */
  projectId: number;
  name: string;
  about: ProjectAbout;
  /** The built-in apps of its batches. */
  apps: AppName[];
  /** Its researchers' own apps at their latest versions, with the description their manifests give. */
  customApps: Array<{ name: string; description: string | null }>;
}

export interface ResearchStore extends ResearchAccessStore {
  /** Creates a project, its first researcher and that researcher's API key (only the key's SHA-256 is stored). */
  createProject(params: {
    name: string;
    researcherName: string;
    keyHash: string;
    /** The key's first characters, shown to tell keys apart (server/research/api-key.ts apiKeyPrefix). */
    keyPrefix?: string | undefined;
    settings?: ProjectSettings | undefined;
    now: number;
  }): Promise<Researcher>;
  project(projectId: number): Promise<Project | undefined>;
  updateSettings(projectId: number, settings: ProjectSettings): Promise<Project>;
  /** Sets what volunteers are told about the project: who runs it and what its results serve. */
  updateAbout(projectId: number, about: ProjectAbout): Promise<Project>;
  /** Every project with work or apps, the demo first when it has batches, for volunteers and partner sites. */
  projectCatalog(): Promise<ProjectCatalogEntry[]>;

  /** Creates a batch of the project with its units and their first replicas, in one transaction. */
  createProjectBatch(params: {
    projectId: number;
    app: AppName;
    name: string;
    units: NewWorkUnit[];
    now: number;
  }): Promise<number>;
  /**
   * Cancels a batch's undecided units: they fail with the reason "cancelled by the researcher" and their replicas
   * still unsent or out are no longer needed (a late result is refused). Units with a canonical result keep it.
   * Returns how many units were cancelled; undefined when the batch is not the project's.
   */
  cancelBatch(projectId: number, batchId: number, now: number): Promise<number | undefined>;
  /** The project's batch ids, newest first. */
  batchIds(projectId: number): Promise<number[]>;
  /** A batch's progress; undefined when the batch is not the project's (or does not exist). */
  batchProgress(projectId: number, batchId: number, now: number): Promise<BatchProgress | undefined>;
  /**
   * Canonical results of a batch's units with ids above `afterUnitId`, in unit order, at most `limit`; undefined
   * when the batch is not the project's.
   */
  canonicalResults(
    projectId: number,
    batchId: number,
    afterUnitId: number,
    limit: number,
  ): Promise<CanonicalResultLine[] | undefined>;

  /** Partner sites whose widgets computed the project's units, with their figures for this project only. */
  projectPartners(projectId: number, limit: number): Promise<ProjectPartners>;
  /** Partner sites by the credit their widgets' hosts earned over all work, most first; the public's board. */
  partnerLeaderboard(limit: number): Promise<PartnerLeaderboard>;

  publicStatus(now: number): Promise<PublicStatus>;
  /** The leaderboards; with `you`, also that volunteer's own line wherever they rank. */
  leaderboard(limit: number, now: number, you?: number): Promise<Leaderboard>;
}
