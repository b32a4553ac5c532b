// The shared store's schema, as versioned migrations (db.ts applies them). Version 1 is the SQLite store's schema as
// of its migration 8 (sqlite/db.ts), with PostgreSQL's types: sealed event data as bytea, times as ISO text compared
// byte by byte (COLLATE "C", so a locale's collation cannot reorder them), and each daemon's last publication of
// presence (seen_at, the database's clock, so instances' clocks need not agree).
export const PG_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE daemons (
    id text PRIMARY KEY,
    credential_hash text NOT NULL UNIQUE,     -- sha256(credential), hex; the credential itself is never stored
    created_at text COLLATE "C" NOT NULL,
    device_hash text UNIQUE,
    device_read_hash text UNIQUE,
    device_expires_at text COLLATE "C",
    seen_at timestamptz                       -- last published as linked by an instance (presence)
  );

  CREATE TABLE sessions (
    id text PRIMARY KEY,
    daemon_id text NOT NULL REFERENCES daemons(id) ON DELETE CASCADE,
    view text NOT NULL,                       -- the RemoteSession document (sealed inside), JSON
    token_hash text UNIQUE,
    read_hash text UNIQUE,
    envelope text,
    device_envelope text,
    expires_at text COLLATE "C",
    acked_seq bigint NOT NULL DEFAULT 0,
    pruned_through bigint NOT NULL DEFAULT 0,
    event_count bigint NOT NULL DEFAULT 0,
    event_bytes bigint NOT NULL DEFAULT 0,
    first_at text COLLATE "C",
    updated_at text COLLATE "C" NOT NULL
  );
  CREATE INDEX sessions_daemon ON sessions(daemon_id);
  CREATE INDEX sessions_first_at ON sessions(first_at) WHERE first_at IS NOT NULL;

  CREATE TABLE retired_tokens (
    token_hash text PRIMARY KEY,
    session_id text NOT NULL,
    reason text NOT NULL,
    at text COLLATE "C" NOT NULL
  );

  CREATE TABLE events (
    session_id text NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq bigint NOT NULL,
    at text COLLATE "C" NOT NULL,
    kind text NOT NULL,
    data bytea NOT NULL,                      -- event-data.ts packBytes
    PRIMARY KEY (session_id, seq)
  );

  CREATE TABLE instructions (
    seq bigserial PRIMARY KEY,                -- acceptance order
    id text NOT NULL UNIQUE,
    daemon_id text NOT NULL REFERENCES daemons(id) ON DELETE CASCADE,
    session_id text REFERENCES sessions(id) ON DELETE CASCADE,
    kind text NOT NULL,
    payload text NOT NULL,
    idempotency_key text NOT NULL,
    via text,
    created_at text COLLATE "C" NOT NULL,
    acked_at text COLLATE "C",
    result text,
    UNIQUE (session_id, idempotency_key)
  );
  CREATE INDEX instructions_pending ON instructions(daemon_id, seq) WHERE acked_at IS NULL;
  CREATE INDEX instructions_session_pending ON instructions(session_id) WHERE acked_at IS NULL;
  CREATE INDEX instructions_acked ON instructions(acked_at) WHERE acked_at IS NOT NULL;
  CREATE UNIQUE INDEX instructions_daemon_key ON instructions(daemon_id, idempotency_key) WHERE session_id IS NULL;
  `,
];
