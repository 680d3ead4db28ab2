/**
 * @module server/store/sql/rig-canonical
 * Test support, for the attestation spec: turns a running coordinator into a cheating one by its SQLite file. From
 * then on every canonical result it picks is rewritten to `forged`, as an operator who edits results would, so the
 * pages that re-execute an epoch's sample must find it false and dissent. Here because only the store speaks SQL.
 */
import { DatabaseSync } from 'node:sqlite';

export function rigCanonicalResults(file: string, forged: string): void {
  const db = new DatabaseSync(file);
  try {
    db.exec('PRAGMA busy_timeout = 10000');
    db.exec(`CREATE TRIGGER cheat AFTER UPDATE OF canonical_replica_id ON work_units
      WHEN NEW.canonical_replica_id IS NOT NULL
      BEGIN UPDATE replicas SET result = ${quote(forged)} WHERE id = NEW.canonical_replica_id; END`);
  } finally {
    db.close();
  }
}

/** A SQL string literal (a trigger body takes no bound parameters). */
const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
