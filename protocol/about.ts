/**
 * @module protocol/about
 * What volunteers and partner sites are told about the work their devices compute: who runs this coordinator, each
 * project's display name, who runs it and what its results serve, and each app's own description (built-in kernels
 * and researchers' apps alike). GET /api/public/about answers it. Free of the apps' own schemas, so the partner
 * widget reads it without loading them.
 */
import { z } from 'zod';

/** A project's lines for volunteers, set by its researchers (PUT /api/research/project/about). */
export const ProjectAbout = z.strictObject({
  /** Who runs the project: a lab, a group, a person ("The Radio Lab, University of Utrecht"). Empty when unset. */
  runBy: z.string().trim().max(200),
  /** What its results serve, in a sentence or two for volunteers. Empty when unset. */
  purpose: z.string().trim().max(600),
});
export type ProjectAbout = z.infer<typeof ProjectAbout>;

/** One app as volunteers see it. */
export const AppAbout = z.strictObject({
  /** A built-in app's name (`signal-search`) or a researcher's app's manifest name. */
  name: z.string(),
  /** A few words: "Signal search". */
  title: z.string(),
  /** What one work unit computes, in plain words. */
  description: z.string(),
});
export type AppAbout = z.infer<typeof AppAbout>;

export const ProjectInfo = ProjectAbout.extend({
  /** The short name units and widgets name the project by (protocol/project-name.ts); `demo` for the demo. */
  shortName: z.string(),
  /** The display name. */
  name: z.string(),
  /** The apps of its batches and its researchers' own apps. */
  apps: z.array(AppAbout),
});
export type ProjectInfo = z.infer<typeof ProjectInfo>;

export const CoordinatorAbout = z.strictObject({
  /** Who runs this coordinator (TERRAFLOP_OPERATOR). */
  operator: z.string(),
  /** Seconds validated credit waits before it is final and may go on chain (TERRAFLOP_SETTLING_S). */
  settlingS: z.number().int().min(0),
  projects: z.array(ProjectInfo),
});
export type CoordinatorAbout = z.infer<typeof CoordinatorAbout>;
