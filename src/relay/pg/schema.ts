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
    device_expires_at text COLLATE "C"
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
  // 2: an upload's part stored in one statement (events.ts append): lock the session's row, insert what is new,
  // prune beyond the count and byte budgets, advance the contiguous ack, write the cursor. The same steps as
  // sqlite/events.ts, run inside the database: one round trip instead of six (the relay's cost per upload under
  // load was mostly PostgreSQL parsing and answering small statements, docs/benchmarks.md "Relay load").
  // SQLSTATE P0002: the session is gone.
  `
  CREATE FUNCTION rcd_append(p_session text, p_first bigint, p_seqs bigint[], p_ats text[], p_kinds text[], p_data bytea[],
                             p_keep_events bigint, p_keep_bytes bigint)
  RETURNS TABLE (acked bigint, advanced boolean) LANGUAGE plpgsql AS $fn$
  DECLARE
    c record;
    v_acked bigint; v_pruned bigint; v_count bigint; v_bytes bigint; v_before bigint;
    v_empty boolean; v_cut boolean := false; v_through bigint; n_rows bigint; n_bytes bigint;
  BEGIN
    SELECT s.acked_seq, s.pruned_through, s.event_count, s.event_bytes INTO c FROM sessions s WHERE s.id = p_session FOR UPDATE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'session % is not on the relay', p_session USING ERRCODE = 'P0002';
    END IF;
    v_acked := c.acked_seq; v_pruned := c.pruned_through; v_count := c.event_count; v_bytes := c.event_bytes;
    v_empty := v_count = 0;
    -- Events the daemon itself pruned before uploading them will never come: like our own pruning.
    IF p_first IS NOT NULL THEN v_pruned := GREATEST(v_pruned, p_first - 1); END IF;
    WITH ins AS (
      INSERT INTO events (session_id, seq, at, kind, data)
      SELECT p_session, u.seq, u.at, u.kind, u.data FROM unnest(p_seqs, p_ats, p_kinds, p_data) AS u(seq, at, kind, data)
       WHERE u.seq > v_pruned
      ON CONFLICT (session_id, seq) DO NOTHING RETURNING length(events.data) AS n)
    SELECT count(*), COALESCE(sum(ins.n), 0) INTO n_rows, n_bytes FROM ins;
    v_count := v_count + n_rows; v_bytes := v_bytes + n_bytes;
    -- Pruned through the later of two points: the count budget's (the oldest events beyond p_keep_events) and the
    -- byte budget's (the first seq at which the running total reaches the excess, never the newest event, which is
    -- kept for a follower). One pass gives what sqlite/events.ts gets by pruning for count and then for bytes.
    IF v_count > p_keep_events THEN
      SELECT e.seq INTO v_through FROM events e WHERE e.session_id = p_session ORDER BY e.seq OFFSET v_count - p_keep_events - 1 LIMIT 1;
    END IF;
    IF v_bytes > p_keep_bytes THEN
      v_through := GREATEST(v_through, LEAST(
        (SELECT t.seq FROM (SELECT e.seq, sum(length(e.data)) OVER (ORDER BY e.seq) AS run FROM events e WHERE e.session_id = p_session) t
          WHERE t.run >= v_bytes - p_keep_bytes ORDER BY t.seq LIMIT 1),
        (SELECT e.seq FROM events e WHERE e.session_id = p_session ORDER BY e.seq DESC LIMIT 1) - 1));
    END IF;
    IF v_through IS NOT NULL AND v_through > 0 THEN
      WITH d AS (DELETE FROM events e WHERE e.session_id = p_session AND e.seq <= v_through RETURNING length(e.data) AS n)
      SELECT count(*), COALESCE(sum(d.n), 0) INTO n_rows, n_bytes FROM d;
      v_count := v_count - n_rows; v_bytes := v_bytes - n_bytes; v_pruned := GREATEST(v_pruned, v_through);
      v_cut := n_rows > 0;
    END IF;
    v_before := v_acked;
    -- Pruned events are not coming back, so they count as held; then the contiguous run after that: the events
    -- seq = ack + row number.
    v_acked := GREATEST(v_acked, v_pruned);
    SELECT COALESCE(max(t.seq), v_acked) INTO v_acked FROM
      (SELECT e.seq, e.seq - row_number() OVER (ORDER BY e.seq) AS grp FROM events e WHERE e.session_id = p_session AND e.seq > v_acked) t
     WHERE t.grp = v_acked;
    UPDATE sessions s SET acked_seq = v_acked, pruned_through = v_pruned, event_count = v_count, event_bytes = v_bytes,
           first_at = CASE WHEN v_cut OR (v_empty AND v_count > 0)
                           THEN (SELECT e.at FROM events e WHERE e.session_id = p_session ORDER BY e.seq LIMIT 1) ELSE s.first_at END
     WHERE s.id = p_session;
    acked := v_acked;
    advanced := v_acked > v_before;
    RETURN NEXT;
  END
  $fn$;
  `,
  // 3: which daemons are linked to which live instance (presence.ts): rows change when a link does, and each instance
  // writes one heartbeat row.
  `
  CREATE UNLOGGED TABLE relay_instances (
    id text PRIMARY KEY,
    heartbeat_at timestamptz NOT NULL
  );
  CREATE UNLOGGED TABLE daemon_links (
    daemon_id text NOT NULL,
    instance_id text NOT NULL REFERENCES relay_instances(id) ON DELETE CASCADE,
    PRIMARY KEY (daemon_id, instance_id)
  );
  CREATE INDEX daemon_links_instance ON daemon_links(instance_id);
  `,
];
