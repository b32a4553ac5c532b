// Queries for the relay link: the daemon's credential, each session's URL token, upload cursors, the inbox.
import { randomBytes } from 'node:crypto';
import type { Db } from './db.js';

export interface Access {
  /** The control secret of the session's URL (base64url): the URL's capability, never logged. */
  token: string | null;
  /** sha256 of the steer credential derived from it (what instructions name as `via`). */
  tokenHash: string | null;
  /** sha256 of the read credential: what the view URL opens with. */
  readHash: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  synced: boolean;
}

export interface InboxItem {
  id: string;
  /** null: an instruction to the daemon itself (a remote start through the device URL). */
  sessionId: string | null;
  kind: string;
  payload: Record<string, unknown>;
  via: string | null;
}

export interface UploadEvent {
  seq: number;
  at: string;
  kind: 'output' | 'state';
  data: Buffer;
}

/** One epoch of a session's content key: `key` is secret (base64url, 32 bytes), never logged. */
export interface ContentKeyRow {
  epoch: number;
  key: string;
  /** The first event seq this epoch seals (the session's next seq when it began). */
  from: number;
  /** When the next epoch began (null for the newest). */
  replacedAt: string | null;
}

const KEY_COLUMNS = 'epoch, key, from_seq AS "from", replaced_at AS replacedAt';

/** The client nonce of a sealed instruction (what the replay check looks up), or null. */
const nonceOf = (i: InboxItem): string | null => (i.kind === 'sealed' && typeof i.payload.nonce === 'string' ? i.payload.nonce : null);

export class LinkStore {
  constructor(private readonly db: Db) {}

  identity(relay: string): { daemonId: string; credential: string } | undefined {
    const row = this.db.prepare<[string], { daemon_id: string; credential: string }>('SELECT daemon_id, credential FROM link_identity WHERE relay = ?').get(relay);
    return row && { daemonId: row.daemon_id, credential: row.credential };
  }

  setIdentity(relay: string, daemonId: string, credential: string): void {
    this.db.prepare('INSERT OR REPLACE INTO link_identity (relay, daemon_id, credential) VALUES (?, ?, ?)').run(relay, daemonId, credential);
  }

  /** Sessions removed locally that the relay may still hold (see migration 4), oldest first. */
  removals(): string[] {
    return this.db.prepare<[], { session_id: string }>('SELECT session_id FROM link_removals ORDER BY removed_at').all().map((r) => r.session_id);
  }

  /** The relay no longer holds it (it answered the DELETE, or never had it). */
  forgetRemoval(sessionId: string): void {
    this.db.prepare('DELETE FROM link_removals WHERE session_id = ?').run(sessionId);
  }

  access(sessionId: string): Access | undefined {
    const row = this.db
      .prepare<[string], { token: string | null; token_hash: string | null; read_hash: string | null; expires_at: string | null; revoked_at: string | null; synced: number }>(
        'SELECT token, token_hash, read_hash, expires_at, revoked_at, synced FROM session_access WHERE session_id = ?',
      )
      .get(sessionId);
    return row && {
      token: row.token, tokenHash: row.token_hash, readHash: row.read_hash, expiresAt: row.expires_at, revokedAt: row.revoked_at, synced: row.synced === 1,
    };
  }

  /**
   * Records a session's access. A URL replaced or revoked (the token changes away from one that was set) starts a new
   * content-key epoch in the same transaction, when the session has a key: its old envelope, which the relay holds,
   * lacks the new key, so nothing sealed from now on opens with it even with the relay's help.
   */
  setAccess(sessionId: string, a: Omit<Access, 'synced'>): void {
    this.db.transaction(() => {
      const before = this.access(sessionId)?.token ?? null;
      this.db
        .prepare(
          `INSERT INTO session_access (session_id, token, token_hash, read_hash, expires_at, revoked_at, synced, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, 0, ?)
           ON CONFLICT (session_id) DO UPDATE SET token = excluded.token, token_hash = excluded.token_hash,
             read_hash = excluded.read_hash, expires_at = excluded.expires_at, revoked_at = excluded.revoked_at, synced = 0,
             updated_at = excluded.updated_at`,
        )
        .run(sessionId, a.token, a.tokenHash, a.readHash, a.expiresAt, a.revokedAt, new Date().toISOString());
      // From no URL to a first one (or again after a revocation, which began an epoch already) no URL had the key.
      if (before !== null && before !== a.token && this.newestKey(sessionId)) this.newEpoch(sessionId);
    }).immediate();
  }

  /** The session's newest content key (made on first use): what its events and instructions are sealed with now. */
  contentKey(sessionId: string): ContentKeyRow {
    const found = this.newestKey(sessionId);
    if (found) return found; // the usual case: no write on the path of every instruction
    this.db.prepare('INSERT OR IGNORE INTO session_keys (session_id, epoch, key) VALUES (?, 1, ?)').run(sessionId, randomBytes(32).toString('base64url'));
    return this.newestKey(sessionId) as ContentKeyRow;
  }

  /** Every content key of the session, oldest first (made on first use): what a current URL may open. */
  contentKeys(sessionId: string): ContentKeyRow[] {
    this.contentKey(sessionId);
    return this.db.prepare<[string], ContentKeyRow>(`SELECT ${KEY_COLUMNS} FROM session_keys WHERE session_id = ? ORDER BY epoch`).all(sessionId);
  }

