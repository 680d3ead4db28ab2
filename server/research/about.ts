/**
 * @module server/research/about
 * GET /api/public/about's answer: who runs this coordinator, how long credit settles, and each project as
 * volunteers are told about it, with its apps described. The demo's lines are the coordinator's own.
 */
import type { CoordinatorAbout, ProjectInfo } from '../../protocol/about.ts';
import { DEMO_PROJECT, DEMO_PROJECT_NAME, projectShortName } from '../../protocol/project-name.ts';
import { builtInAbout, customAbout } from './app-about.ts';
import type { ProjectCatalogEntry } from '../store/research.ts';

export interface AboutSettings {
  /** Who runs this coordinator (TERRAFLOP_OPERATOR). */
  operator: string;
  /** Seconds before validated credit is final (TERRAFLOP_SETTLING_S). */
  settlingS: number;
}

/** Who runs the coordinator when TERRAFLOP_OPERATOR does not say. */
export const DEFAULT_OPERATOR = 'the operator of this Terraflop coordinator';

export const DEMO_PURPOSE =
  'Test work with known answers: radio bands with tones hidden at known places. It shows that volunteers’ ' +
  'devices compute correctly, and keeps this coordinator busy until researchers submit work of their own.';

export function coordinatorAbout(catalog: ProjectCatalogEntry[], settings: AboutSettings): CoordinatorAbout {
  return { ...settings, projects: catalog.map((entry) => projectInfo(entry, settings.operator)) };
}

function projectInfo(entry: ProjectCatalogEntry, operator: string): ProjectInfo {
  const apps = [
    ...entry.apps.filter((a) => a !== 'custom').map((a) => builtInAbout(a as Exclude<typeof a, 'custom'>)),
    ...entry.customApps.map((c) => customAbout(c.name, c.description)),
  ];
  if (entry.projectId === 0)
    return { shortName: DEMO_PROJECT, name: DEMO_PROJECT_NAME, runBy: operator, purpose: DEMO_PURPOSE, apps };
  return { shortName: projectShortName(entry.name), name: entry.name, ...entry.about, apps };
}
