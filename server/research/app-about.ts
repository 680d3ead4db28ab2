/**
 * @module server/research/app-about
 * The built-in apps as volunteers and researchers read about them: each kernel folder's about.ts (title,
 * description, example unit), and a researcher's app as its manifest describes it.
 */
import type { AppAbout } from '../../protocol/about.ts';
import type { AppCatalog } from '../../protocol/app-catalog.ts';
import { collatzAbout } from '../../worker-kernels/collatz/about.ts';
import { matmulAbout } from '../../worker-kernels/matmul/about.ts';
import { signalSearchAbout } from '../../worker-kernels/signal-search/about.ts';
import { trainingAbout } from '../../worker-kernels/training/about.ts';
import type { AppName } from '../store/types.ts';

export const BUILT_IN_APPS = {
  'signal-search': signalSearchAbout,
  collatz: collatzAbout,
  matmul: matmulAbout,
  training: trainingAbout,
} as const satisfies Record<Exclude<AppName, 'custom'>, unknown>;

export function builtInAbout(app: Exclude<AppName, 'custom'>): AppAbout {
  const { title, description } = BUILT_IN_APPS[app];
  return { name: app, title, description };
}

/** A researcher's app: its name is its title; its manifest's description, or a plain line when it gives none. */
export function customAbout(name: string, description: string | null): AppAbout {
  return {
    name,
    title: name,
    description: description ?? "A researcher's own app, run in a sandbox; its researchers have not described it.",
  };
}

/** GET /api/public/apps: every built-in app with an example unit. */
export function appCatalog(): AppCatalog {
  return {
    apps: (Object.keys(BUILT_IN_APPS) as Array<keyof typeof BUILT_IN_APPS>).map((app) => ({
      ...builtInAbout(app),
      example: BUILT_IN_APPS[app].example,
    })),
  };
}
