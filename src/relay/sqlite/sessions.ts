// Daemons, sessions and their access at rest: only sha256 of a credential or a token is stored. Lookups go by
// hash and then compare in constant time; replaced and revoked hashes are remembered so a failing URL can be
// told why it fails, and so that a retired URL never works again for anyone.
import { randomBytes } from 'node:crypto';
import type { RemoteSession } from '../../protocol/relay.js';
import { toSessionRow as toRow, type RawSession } from '../rows.js';
import {
  sameHash, sha256hex, type AccessFailure, type OpenedSession, type RelayCounts, type SessionAccess, type SessionRow, type SessionStore,
} from '../stores.js';
import type { Db } from './db.js';

export class SqliteSessionStore implements SessionStore {
  private readonly q;

  constructor(private readonly db: Db) {
    this.q = {
      insertDaemon: db.prepare('INSERT INTO daemons (id, credential_hash, created_at) VALUES (?, ?, ?)'),
      daemonByHash: db.prepare<[string], { id: string; credential_hash: string; created_at: string }>(
        'SELECT id, credential_hash, created_at FROM daemons WHERE credential_hash = ?',
      ),
      daemonCount: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM daemons'),
      sessionCount: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM sessions WHERE daemon_id = ?'),
      get: db.prepare<[string], RawSession>('SELECT * FROM sessions WHERE id = ?'),
      owner: db.prepare<[string], { daemon_id: string }>('SELECT daemon_id FROM sessions WHERE id = ?'),
      byToken: db.prepare<[string], RawSession>('SELECT * FROM sessions WHERE token_hash = ?'),
      byReadHash: db.prepare<[string], RawSession>('SELECT * FROM sessions WHERE read_hash = ?'),
      retired: db.prepare<[string], { token_hash: string; reason: string }>('SELECT token_hash, reason FROM retired_tokens WHERE token_hash = ?'),
      retire: db.prepare('INSERT OR REPLACE INTO retired_tokens (token_hash, session_id, reason, at) VALUES (?, ?, ?, ?)'),
      insert: db.prepare(
        `INSERT INTO sessions (id, daemon_id, view, token_hash, read_hash, envelope, device_envelope, expires_at, updated_at)
         VALUES (@id, @daemonId, @view, @tokenHash, @readHash, @envelope, @deviceEnvelope, @expiresAt, @now)`,
      ),
      update: db.prepare(
        `UPDATE sessions SET view = @view, token_hash = @tokenHash, read_hash = @readHash, envelope = @envelope,
           device_envelope = @deviceEnvelope, expires_at = @expiresAt, updated_at = @now WHERE id = @id`,
      ),
      ofDaemon: db.prepare<[string], RawSession>('SELECT * FROM sessions WHERE daemon_id = ? ORDER BY id'),
      deviceHolder: db.prepare<[string, string], { id: string }>('SELECT id FROM daemons WHERE device_hash = ? OR device_read_hash = ? LIMIT 1'),
      remove: db.prepare('DELETE FROM sessions WHERE id = ?'),
      counts: db.prepare<[], { daemons: number; sessions: number; events: number; pending: number }>(
        `SELECT (SELECT COUNT(*) FROM daemons) AS daemons, (SELECT COUNT(*) FROM sessions) AS sessions,
                (SELECT COALESCE(SUM(event_count), 0) FROM sessions) AS events,
                (SELECT COUNT(*) FROM instructions WHERE acked_at IS NULL) AS pending`,
      ),
    };
  }

  async registerDaemon(maxDaemons: number): Promise<{ daemonId: string; credential: string } | 'full'> {
    return this.db.transaction(() => {
      if ((this.q.daemonCount.get()?.n ?? 0) >= maxDaemons) return 'full' as const;
      const daemonId = randomBytes(8).toString('hex');
      const credential = randomBytes(32).toString('base64url');
      this.q.insertDaemon.run(daemonId, sha256hex(credential), new Date().toISOString());
      return { daemonId, credential };
    }).immediate();
  }

  async authenticate(credential: string): Promise<{ id: string; registeredAt: number } | null> {
    const hash = sha256hex(credential);
    const row = this.q.daemonByHash.get(hash);
    return row && sameHash(row.credential_hash, hash) ? { id: row.id, registeredAt: Date.parse(row.created_at) } : null;
  }

