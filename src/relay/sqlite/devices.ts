// A daemon's device URL at rest (docs/e2e-protocol.md "URLs"): one URL that opens every session of the daemon. As
// for a session URL, only sha256 of the two credentials derived from its secret is stored (steer: reads and steers;
// read: reads), beside an expiry. A replaced or revoked hash is retired for good (retired_tokens, the session_id
// column naming `device:<daemon id>`), and no hash is ever current for two holders (sessions or devices), so nobody
// can claim a URL someone else holds or held.
import { retiredDevice, sameHash, sha256hex, type AccessFailure, type DeviceAccess, type DeviceStore, type OpenedDevice } from '../stores.js';
import type { Db } from './db.js';

interface RawDevice { id: string; device_hash: string | null; device_read_hash: string | null; device_expires_at: string | null }

export class SqliteDeviceStore implements DeviceStore {
  private readonly q;

  constructor(private readonly db: Db) {
    this.q = {
      get: db.prepare<[string], RawDevice>('SELECT id, device_hash, device_read_hash, device_expires_at FROM daemons WHERE id = ?'),
      bySteer: db.prepare<[string], RawDevice>('SELECT id, device_hash, device_read_hash, device_expires_at FROM daemons WHERE device_hash = ?'),
      byRead: db.prepare<[string], RawDevice>('SELECT id, device_hash, device_read_hash, device_expires_at FROM daemons WHERE device_read_hash = ?'),
      heldBySession: db.prepare<[string, string], { id: string }>('SELECT id FROM sessions WHERE token_hash = ? OR read_hash = ? LIMIT 1'),
      retired: db.prepare<[string], { token_hash: string; reason: string }>('SELECT token_hash, reason FROM retired_tokens WHERE token_hash = ?'),
      retire: db.prepare('INSERT OR REPLACE INTO retired_tokens (token_hash, session_id, reason, at) VALUES (?, ?, ?, ?)'),
      set: db.prepare('UPDATE daemons SET device_hash = ?, device_read_hash = ?, device_expires_at = ? WHERE id = ?'),
    };
  }

  /**
   * Sets (or with null, revokes) the daemon's device URL. 'conflict' when a hash is another holder's, 'retired' when
   * it was rotated away or revoked before (by anyone): the same rules as a session URL's (store.ts put).
   */
  async put(daemonId: string, access: DeviceAccess | null): Promise<'ok' | 'conflict' | 'retired'> {
    return this.db.transaction(() => {
      const current = this.q.get.get(daemonId);
      if (!current) return 'conflict';
      const olds = [current.device_hash, current.device_read_hash];
      const news = [access?.tokenHash ?? null, access?.readHash ?? null];
      if (news[0] !== null && news[0] === news[1]) return 'conflict';
      for (const hash of news) {
        if (hash === null || olds.includes(hash)) continue;
        const holder = this.q.bySteer.get(hash) ?? this.q.byRead.get(hash);
        if ((holder && holder.id !== daemonId) || this.q.heldBySession.get(hash, hash)) return 'conflict';
        if (this.q.retired.get(hash)) return 'retired';
      }
      const now = new Date().toISOString();
      for (const old of olds) {
        if (old !== null && !news.includes(old)) this.q.retire.run(old, retiredDevice(daemonId), access ? 'rotated' : 'revoked', now);
      }
      this.q.set.run(news[0], news[1], access?.expiresAt ?? null, daemonId);
      return 'ok' as const;
    }).immediate();
  }

  /** Whether a hash is some daemon's current device credential (a session may not take it). */
  async holds(hash: string): Promise<boolean> {
    return Boolean(this.q.bySteer.get(hash) ?? this.q.byRead.get(hash));
  }

  /** The daemon a device URL's credential opens, and with which scope, or why it opens none. */
  async open(credential: string, now = Date.now()): Promise<OpenedDevice | AccessFailure> {
    const hash = sha256hex(credential);
    const steer = this.q.bySteer.get(hash);
    const r = steer ?? this.q.byRead.get(hash);
    const stored = steer ? steer.device_hash : r?.device_read_hash;
    if (r?.device_hash && stored && sameHash(stored, hash)) {
      if (r.device_expires_at && Date.parse(r.device_expires_at) <= now) return 'EXPIRED';
      return { daemonId: r.id, scope: steer ? 'control' : 'view', tokenHash: r.device_hash };
    }
    const retired = this.q.retired.get(hash);
    if (retired && sameHash(retired.token_hash, hash)) return retired.reason === 'rotated' ? 'ROTATED' : 'REVOKED';
    return 'UNKNOWN_URL';
  }
}
