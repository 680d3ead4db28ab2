/**
 * @module protocol/app-catalog
 * GET /api/public/apps: the built-in apps, each with its description and an example unit as a batch's units file
 * takes it, for researchers (the dashboard lists them with a copy button).
 */
import { z } from 'zod';
import { AppAbout } from './about.ts';
import { AppInput } from './apps.ts';

export const AppCatalog = z.strictObject({
  apps: z.array(AppAbout.extend({ example: AppInput })),
});
export type AppCatalog = z.infer<typeof AppCatalog>;
