// A daemon's device URL in the shared PostgreSQL store: the rules of sqlite/devices.ts, with the daemon's row locked
// while it changes and the access lock (db.ts) while a hash is checked and claimed.
import { retiredDevice, sameHash, sha256hex, type AccessFailure, type DeviceAccess, type DeviceStore, type OpenedDevice } from '../stores.js';
import { tx, type Pool } from './db.js';
import { claimHashes, hashHolder, retiredReason } from './sessions.js';

interface RawDevice { id: string; device_hash: string | null; device_read_hash: string | null; device_expires_at: string | null }

export class PgDeviceStore implements DeviceStore {
  constructor(private readonly pool: Pool) {}

  async put(daemonId: string, access: DeviceAccess | null): Promise<'ok' | 'conflict' | 'retired'> {
    return tx(this.pool, async (c) => {
      const current = (await c.query<RawDevice>('SELECT id, device_hash, device_read_hash, device_expires_at FROM daemons WHERE id = $1 FOR UPDATE', [daemonId])).rows[0];
      if (!current) return 'conflict';
      const olds = [current.device_hash, current.device_read_hash];
      const news = [access?.tokenHash ?? null, access?.readHash ?? null];
      if (news[0] !== null && news[0] === news[1]) return 'conflict';
      const claimed = await claimHashes(c, olds, news, { daemon: daemonId }, retiredDevice(daemonId));
      if (claimed !== 'ok') return claimed;
      await c.query('UPDATE daemons SET device_hash = $1, device_read_hash = $2, device_expires_at = $3 WHERE id = $4', [news[0], news[1], access?.expiresAt ?? null, daemonId]);
      return 'ok' as const;
    });
  }

  async holds(hash: string): Promise<boolean> {
    return (await hashHolder(this.pool, hash)).daemon !== null;
  }

  async open(credential: string, now = Date.now()): Promise<OpenedDevice | AccessFailure> {
    const hash = sha256hex(credential);
    const r = (await this.pool.query<RawDevice>(
      'SELECT id, device_hash, device_read_hash, device_expires_at FROM daemons WHERE device_hash = $1 OR device_read_hash = $1 LIMIT 1', [hash],
    )).rows[0];
    const steer = r?.device_hash === hash;
    const stored = steer ? r?.device_hash : r?.device_read_hash;
    if (r?.device_hash && stored && sameHash(stored, hash)) {
      if (r.device_expires_at && Date.parse(r.device_expires_at) <= now) return 'EXPIRED';
      return { daemonId: r.id, scope: steer ? 'control' : 'view', tokenHash: r.device_hash };
    }
    const retired = await retiredReason(this.pool, hash);
    if (retired && sameHash(retired.token_hash, hash)) return retired.reason === 'rotated' ? 'ROTATED' : 'REVOKED';
    return 'UNKNOWN_URL';
  }
}
