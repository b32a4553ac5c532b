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
  // 2: the relay link: this daemon's credential, session URLs, upload cursors and the instruction inbox.
  `
  CREATE TABLE link_identity (
    relay TEXT PRIMARY KEY,          -- relay origin the credential belongs to
    daemon_id TEXT NOT NULL,
    credential TEXT NOT NULL         -- secret: never logged
  );

  CREATE TABLE session_access (
    session_id TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    token TEXT,                      -- secret (the URL's capability); NULL once revoked
    token_hash TEXT,
    expires_at TEXT,
    revoked_at TEXT,
    synced INTEGER NOT NULL DEFAULT 0, -- 1 once the relay has acknowledged this state of access
    updated_at TEXT NOT NULL
  );

  CREATE TABLE link_cursors (
    session_id TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    acked_seq INTEGER NOT NULL DEFAULT 0 -- every event up to here is held by the relay
  );

  CREATE TABLE inbox (
    id TEXT PRIMARY KEY,             -- the relay's instruction id: a repeat delivery is ignored
    session_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    via TEXT,                        -- hash of the token it came through, when the relay says
    received_at TEXT NOT NULL,
    started_at TEXT,                 -- set in the transaction before the side effect: never run twice
    done_at TEXT,
    error TEXT
  );
  CREATE INDEX inbox_pending ON inbox(received_at) WHERE started_at IS NULL;
  `,
  // 3: tool-call approvals asked for by agents (claude), and the audit trail of every decision on them.
  `
  CREATE TABLE approvals (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    id TEXT NOT NULL,                -- the agent's request id (its control_request's request_id)
    run INTEGER NOT NULL,            -- the run that asked: only that process can receive the answer
    tool TEXT NOT NULL,
    input TEXT NOT NULL,             -- JSON; may hold secrets (a command line): never logged
    state TEXT NOT NULL,             -- pending | allowed | denied | expired
    created_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by TEXT,                 -- local | remote | timeout | rcd
    message TEXT,                    -- deny message, or why it expired
    delivered INTEGER NOT NULL DEFAULT 0, -- 1 once the answer was written to the agent (re-sent after a crash)
    PRIMARY KEY (session_id, id)
  );
  CREATE INDEX approvals_pending ON approvals(session_id, created_at) WHERE state = 'pending';

  -- Kept after the session is removed: who decided what, and when, is the point of an audit trail.
  CREATE TABLE approval_audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    session_id TEXT NOT NULL,
    approval_id TEXT NOT NULL,
    tool TEXT NOT NULL,
    action TEXT NOT NULL,            -- requested | allowed | denied | expired
    actor TEXT NOT NULL,             -- agent | local | remote | timeout | rcd
    detail TEXT
  );
  `,
  // 4: sessions removed while a relay may still hold them, kept until the relay has been told (DELETE): a removal
  // must survive a daemon restart, or the relay keeps serving the session's output to its URL. Recorded by a
  // trigger, so in the very transaction that deletes the session; only once this daemon has ever linked to a relay.
  `
  CREATE TABLE link_removals (
    session_id TEXT PRIMARY KEY,
    removed_at TEXT NOT NULL
  );
  CREATE TRIGGER link_removal AFTER DELETE ON sessions
    WHEN EXISTS (SELECT 1 FROM link_identity)
  BEGIN
    INSERT OR IGNORE INTO link_removals (session_id, removed_at) VALUES (OLD.id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
  END;
  `,
  // 5: session URLs carry a secret in their fragment (docs/e2e-protocol.md): the token column now holds that secret, the
  // relay gets the hashes of two credentials derived from it (steer: token_hash; read: read_hash). URLs of the old
  // form (the token in the path) stop working: their access is cleared and pushed to the relay as a revocation,
  // and the next rcd url issues a new URL.
  `
  ALTER TABLE session_access ADD COLUMN read_hash TEXT;
  UPDATE session_access SET token = NULL, token_hash = NULL, expires_at = NULL, synced = 0 WHERE token IS NOT NULL;
  `,
  // 6: what Claude Code asks besides tool permissions (issue 16): questions and plans are requests of their own kind,
  // an allow may carry more than the input (answers, permission updates), and a claude session keeps its permission
  // mode across runs.
  `
  ALTER TABLE sessions ADD COLUMN permission_mode TEXT; -- claude: last seen in its init line or switched to; given again to the next run
  ALTER TABLE approvals ADD COLUMN kind TEXT NOT NULL DEFAULT 'tool'; -- tool | question | plan
  ALTER TABLE approvals ADD COLUMN suggestions TEXT;  -- JSON: the request's permission_suggestions, when it had some
  ALTER TABLE approvals ADD COLUMN answer TEXT;       -- JSON: what an allow carries (updatedInput, updatedPermissions), re-sent as is
  ALTER TABLE approval_audit ADD COLUMN kind TEXT NOT NULL DEFAULT 'tool'; -- tool | question | plan | mode | interrupt
  `,
  // 7: each session's content key (docs/e2e-protocol.md): events go up to the relay sealed with it, and each URL
  // gets it wrapped under that URL's key. Random, made at the session's first upload; secret like the URL's key.
  `
  CREATE TABLE session_keys (
    session_id TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL,
    key TEXT NOT NULL                -- secret: base64url, 32 bytes
  );
  `,
  // 8: content-key epochs (docs/e2e-protocol.md): rotating or revoking a session's URL starts a new random key, so the
  // old URL's envelope opens nothing sealed afterwards; a session keeps every epoch (the new URL reads the history).
  // The table is rebuilt with the key (session_id, epoch), keeping the existing keys as they are (epoch 1); the old
  // table's pages are zeroed (secure_delete). And the inbox gets the nonce of a sealed instruction as a column of its
  // own, indexed, so the replay check is a lookup rather than a JSON scan of the session's instructions.
  `
  CREATE TABLE session_keys_v8 (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL,          -- 1, 2, ...: records name the epoch that sealed them
    key TEXT NOT NULL,               -- secret: base64url, 32 bytes
    PRIMARY KEY (session_id, epoch)
  );
  INSERT INTO session_keys_v8 (session_id, epoch, key) SELECT session_id, epoch, key FROM session_keys;
  DROP TABLE session_keys;
  ALTER TABLE session_keys_v8 RENAME TO session_keys;

  ALTER TABLE inbox ADD COLUMN nonce TEXT; -- a sealed instruction's client nonce; NULL for anything else
  UPDATE inbox SET nonce = json_extract(payload, '$.nonce') WHERE kind = 'sealed' AND json_type(payload, '$.nonce') = 'text';
  CREATE INDEX inbox_nonce ON inbox(session_id, nonce) WHERE nonce IS NOT NULL;
  `,
  // 9: the device URL (docs/e2e-protocol.md "URLs"): one secret that opens every session of this daemon, kept like a
  // session URL's (src/store/device-access.ts). One row at most.
  `
  CREATE TABLE device_access (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    token TEXT,                      -- secret (the device URL's key); NULL once revoked
    token_hash TEXT,                 -- sha256 of the steer credential it derives (what instructions name as via)
    read_hash TEXT,                  -- sha256 of the read credential
    expires_at TEXT,
    revoked_at TEXT,
    synced INTEGER NOT NULL DEFAULT 0, -- 1 once the relay has acknowledged this state
    updated_at TEXT NOT NULL
  );
  `,
  // 10: each content-key epoch covers the events from its first seq on (from_seq: the session's next seq when it
  // began), so a client refuses an event sealed under any other epoch than the one covering its seq: a key held by a
  // URL replaced since cannot seal events that pass for later ones. replaced_at: when the next epoch began (an
  // instruction sealed under a replaced key is taken only for a short while after).
  `
  ALTER TABLE session_keys ADD COLUMN from_seq INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE session_keys ADD COLUMN replaced_at TEXT;
  `,
  // 11: a session can run in a git worktree rcd made for it (rcd start --worktree): { path, branch, repo } as JSON.
  `
  ALTER TABLE sessions ADD COLUMN worktree TEXT;
  `,
  // 12: remote start (rcd remote start DEVICE_URL): an instruction to the daemon itself has no session, so the inbox is
  // rebuilt with session_id optional (NULL: for the daemon), and keeps what the daemon made of such an instruction
  // (result, JSON) until the relay has it for the client (result_sent). A session says whether it was started here
  // or remotely (origin): a remote start takes its environment from the newest local one under its root.
  `
  CREATE TABLE inbox_v12 (
    id TEXT PRIMARY KEY,             -- the relay's instruction id: a repeat delivery is ignored
    session_id TEXT,                 -- NULL: an instruction to the daemon itself (a remote start)
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    via TEXT,                        -- hash of the token it came through, when the relay says
    received_at TEXT NOT NULL,
    started_at TEXT,                 -- set in the transaction before the side effect: never run twice
    done_at TEXT,
    error TEXT,
    nonce TEXT,                      -- a sealed instruction's client nonce; NULL for anything else
    result TEXT,                     -- an instruction to the daemon: its outcome for the client (JSON; sealed when sent)
    result_sent INTEGER NOT NULL DEFAULT 0
  );
  INSERT INTO inbox_v12 (id, session_id, kind, payload, via, received_at, started_at, done_at, error, nonce)
    SELECT id, session_id, kind, payload, via, received_at, started_at, done_at, error, nonce FROM inbox;
  DROP TABLE inbox;
  ALTER TABLE inbox_v12 RENAME TO inbox;
  CREATE INDEX inbox_pending ON inbox(received_at) WHERE started_at IS NULL;
  CREATE INDEX inbox_nonce ON inbox(session_id, nonce) WHERE nonce IS NOT NULL;
  CREATE INDEX inbox_results ON inbox(done_at) WHERE result IS NOT NULL AND result_sent = 0;

  ALTER TABLE sessions ADD COLUMN origin TEXT NOT NULL DEFAULT 'local'; -- local | remote
  `,
  // 13: Web Push subscriptions of installed web apps (src/daemon/remote/push.ts), made through the device URL. The
  // endpoint is a capability (whoever knows it can push to that browser with the relay's key): never logged.
  `
  CREATE TABLE push_subscriptions (
    endpoint TEXT PRIMARY KEY,
    p256dh TEXT NOT NULL,            -- the browser's P-256 public key (base64url): notifications are encrypted to it
    auth TEXT NOT NULL,              -- the browser's auth secret (base64url)
    created_at TEXT NOT NULL
  );
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the database to `to` (the current schema; tests stop earlier to check a later migration on old rows). */
export function migrate(db: Database.Database, to = SCHEMA_VERSION): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > SCHEMA_VERSION) {
    throw new RcdError(
      'INTERNAL',
      `the database was written by a newer rcd (schema ${from}, this rcd knows ${SCHEMA_VERSION}); upgrade rcd or point RCD_HOME elsewhere`,
    );
  }
  const apply = db.transaction(() => {
    for (let v = from; v < to; v++) {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }
  });
  apply.immediate();
  return { from, to: Math.max(from, to) };
}
