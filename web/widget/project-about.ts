/**
 * @module web/widget/project-about
 * The widget's reading of GET /api/public/about (protocol/about.ts's CoordinatorAbout): the entry of the project its
 * page names, checked field by field for what the widget shows. Written by hand, not with the protocol's zod schema,
 * because zod is about 26 KB gzipped, more than the whole frame a visitor downloads before deciding; the volunteer
 * client, which loads after the opt-in, parses with the schemas as every other page does. A reply of another shape
 * gives null, and the widget names the project by its short name.
 */
import type { AppAbout, ProjectInfo } from '../../protocol/about.ts';

const isString = (v: unknown): v is string => typeof v === 'string';

function appOf(value: unknown): AppAbout | null {
  const a = value as Partial<AppAbout> | null;
  return a && isString(a.name) && isString(a.title) && isString(a.description)
    ? { name: a.name, title: a.title, description: a.description }
    : null;
}

/** The project called `shortName` in a CoordinatorAbout reply, or null. */
export function projectInReply(reply: unknown, shortName: string): ProjectInfo | null {
  const projects = (reply as { projects?: unknown } | null)?.projects;
  if (!Array.isArray(projects)) return null;
  const p = projects.find((x) => (x as { shortName?: unknown } | null)?.shortName === shortName) as
    | Partial<Record<keyof ProjectInfo, unknown>>
    | undefined;
  if (!p || !isString(p.name) || !isString(p.runBy) || !isString(p.purpose) || !Array.isArray(p.apps)) return null;
  const apps = p.apps.map(appOf);
  if (apps.includes(null)) return null;
  return { shortName, name: p.name, runBy: p.runBy, purpose: p.purpose, apps: apps as AppAbout[] };
}
