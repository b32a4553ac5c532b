// The relay's own SQLite database (<data>/relay.db): settings, versioned migrations, and the exclusive lock that
// keeps a second relay off the same data directory (its long-poll wake-ups are in-process, so two would miss
// each other's news).
import Database from 'better-sqlite3';
import { RcdError } from '../../common/errors.js';

export type Db = Database.Database;

const MIGRATIONS: readonly string[] = [
  // 1: daemons, the sessions they registered (public view + current access), retired token hashes (to say
  // why a URL fails), events uploaded by daemons, and instructions sent by remote clients.
  `
  CREATE TABLE daemons (
    id TEXT PRIMARY KEY,
    credential_hash TEXT NOT NULL UNIQUE,   -- sha256(credential), hex; the credential itself is never stored
    created_at TEXT NOT NULL
  );

  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    daemon_id TEXT NOT NULL REFERENCES daemons(id) ON DELETE CASCADE,
    view TEXT NOT NULL,                     -- the RemoteSession document, JSON
    token_hash TEXT UNIQUE,                 -- sha256(token), hex; NULL once revoked
    expires_at TEXT,                        -- ISO time the current token stops working, or NULL
    acked_seq INTEGER NOT NULL DEFAULT 0,   -- every event up to here is held (or was pruned)
    pruned_through INTEGER NOT NULL DEFAULT 0,
    event_count INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX sessions_daemon ON sessions(daemon_id);

  CREATE TABLE retired_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    reason TEXT NOT NULL,                   -- 'rotated' | 'revoked'
    at TEXT NOT NULL
  );

  CREATE TABLE events (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,                     -- 'output' (data: base64) | 'state' (data: JSON text)
    data TEXT NOT NULL,                     -- since migration 8, 'sealed' data is a BLOB (events-store.ts packData)
    PRIMARY KEY (session_id, seq)
  ) WITHOUT ROWID;

  CREATE TABLE instructions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- acceptance order: the order the daemon runs them in
    id TEXT NOT NULL UNIQUE,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,                  -- JSON
    idempotency_key TEXT NOT NULL,
    via TEXT,                               -- sha256 of the token the client used (the daemon ignores revoked ones)
    created_at TEXT NOT NULL,
    acked_at TEXT,
    UNIQUE (session_id, idempotency_key)
  );
  CREATE INDEX instructions_pending ON instructions(session_id, seq) WHERE acked_at IS NULL;
  `,
  // 2: acknowledged instructions are swept after a while (InstructionStore.sweep).
  `
  CREATE INDEX instructions_acked ON instructions(acked_at) WHERE acked_at IS NOT NULL;
  `,
  // 3: view-only URLs: the hash of a session's read credential beside its steer credential's (token_hash). Both
  // derive from a secret in the URL's fragment (docs/e2e-protocol.md); retired_tokens holds either kind once retired.
  `
  ALTER TABLE sessions ADD COLUMN read_hash TEXT;
  CREATE UNIQUE INDEX sessions_read_hash ON sessions(read_hash) WHERE read_hash IS NOT NULL;
  `,
  // 4: events arrive sealed (docs/e2e-protocol.md), and a session's URL comes with its content keys sealed under the
  // URL's key (envelope). Events stored before are plaintext: deleted, with the acks, so daemons send them again
  // sealed (a session PUT answers ackedSeq 0 and the link uploads from there).
  `
  ALTER TABLE sessions ADD COLUMN envelope TEXT;
  DELETE FROM events;
  UPDATE sessions SET acked_seq = 0, pruned_through = 0, event_count = 0;
  `,
  // 5: session views arrive sealed too (names, directories, states and pending requests): the plaintext views are
  // replaced by empty sealed ones that say only whether the session was live; each daemon sends its sealed views
  // again when it links (it pushes every session on connect).
  `
  UPDATE sessions SET view = json_object(
    'id', id,
    'live', json(CASE WHEN json_extract(view, '$.state') IN ('starting', 'running', 'restarting', 'stopping') THEN 'true' ELSE 'false' END),
    'updatedAt', json_extract(view, '$.updatedAt'),
    'lastSeq', COALESCE(json_extract(view, '$.lastSeq'), 0),
    'sealed', '');
  `,
  // 6: device URLs: one per daemon, opening all its sessions (docs/e2e-protocol.md). The daemon keeps the hashes of
  // the device URL's two credentials (steer, read) and its expiry; each session keeps its content keys sealed under
  // the device URL's key (device_envelope), beside the envelope of its own URL.
  `
  ALTER TABLE daemons ADD COLUMN device_hash TEXT;
  ALTER TABLE daemons ADD COLUMN device_read_hash TEXT;
  ALTER TABLE daemons ADD COLUMN device_expires_at TEXT;
  CREATE UNIQUE INDEX daemons_device_hash ON daemons(device_hash) WHERE device_hash IS NOT NULL;
  CREATE UNIQUE INDEX daemons_device_read_hash ON daemons(device_read_hash) WHERE device_read_hash IS NOT NULL;
  ALTER TABLE sessions ADD COLUMN device_envelope TEXT;
  `,
  // 7: instructions to a daemon itself (a remote start through its device URL) beside those to its sessions: the
  // table is rebuilt with the daemon's id on every row and the session optional (NULL: for the daemon), and a sealed
  // result the daemon sends back for the client to fetch (docs/relay-protocol.md).
  `
  CREATE TABLE instructions_v7 (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    daemon_id TEXT NOT NULL REFERENCES daemons(id) ON DELETE CASCADE,
    session_id TEXT REFERENCES sessions(id) ON DELETE CASCADE,   -- NULL: an instruction to the daemon itself
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    via TEXT,
    created_at TEXT NOT NULL,
    acked_at TEXT,
    result TEXT,                            -- the daemon's answer to an instruction to itself, sealed; NULL until then
    UNIQUE (session_id, idempotency_key)
  );
  INSERT INTO instructions_v7 (seq, id, daemon_id, session_id, kind, payload, idempotency_key, via, created_at, acked_at)
    SELECT i.seq, i.id, s.daemon_id, i.session_id, i.kind, i.payload, i.idempotency_key, i.via, i.created_at, i.acked_at
      FROM instructions i JOIN sessions s ON s.id = i.session_id;
  DROP TABLE instructions;
  ALTER TABLE instructions_v7 RENAME TO instructions;
  CREATE INDEX instructions_pending ON instructions(daemon_id, seq) WHERE acked_at IS NULL;
  CREATE INDEX instructions_session_pending ON instructions(session_id) WHERE acked_at IS NULL;
  CREATE INDEX instructions_acked ON instructions(acked_at) WHERE acked_at IS NOT NULL;
  CREATE UNIQUE INDEX instructions_daemon_key ON instructions(daemon_id, idempotency_key) WHERE session_id IS NULL;
  `,
  // 8: retention by bytes and by age beside the count (events-store.ts): each session keeps the bytes of event data
  // it holds and the time of its oldest event. Sealed events are stored from now on as bytes (a BLOB: a TEXT column
  // keeps a BLOB as it is), not base64; rows stored before stay base64 text and are served as they are, so the
  // table is not rewritten (which on a large relay would hold its start for minutes).
  `
  ALTER TABLE sessions ADD COLUMN event_bytes INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE sessions ADD COLUMN first_at TEXT;
  UPDATE sessions SET
    event_bytes = COALESCE((SELECT SUM(length(data)) FROM events e WHERE e.session_id = sessions.id), 0),
    first_at = (SELECT at FROM events e WHERE e.session_id = sessions.id ORDER BY seq LIMIT 1);
  `,
];

