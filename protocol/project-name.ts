/**
 * @module protocol/project-name
 * A project's short name: how a partner's widget names the project it contributes to (`data-project`) and how a
 * work request asks for that project's units. Kept free of zod so that the widget's few-hundred-byte loader can
 * check it too.
 */

/** 1-64 lowercase letters, digits or dashes, starting with a letter or digit. */
export const PROJECT_SHORT_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** The demo project's short name: its units are those of batches without a project (the demo feeder's). */
export const DEMO_PROJECT = 'demo';
/** The demo project's display name. */
export const DEMO_PROJECT_NAME = 'Terraflop demo';

/**
 * The short name of a project called `name`: lowercased, every run of other characters than letters and digits
 * made one dash, dashes trimmed from the ends, at most 64 characters. Two projects never share one (createProject
 * refuses the second), and no project takes "demo".
 * @example projectShortName('Pulsar Search 2') // 'pulsar-search-2'
 */
export function projectShortName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 64)
    .replace(/^-+|-+$/g, '');
}
