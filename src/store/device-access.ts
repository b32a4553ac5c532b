// The daemon's device URL (docs/e2e-protocol.md "URLs"): one secret that opens every session of this daemon, kept
// like a session URL's (the secret here and in the URL's fragment; the relay gets hashes of credentials derived from
// it). One row at most: a daemon has one device URL at a time.
import type { Access } from './link-store.js';
import type { Db } from './db.js';

interface Row { token: string | null; token_hash: string | null; read_hash: string | null; expires_at: string | null; revoked_at: string | null; synced: number }

export class DeviceAccessStore {
  constructor(private readonly db: Db) {}

  get(): Access | undefined {
    const row = this.db.prepare<[], Row>('SELECT token, token_hash, read_hash, expires_at, revoked_at, synced FROM device_access WHERE id = 1').get();
    return row && {
      token: row.token, tokenHash: row.token_hash, readHash: row.read_hash, expiresAt: row.expires_at, revokedAt: row.revoked_at, synced: row.synced === 1,
    };
  }

  /** The device URL's current secret (base64url) and its steer hash, or null when there is none (never issued, revoked, expired). */
  current(): { token: string; tokenHash: string } | null {
    const a = this.get();
    const expired = a?.expiresAt ? Date.parse(a.expiresAt) <= Date.now() : false;
    return a?.token && a.tokenHash && !a.revokedAt && !expired ? { token: a.token, tokenHash: a.tokenHash } : null;
  }

  set(a: Omit<Access, 'synced'>): void {
    this.db
      .prepare(
        `INSERT INTO device_access (id, token, token_hash, read_hash, expires_at, revoked_at, synced, updated_at)
         VALUES (1, ?, ?, ?, ?, ?, 0, ?)
         ON CONFLICT (id) DO UPDATE SET token = excluded.token, token_hash = excluded.token_hash, read_hash = excluded.read_hash,
           expires_at = excluded.expires_at, revoked_at = excluded.revoked_at, synced = 0, updated_at = excluded.updated_at`,
      )
      .run(a.token, a.tokenHash, a.readHash, a.expiresAt, a.revokedAt, new Date().toISOString());
  }

  /** The relay has this state of the device URL, unless it changed again meanwhile. */
  markSynced(tokenHash: string | null): void {
    this.db.prepare('UPDATE device_access SET synced = 1 WHERE id = 1 AND token_hash IS ?').run(tokenHash);
  }
}
