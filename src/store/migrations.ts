// Versioned schema migrations. Each entry runs once, in order, inside one transaction with the
// `user_version` bump, so a crash mid-migration leaves the previous version intact.
import type Database from 'better-sqlite3';
import { RcdError } from '../common/errors.js';

const MIGRATIONS: readonly string[] = [
  // 1: sessions, their runs, their events (output chunks and state changes) and the output-file offsets.
  `
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    cwd TEXT NOT NULL,
    agent TEXT NOT NULL,
    command TEXT NOT NULL,          -- JSON array of argv
    env TEXT NOT NULL,              -- JSON object; may hold secrets: never logged
    restart_policy TEXT NOT NULL,
    state TEXT NOT NULL,
    pid INTEGER,                    -- the agent's own pid while it runs
    pid_start TEXT,                 -- its start time (/proc stat field 22 + boot id), to refuse a reused pid
    wrapper_pid INTEGER,
    run INTEGER NOT NULL DEFAULT 0, -- number of the current or last run
    restarts INTEGER NOT NULL DEFAULT 0,
    exit_code INTEGER,
    signal TEXT,
    reason TEXT,
    agent_session_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    started_at TEXT
  );
  -- One live session per directory, enforced by the database itself so racing starts cannot both win.
  CREATE UNIQUE INDEX sessions_live_cwd ON sessions(cwd)
    WHERE state IN ('starting', 'running', 'restarting', 'stopping');

  CREATE TABLE runs (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    run INTEGER NOT NULL,
    pid INTEGER,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    exit_code INTEGER,
    signal TEXT,
    reason TEXT,
    PRIMARY KEY (session_id, run)
  );

  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,           -- per-session, gap-free, assigned in the transaction that stores the event
    at TEXT NOT NULL,
    kind TEXT NOT NULL,             -- 'output' | 'state'
    stream TEXT,                    -- output only: which file it came from
    data BLOB NOT NULL,
    UNIQUE (session_id, seq)
  );

  CREATE TABLE output_offsets (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    stream TEXT NOT NULL,
    path TEXT NOT NULL,
    offset INTEGER NOT NULL DEFAULT 0, -- bytes of the file already stored as events
    PRIMARY KEY (session_id, stream)
  );
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database.Database): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > SCHEMA_VERSION) {
    throw new RcdError(
      'INTERNAL',
      `the database was written by a newer rcd (schema ${from}, this rcd knows ${SCHEMA_VERSION}); upgrade rcd or point RCD_HOME elsewhere`,
    );
  }
  const apply = db.transaction(() => {
    for (let v = from; v < SCHEMA_VERSION; v++) {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }
  });
  apply.immediate();
  return { from, to: SCHEMA_VERSION };
}