export const RELAY_SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the database to `to` (the current schema; a test stops earlier to check a later migration on old rows). */
export function migrateRelay(db: Db, to = RELAY_SCHEMA_VERSION): void {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > RELAY_SCHEMA_VERSION) {
    throw new RcdError(
      'INTERNAL',
      `the relay database was written by a newer rcd (schema ${from}, this rcd knows ${RELAY_SCHEMA_VERSION}); upgrade rcd or use another --data directory`,
    );
  }
  db.transaction(() => {
    for (let v = from; v < to; v++) {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
}

export function openRelayDb(path: string): Db {
  let db: Db;
  try {
    db = new Database(path);
  } catch (err) {
    throw new RcdError('INTERNAL', `cannot open the relay database ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    // Exclusive: the first write takes the file lock and keeps it until close, so a second relay on this
    // directory fails at once instead of serving beside this one.
    db.pragma('busy_timeout = 0'); // a held lock means another relay: say so at once, not after a wait
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode survives a process crash (only a power loss can drop the last transactions).
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // What is deleted (events pruned, sessions removed, plaintext replaced by a migration) is overwritten, not
    // left in free pages for whoever copies the file later.
    db.pragma('secure_delete = ON');
    migrateRelay(db);
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY')) {
      throw new RcdError('ALREADY_RUNNING', `another rcd relay is using ${path}; stop it, or give this one another --data directory`, { cause: err });
    }
    if (err instanceof RcdError) throw err;
    throw new RcdError('INTERNAL', `cannot use the relay database ${path}: ${(err as Error).message}`, { cause: err });
  }
  return db;
}
