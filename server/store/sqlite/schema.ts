/**
 * @module server/store/sqlite/schema
 * The SQLite schema, applied in order by PRAGMA user_version. A migration is appended, never edited.
 */

export const migrations: string[] = [
  `
  CREATE TABLE volunteers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    total_credit REAL NOT NULL DEFAULT 0,
    rac REAL NOT NULL DEFAULT 0,
    rac_time INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE hosts (
    id INTEGER PRIMARY KEY,
    volunteer_id INTEGER NOT NULL REFERENCES volunteers(id),
    token_hash TEXT NOT NULL UNIQUE,
    platform TEXT,
    created_at INTEGER NOT NULL,
    total_credit REAL NOT NULL DEFAULT 0,
    rac REAL NOT NULL DEFAULT 0,
    rac_time INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE batches (
    id INTEGER PRIMARY KEY,
    app TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE work_units (
    id INTEGER PRIMARY KEY,
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    app TEXT NOT NULL,
    input TEXT NOT NULL,
    flops_estimate REAL NOT NULL,
    min_quorum INTEGER NOT NULL,
    target_nresults INTEGER NOT NULL,
    max_error_results INTEGER NOT NULL,
    max_total_results INTEGER NOT NULL,
    delay_bound_s INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'active',
    canonical_replica_id INTEGER,
    failure TEXT,
    need_validate INTEGER NOT NULL DEFAULT 0,
    transition_at INTEGER,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX work_units_transition ON work_units(transition_at) WHERE transition_at IS NOT NULL;
  CREATE INDEX work_units_validate ON work_units(id) WHERE need_validate = 1;
  CREATE TABLE replicas (
    id INTEGER PRIMARY KEY,
    work_unit_id INTEGER NOT NULL REFERENCES work_units(id),
    app TEXT NOT NULL,
    host_id INTEGER REFERENCES hosts(id),
    volunteer_id INTEGER REFERENCES volunteers(id),
    server_state TEXT NOT NULL DEFAULT 'unsent',
    outcome TEXT,
    validate_state TEXT NOT NULL DEFAULT 'init',
    sent_at INTEGER,
    deadline INTEGER,
    received_at INTEGER,
    result TEXT,
    variant TEXT,
    elapsed_ms REAL,
    granted_credit REAL NOT NULL DEFAULT 0,
    credited INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX replicas_unsent ON replicas(app, id) WHERE server_state = 'unsent';
  CREATE INDEX replicas_unit ON replicas(work_unit_id);
  CREATE INDEX replicas_host ON replicas(host_id, validate_state);
  CREATE INDEX replicas_to_credit ON replicas(id) WHERE validate_state = 'valid' AND credited = 0;
  `,
];
