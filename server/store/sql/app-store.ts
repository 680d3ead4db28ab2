/**
 * @module server/store/sql/app-store
 * The AppStore over SQL (table custom_apps), through the same Db as the work (SQLite or Postgres).
 */
import type { CustomAppManifest, CustomAppVersion } from '../../../protocol/custom-app.ts';
import type { AppModule, AppStore, RegisterOutcome } from '../apps.ts';
import type { Db } from './db.ts';

interface Row {
  manifest: string;
  module_sha256: string;
  module_bytes: number;
  created_at: number;
}

const toVersion = (r: Row): CustomAppVersion => ({
  manifest: JSON.parse(r.manifest) as CustomAppManifest,
  moduleSha256: r.module_sha256,
  moduleBytes: Number(r.module_bytes),
  createdAt: Number(r.created_at),
});

export class SqlAppStore implements AppStore {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  register(projectId: number, manifest: CustomAppManifest, module: AppModule, now: number): Promise<RegisterOutcome> {
    return this.db.transaction(async (q) => {
      const latest = await q.get<{ project_id: number; version: number }>(
        `SELECT project_id, version FROM custom_apps WHERE name = ? ORDER BY version DESC LIMIT 1${this.db.forUpdate}`,
        [manifest.name],
      );
      if (latest && Number(latest.project_id) !== projectId) return { ok: false, reason: 'name-taken' };
      if (latest && manifest.version <= latest.version)
        return { ok: false, reason: 'version-not-newer', latest: latest.version };
      await q.run(
        `INSERT INTO custom_apps (name, version, project_id, manifest, module, module_sha256, module_bytes, created_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          manifest.name,
          manifest.version,
          projectId,
          JSON.stringify(manifest),
          module.base64,
          module.sha256,
          module.bytes,
          now,
        ],
      );
      return {
        ok: true,
        version: { manifest, moduleSha256: module.sha256, moduleBytes: module.bytes, createdAt: now },
      };
    });
  }

  async version(name: string, version: number): Promise<(CustomAppVersion & { projectId: number }) | undefined> {
    const row = await this.db.get<Row & { project_id: number }>(
      `SELECT manifest, module_sha256, module_bytes, created_at, project_id FROM custom_apps
        WHERE name = ? AND version = ?`,
      [name, version],
    );
    return row && { ...toVersion(row), projectId: Number(row.project_id) };
  }

  async module(name: string, version: number): Promise<Uint8Array | undefined> {
    const row = await this.db.get<{ module: string }>('SELECT module FROM custom_apps WHERE name = ? AND version = ?', [
      name,
      version,
    ]);
    return row && Buffer.from(row.module, 'base64');
  }

  async list(projectId: number): Promise<CustomAppVersion[]> {
    const rows = await this.db.all<Row>(
      `SELECT manifest, module_sha256, module_bytes, created_at FROM custom_apps
        WHERE project_id = ? ORDER BY name, version`,
      [projectId],
    );
    return rows.map(toVersion);
  }
}