  async ownerOf(id: string): Promise<string | null> {
    return this.q.owner.get(id)?.daemon_id ?? null;
  }

  async get(id: string): Promise<SessionRow | null> {
    const r = this.q.get.get(id);
    return r ? toRow(r) : null;
  }

  /**
   * See SessionStore.put. A retired hash is never current again, for any session: whoever held the old URL (the
   * reason it was rotated or revoked, often) could otherwise register a daemon of their own, claim that hash and have
   * the old URL serve their session and take its visitors' prompts. Not even the session that retired it gets it
   * back: rotating says the URL is burnt, a daemon never sends a retired hash (every new URL is 256 fresh random
   * bits), and the only other sender is a stale request that arrived after a newer one, which must not undo the rotation.
   */
  async put(
    daemonId: string,
    view: RemoteSession,
    access: SessionAccess | null,
    maxSessions: number,
    deviceEnvelope: string | null = null,
  ): Promise<'ok' | 'conflict' | 'retired' | 'full'> {
    return this.db.transaction(() => {
      const now = new Date().toISOString();
      const current = this.q.get.get(view.id);
      if (current && current.daemon_id !== daemonId) return 'conflict';
      if (!current && (this.q.sessionCount.get(daemonId)?.n ?? 0) >= maxSessions) return 'full';
      // The steer and the read hash follow the same rules: new ones must be nobody's and never retired; replaced
      // ones are retired (rotated, or revoked when access ends).
      const olds = [current?.token_hash ?? null, current?.read_hash ?? null];
      const news = [access?.tokenHash ?? null, access?.readHash ?? null];
      if (news[0] !== null && news[0] === news[1]) return 'conflict';
      for (const hash of news) {
        if (hash === null || olds.includes(hash)) continue;
        const holder = this.q.byToken.get(hash) ?? this.q.byReadHash.get(hash);
        if ((holder && holder.id !== view.id) || this.q.deviceHolder.get(hash, hash)) return 'conflict';
        if (this.q.retired.get(hash)) return 'retired';
      }
      for (const old of olds) {
        if (old !== null && !news.includes(old)) this.q.retire.run(old, view.id, access ? 'rotated' : 'revoked', now);
      }
      const params = {
        id: view.id, daemonId, view: JSON.stringify(view), now,
        tokenHash: news[0], readHash: news[1], expiresAt: access?.expiresAt ?? null, envelope: access?.envelope ?? null, deviceEnvelope,
      };
      if (current) this.q.update.run(params);
      else this.q.insert.run(params);
      return 'ok' as const;
    }).immediate();
  }

  async ofDaemon(daemonId: string): Promise<SessionRow[]> {
    return this.q.ofDaemon.all(daemonId).map(toRow);
  }

  async remove(daemonId: string, id: string): Promise<'ok' | 'not-found'> {
    return this.db.transaction(() => {
      const current = this.q.get.get(id);
      if (!current || current.daemon_id !== daemonId) return 'not-found';
      for (const hash of [current.token_hash, current.read_hash]) if (hash) this.q.retire.run(hash, id, 'revoked', new Date().toISOString());
      this.q.remove.run(id);
      return 'ok' as const;
    }).immediate();
  }

  async byToken(token: string, now = Date.now()): Promise<OpenedSession | AccessFailure> {
    const hash = sha256hex(token);
    const steer = this.q.byToken.get(hash);
    const read = steer ? undefined : this.q.byReadHash.get(hash);
    const r = steer ?? read;
    const stored = steer ? steer.token_hash : read?.read_hash;
    if (r && r.token_hash && stored && sameHash(stored, hash)) {
      if (r.expires_at && Date.parse(r.expires_at) <= now) return 'EXPIRED';
      return { ...toRow(r), tokenHash: r.token_hash, scope: steer ? 'control' : 'view' };
    }
    const retired = this.q.retired.get(hash);
    if (retired && sameHash(retired.token_hash, hash)) return retired.reason === 'rotated' ? 'ROTATED' : 'REVOKED';
    return 'UNKNOWN_URL';
  }

  async counts(): Promise<RelayCounts> {
    return this.q.counts.get() as RelayCounts;
  }
}
