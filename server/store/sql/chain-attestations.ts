/**
 * @module server/store/sql/chain-attestations
 * The attestations waiting to be relayed to the ledger (table attestations) over SQL, and the canonical results an
 * attester re-executes (read from the work tables, which share the database).
 */
import type { AttestationRecord, AttestationRecords, CanonicalSampleRow } from '../chain.ts';
import type { Db } from './db.ts';

interface Row {
  ledger: string;
  epoch: number;
  slot: number;
  signer: string;
  agree: number;
  signature: string;
  received_at: number;
  relayed: number;
  last_error: string | null;
}

const toRecord = (r: Row): AttestationRecord => ({
  ledger: r.ledger,
  epoch: Number(r.epoch),
  slot: Number(r.slot),
  signer: r.signer,
  agree: Number(r.agree) === 1,
  signature: r.signature,
  receivedAt: Number(r.received_at),
  relayed: Number(r.relayed),
  lastError: r.last_error,
});

export function attestationRecords(db: Db): AttestationRecords {
  return {
    recordAttestations: (rows) =>
      db.transaction(async (q) => {
        let added = 0;
        for (const r of rows)
          added += (
            await q.run(
              `INSERT INTO attestations (ledger, epoch, slot, signer, agree, signature, received_at)
              VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
              [r.ledger, r.epoch, r.slot, r.signer, r.agree ? 1 : 0, r.signature, r.receivedAt],
            )
          ).changes;
        return added;
      }),
    async pendingAttestations(ledger) {
      const rows = await db.all<Row>(
        'SELECT * FROM attestations WHERE ledger = ? AND relayed = 0 ORDER BY epoch, slot',
        [ledger],
      );
      return rows.map(toRecord);
    },
    async attestations(ledger, epoch) {
      const rows = await db.all<Row>('SELECT * FROM attestations WHERE ledger = ? AND epoch = ? ORDER BY slot', [
        ledger,
        epoch,
      ]);
      return rows.map(toRecord);
    },
    async markRelayed(ledger, epoch, slot, error) {
      await db.run('UPDATE attestations SET relayed = ?, last_error = ? WHERE ledger = ? AND epoch = ? AND slot = ?', [
        error === null ? 1 : -1,
        error?.slice(0, 500) ?? null,
        ledger,
        epoch,
        slot,
      ]);
    },
    async canonicalSample(apps, validatedAfter, validatedBy, limit, pick) {
      if (apps.length === 0) return [];
      const marks = apps.map(() => '?').join(', ');
      const ids = await db.all<{ id: number }>(
        `SELECT u.id FROM work_units u JOIN replicas r ON r.id = u.canonical_replica_id
          WHERE u.app IN (${marks}) AND r.result IS NOT NULL AND r.validated_at > ? AND r.validated_at <= ?
          ORDER BY u.id DESC LIMIT ?`,
        [...apps, validatedAfter, validatedBy, limit],
      );
      const chosen = pick(ids.map((r) => Number(r.id)));
      const rows: CanonicalSampleRow[] = [];
      for (const id of chosen) {
        const r = await db.get<{ app: string; input: string; result: string }>(
          `SELECT u.app, u.input, r.result FROM work_units u JOIN replicas r ON r.id = u.canonical_replica_id
            WHERE u.id = ?`,
          [id],
        );
        if (r) rows.push({ workUnitId: id, app: r.app, input: JSON.parse(r.input), output: JSON.parse(r.result) });
      }
      return rows;
    },
  };
}
