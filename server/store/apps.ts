/**
 * @module server/store/apps
 * Researchers' own apps, versioned, as the store keeps them: a version is registered once (its module checked first
 * by the caller), a name belongs to the project that registered it first, and versions only go up. Implemented over
 * SQL in server/store/sql/app-store.ts, in the coordinator's database beside the work.
 */
import type { CustomAppManifest, CustomAppVersion } from '../../protocol/custom-app.ts';

export type RegisterOutcome =
  | { ok: true; version: CustomAppVersion }
  | { ok: false; reason: 'name-taken' | 'version-not-newer'; latest?: number };

/** The module as the store receives it: base64 text, its SHA-256 and its size. */
export interface AppModule {
  base64: string;
  sha256: string;
  bytes: number;
}

export interface AppStore {
  /** Registers a version for the project; refused when another project owns the name or the version is not newer. */
  register(projectId: number, manifest: CustomAppManifest, module: AppModule, now: number): Promise<RegisterOutcome>;
  /** One version and the project that owns it; undefined when there is none. */
  version(name: string, version: number): Promise<(CustomAppVersion & { projectId: number }) | undefined>;
  /** A version's module, as hosts fetch it. */
  module(name: string, version: number): Promise<Uint8Array | undefined>;
  /** The project's apps, every version, by name then version. */
  list(projectId: number): Promise<CustomAppVersion[]>;
}
