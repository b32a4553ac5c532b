// Daemons, sessions and their URLs in the shared PostgreSQL store: the same rules as sqlite/sessions.ts (only hashes
// at rest, a retired hash never current again), made safe across instances by row locks (a daemon's row while its
// sessions change) and one advisory lock taken only when URL hashes change (so two instances cannot both find a
// hash free and claim it).
import { randomBytes } from 'node:crypto';
import type { RemoteSession } from '../../protocol/relay.js';
import { toSessionRow as toRow, type RawSession } from '../rows.js';
import {
  sameHash, sha256hex, type AccessFailure, type OpenedSession, type RelayCounts, type SessionAccess, type SessionRow, type SessionStore,
} from '../stores.js';
import { LOCK_ACCESS, LOCK_REGISTER, prepared, tx, type Client, type Pool, type Queryable } from './db.js';

const COLUMNS = 'id, daemon_id, view, token_hash, read_hash, envelope, device_envelope, expires_at, acked_seq, pruned_through, event_count';

const Q = {
  authenticate: prepared('authenticate', 'SELECT id, credential_hash, created_at FROM daemons WHERE credential_hash = $1'),
  ownerOf: prepared('owner_of', 'SELECT daemon_id FROM sessions WHERE id = $1'),
  get: prepared('session_get', `SELECT ${COLUMNS} FROM sessions WHERE id = $1`),
  byToken: prepared('session_by_token', `SELECT ${COLUMNS} FROM sessions WHERE token_hash = $1 OR read_hash = $1 LIMIT 1`),
};

/** Who holds a hash: a session (its steer or read hash) and/or a daemon (its device URL's). */
export async function hashHolder(c: Queryable, hash: string): Promise<{ session: string | null; daemon: string | null }> {
  const r = await c.query<{ session: string | null; daemon: string | null }>(
    `SELECT (SELECT id FROM sessions WHERE token_hash = $1 OR read_hash = $1 LIMIT 1) AS session,
            (SELECT id FROM daemons WHERE device_hash = $1 OR device_read_hash = $1 LIMIT 1) AS daemon`,
    [hash],
  );
  return r.rows[0] ?? { session: null, daemon: null };
}

export async function retiredReason(c: Queryable, hash: string): Promise<{ token_hash: string; reason: string } | null> {
  return (await c.query<{ token_hash: string; reason: string }>('SELECT token_hash, reason FROM retired_tokens WHERE token_hash = $1', [hash])).rows[0] ?? null;
}

/**
 * Checks and claims a holder's new URL hashes (`news`, replacing `olds`): under the access lock, so no other instance
 * claims the same hash meanwhile; 'conflict' when another session or device holds one, 'retired' when one was ever
 * rotated away or revoked; otherwise the replaced ones are retired (as `retiredAs`: rotated, or revoked when `news`
 * is empty). `self` is the holder itself (a session id, or a daemon for its device URL), which may keep its hashes.
 */
export async function claimHashes(
  c: Client, olds: readonly (string | null)[], news: readonly (string | null)[], self: { session?: string; daemon?: string }, retiredAs: string,
): Promise<'ok' | 'conflict' | 'retired'> {
  if (!news.some((h, i) => h !== olds[i])) return 'ok';
  await c.query('SELECT pg_advisory_xact_lock($1)', [LOCK_ACCESS]);
  for (const hash of news) {
    if (hash === null || olds.includes(hash)) continue;
    const holder = await hashHolder(c, hash);
    if ((holder.session !== null && holder.session !== self.session) || (holder.daemon !== null && holder.daemon !== self.daemon)) return 'conflict';
    if (await retiredReason(c, hash)) return 'retired';
  }
  const now = new Date().toISOString();
  const reason = news.some((h) => h !== null) ? 'rotated' : 'revoked';
  for (const old of olds) if (old !== null && !news.includes(old)) await retire(c, old, retiredAs, reason, now);
  return 'ok';
}

export async function retire(c: Client, hash: string, holder: string, reason: 'rotated' | 'revoked', at: string): Promise<void> {
  await c.query(
    `INSERT INTO retired_tokens (token_hash, session_id, reason, at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (token_hash) DO UPDATE SET session_id = EXCLUDED.session_id, reason = EXCLUDED.reason, at = EXCLUDED.at`,
    [hash, holder, reason, at],
  );
}

export class PgSessionStore implements SessionStore {
  constructor(private readonly pool: Pool) {}

