/**
 * @module web/embed/options
 * The widget's embed options, read from the loader's data attributes or the frame's query string, checked the same
 * way on both sides so that a bad value is refused with one clear message and nothing is drawn or run.
 */
import { DEMO_PROJECT, PROJECT_SHORT_NAME } from '../../protocol/project-name.ts';
import { BaseError } from '../../protocol/base-error.ts';

export type Theme = 'light' | 'dark' | 'auto';

export interface EmbedOptions {
  /** A project's short name (protocol/project-name.ts): shown in the widget, and the only project it computes for. */
  project: string;
  theme: Theme;
  /** Busy share of the widget's one worker, in percent; low by default so a visitor's device stays cool. */
  cpuLimit: number;
}

export const DEFAULT_CPU_LIMIT = 25;
const THEMES: readonly Theme[] = ['light', 'dark', 'auto'];

export class EmbedOptionsError extends BaseError {
  override name = 'EmbedOptionsError' as const;
}

/** Raw values as the page gives them: attributes or query parameters, absent when not set. */
export interface RawOptions {
  project?: string | null | undefined;
  theme?: string | null | undefined;
  cpuLimit?: string | null | undefined;
}

/**
 * Parses raw option strings, filling in defaults, or throws an EmbedOptionsError naming each bad value.
 * @example parseEmbedOptions({ cpuLimit: '10' }) // { project: 'demo', theme: 'auto', cpuLimit: 10 }
 */
export function parseEmbedOptions(raw: RawOptions): EmbedOptions {
  const issues: { path: string; message: string }[] = [];
  const project = raw.project ?? DEMO_PROJECT;
  if (!PROJECT_SHORT_NAME.test(project))
    issues.push({ path: 'project', message: `must be 1-64 lowercase letters, digits or dashes, got "${project}"` });
  const theme = (raw.theme ?? 'auto') as Theme;
  if (!THEMES.includes(theme))
    issues.push({ path: 'theme', message: `must be one of ${THEMES.join(', ')}, got "${raw.theme}"` });
  const cpuText = raw.cpuLimit ?? String(DEFAULT_CPU_LIMIT);
  const cpuLimit = /^\d{1,3}%?$/.test(cpuText.trim()) ? parseInt(cpuText, 10) : NaN;
  if (!(cpuLimit >= 5 && cpuLimit <= 100))
    issues.push({ path: 'cpu-limit', message: `must be a whole percentage from 5 to 100, got "${cpuText}"` });
  if (issues.length) {
    const problems = issues.map((i) => `${i.path} ${i.message}`).join('; ');
    throw new EmbedOptionsError(`Terraflop widget: ${problems}`, { issues });
  }
  return { project, theme, cpuLimit };
}

/** The frame's address on the coordinator for these options. */
export function frameUrl(coordinator: string, options: EmbedOptions): string {
  const url = new URL('/widget-frame.html', coordinator);
  url.searchParams.set('project', options.project);
  url.searchParams.set('theme', options.theme);
  url.searchParams.set('cpu-limit', String(options.cpuLimit));
  return url.href;
}

/** The options of a frame address (the inverse of frameUrl). */
export function optionsOfFrameUrl(href: string): EmbedOptions {
  const query = new URL(href).searchParams;
  return parseEmbedOptions({
    project: query.get('project'),
    theme: query.get('theme'),
    cpuLimit: query.get('cpu-limit'),
  });
}