  /** Starts a new epoch: a random key, newest from now on. Returns its number. */
  newEpoch(sessionId: string): number {
    return this.db.transaction(() => {
      const epoch = (this.newestKey(sessionId)?.epoch ?? 0) + 1;
      const from = (this.db.prepare<[string], { last: number | null }>('SELECT MAX(seq) AS last FROM events WHERE session_id = ?').get(sessionId)?.last ?? 0) + 1;
      this.db.prepare('UPDATE session_keys SET replaced_at = ? WHERE session_id = ? AND epoch = ?').run(new Date().toISOString(), sessionId, epoch - 1);
      this.db.prepare('INSERT INTO session_keys (session_id, epoch, key, from_seq) VALUES (?, ?, ?, ?)').run(sessionId, epoch, randomBytes(32).toString('base64url'), from);
      return epoch;
    }).immediate();
  }

  private newestKey(sessionId: string): ContentKeyRow | undefined {
    return this.db.prepare<[string], ContentKeyRow>(`SELECT ${KEY_COLUMNS} FROM session_keys WHERE session_id = ? ORDER BY epoch DESC LIMIT 1`).get(sessionId);
  }

  /**
   * Whether an instruction of the session (null: to the daemon itself) received before `id` came with this nonce:
   * `id` is a replay if so.
   */
  nonceSeen(sessionId: string | null, nonce: string, id: string): boolean {
    // The (session_id, nonce) index answers it; rowid is the order of receipt (storeInstructions inserts in order).
    return this.db
      .prepare('SELECT 1 FROM inbox WHERE session_id IS ? AND nonce = ? AND rowid < (SELECT rowid FROM inbox WHERE id = ?) LIMIT 1')
      .get(sessionId, nonce, id) !== undefined;
  }

  /** Marks access as acknowledged by the relay, unless it changed again meanwhile. */
  markAccessSynced(sessionId: string, tokenHash: string | null): void {
    this.db.prepare('UPDATE session_access SET synced = 1 WHERE session_id = ? AND token_hash IS ?').run(sessionId, tokenHash);
  }

  cursor(sessionId: string): number {
    return this.db.prepare<[string], { acked_seq: number }>('SELECT acked_seq FROM link_cursors WHERE session_id = ?').get(sessionId)?.acked_seq ?? 0;
  }

  setCursor(sessionId: string, seq: number): void {
    this.db
      .prepare('INSERT INTO link_cursors (session_id, acked_seq) VALUES (?, ?) ON CONFLICT (session_id) DO UPDATE SET acked_seq = MAX(acked_seq, excluded.acked_seq)')
      .run(sessionId, seq);
  }

  resetCursor(sessionId: string, seq: number): void {
    this.db.prepare('UPDATE link_cursors SET acked_seq = ? WHERE session_id = ?').run(seq, sessionId);
  }

  /** The oldest event the daemon still holds for a session (retention prunes older ones), or 0 for none. */
  firstSeq(sessionId: string): number {
    return this.db.prepare<[string], { first: number | null }>('SELECT MIN(seq) AS first FROM events WHERE session_id = ?').get(sessionId)?.first ?? 0;
  }

  /** Events after the cursor, oldest first: what the relay does not hold yet. */
  eventsAfter(sessionId: string, after: number, limit: number): UploadEvent[] {
    return this.db
      .prepare<[string, number, number], UploadEvent>('SELECT seq, at, kind, data FROM events WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?')
      .all(sessionId, after, limit);
  }

  /** Stores instructions (repeats ignored); returns the ids that were new. One transaction for the batch. */
  storeInstructions(items: InboxItem[]): string[] {
    const insert = this.db.prepare(
      'INSERT OR IGNORE INTO inbox (id, session_id, kind, payload, via, received_at, nonce) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    return this.db.transaction(() => {
      const fresh: string[] = [];
      const now = new Date().toISOString();
      for (const i of items) {
        if (insert.run(i.id, i.sessionId, i.kind, JSON.stringify(i.payload), i.via, now, nonceOf(i)).changes === 1) fresh.push(i.id);
      }
      return fresh;
    }).immediate();
  }

  /** Claims the oldest instruction not yet started, marking it started in the same transaction. */
  claimNext(): InboxItem | undefined {
    return this.db.transaction(() => {
      const row = this.db
        .prepare<[], { id: string; session_id: string | null; kind: string; payload: string; via: string | null }>(
          'SELECT id, session_id, kind, payload, via FROM inbox WHERE started_at IS NULL ORDER BY received_at, rowid LIMIT 1',
        )
        .get();
      if (!row) return undefined;
      this.db.prepare('UPDATE inbox SET started_at = ? WHERE id = ?').run(new Date().toISOString(), row.id);
      return { id: row.id, sessionId: row.session_id, kind: row.kind, payload: JSON.parse(row.payload) as Record<string, unknown>, via: row.via };
    }).immediate();
  }

  /** `result`: for an instruction to the daemon itself, what its client is told (sent by the link, sealed). */
  finish(id: string, error: string | null, result: unknown = null): void {
    this.db.prepare('UPDATE inbox SET done_at = ?, error = ?, result = ? WHERE id = ?')
      .run(new Date().toISOString(), error, result === null ? null : JSON.stringify(result), id);
  }

  /** Outcomes of instructions to the daemon itself that the relay does not have yet, oldest first. */
  unsentResults(limit = 100): { id: string; nonce: string | null; result: unknown }[] {
    return this.db
      .prepare<[number], { id: string; nonce: string | null; result: string }>(
        'SELECT id, nonce, result FROM inbox WHERE result IS NOT NULL AND result_sent = 0 ORDER BY done_at LIMIT ?',
      )
      .all(limit)
      .map((r) => ({ id: r.id, nonce: r.nonce, result: JSON.parse(r.result) as unknown }));
  }

  markResultsSent(ids: readonly string[]): void {
    const mark = this.db.prepare('UPDATE inbox SET result_sent = 1 WHERE id = ?');
    this.db.transaction(() => {
      for (const id of ids) mark.run(id);
    })();
  }
}