  async registerDaemon(maxDaemons: number): Promise<{ daemonId: string; credential: string } | 'full'> {
    return tx(this.pool, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [LOCK_REGISTER]);
      const n = (await c.query<{ n: number }>('SELECT COUNT(*) AS n FROM daemons')).rows[0]?.n ?? 0;
      if (n >= maxDaemons) return 'full' as const;
      const daemonId = randomBytes(8).toString('hex');
      const credential = randomBytes(32).toString('base64url');
      await c.query('INSERT INTO daemons (id, credential_hash, created_at) VALUES ($1, $2, $3)', [daemonId, sha256hex(credential), new Date().toISOString()]);
      return { daemonId, credential };
    });
  }

  async authenticate(credential: string): Promise<{ id: string; registeredAt: number } | null> {
    const hash = sha256hex(credential);
    const row = (await this.pool.query<{ id: string; credential_hash: string; created_at: string }>(Q.authenticate([hash]))).rows[0];
    return row && sameHash(row.credential_hash, hash) ? { id: row.id, registeredAt: Date.parse(row.created_at) } : null;
  }

  async ownerOf(id: string): Promise<string | null> {
    return (await this.pool.query<{ daemon_id: string }>(Q.ownerOf([id]))).rows[0]?.daemon_id ?? null;
  }

  async get(id: string): Promise<SessionRow | null> {
    const r = (await this.pool.query<RawSession>(Q.get([id]))).rows[0];
    return r ? toRow(r) : null;
  }

  async put(
    daemonId: string,
    view: RemoteSession,
    access: SessionAccess | null,
    maxSessions: number,
    deviceEnvelope: string | null = null,
  ): Promise<'ok' | 'conflict' | 'retired' | 'full'> {
    return tx(this.pool, async (c) => {
      // The daemon's row first: its puts (a new session and the count of its sessions) go one at a time.
      if ((await c.query('SELECT 1 FROM daemons WHERE id = $1 FOR UPDATE', [daemonId])).rowCount === 0) return 'conflict';
      const now = new Date().toISOString();
      const current = (await c.query<RawSession>(`SELECT ${COLUMNS} FROM sessions WHERE id = $1 FOR UPDATE`, [view.id])).rows[0];
      if (current && current.daemon_id !== daemonId) return 'conflict';
      if (!current) {
        const n = (await c.query<{ n: number }>('SELECT COUNT(*) AS n FROM sessions WHERE daemon_id = $1', [daemonId])).rows[0]?.n ?? 0;
        if (n >= maxSessions) return 'full';
      }
      const olds = [current?.token_hash ?? null, current?.read_hash ?? null];
      const news = [access?.tokenHash ?? null, access?.readHash ?? null];
      if (news[0] !== null && news[0] === news[1]) return 'conflict';
      const claimed = await claimHashes(c, olds, news, { session: view.id }, view.id);
      if (claimed !== 'ok') return claimed;
      const params = [view.id, daemonId, JSON.stringify(view), news[0], news[1], access?.envelope ?? null, deviceEnvelope, access?.expiresAt ?? null, now];
      if (current) {
        await c.query(
          `UPDATE sessions SET view = $3, token_hash = $4, read_hash = $5, envelope = $6, device_envelope = $7, expires_at = $8, updated_at = $9
            WHERE id = $1 AND daemon_id = $2`,
          params,
        );
      } else {
        await c.query(
          `INSERT INTO sessions (id, daemon_id, view, token_hash, read_hash, envelope, device_envelope, expires_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          params,
        );
      }
      return 'ok' as const;
    });
  }

  async ofDaemon(daemonId: string): Promise<SessionRow[]> {
    return (await this.pool.query<RawSession>(`SELECT ${COLUMNS} FROM sessions WHERE daemon_id = $1 ORDER BY id`, [daemonId])).rows.map(toRow);
  }

  async remove(daemonId: string, id: string): Promise<'ok' | 'not-found'> {
    return tx(this.pool, async (c) => {
      const current = (await c.query<RawSession>(`SELECT ${COLUMNS} FROM sessions WHERE id = $1 FOR UPDATE`, [id])).rows[0];
      if (!current || current.daemon_id !== daemonId) return 'not-found';
      const now = new Date().toISOString();
      for (const hash of [current.token_hash, current.read_hash]) if (hash) await retire(c, hash, id, 'revoked', now);
      await c.query('DELETE FROM sessions WHERE id = $1', [id]);
      return 'ok' as const;
    });
  }

  async byToken(token: string, now = Date.now()): Promise<OpenedSession | AccessFailure> {
    const hash = sha256hex(token);
    const rows = (await this.pool.query<RawSession>(Q.byToken([hash]))).rows;
    const r = rows[0];
    const steer = r?.token_hash === hash;
    const stored = steer ? r?.token_hash : r?.read_hash;
    if (r && r.token_hash && stored && sameHash(stored, hash)) {
      if (r.expires_at && Date.parse(r.expires_at) <= now) return 'EXPIRED';
      return { ...toRow(r), tokenHash: r.token_hash, scope: steer ? 'control' : 'view' };
    }
    const retired = await retiredReason(this.pool, hash);
    if (retired && sameHash(retired.token_hash, hash)) return retired.reason === 'rotated' ? 'ROTATED' : 'REVOKED';
    return 'UNKNOWN_URL';
  }

  async counts(): Promise<RelayCounts> {
    const r = await this.pool.query<RelayCounts>(
      `SELECT (SELECT COUNT(*) FROM daemons) AS daemons, (SELECT COUNT(*) FROM sessions) AS sessions,
              (SELECT COALESCE(SUM(event_count), 0)::bigint FROM sessions) AS events,
              (SELECT COUNT(*) FROM instructions WHERE acked_at IS NULL) AS pending`,
    );
    return r.rows[0] as RelayCounts;
  }
}
