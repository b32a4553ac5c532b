// Which daemons are linked, across instances: each instance records the daemons linked to it when that changes (a
// daemon links, a daemon has been gone ONLINE_GRACE_MS) and a heartbeat of its own every PRESENCE_TICK_MS; a daemon
// is online while an instance with a fresh heartbeat holds it. Steady state costs one row write per instance per
// tick, however many daemons it holds (writing every held daemon's time each tick was 2,000 row updates a second at
// 10,000 daemons). Times are the database's clock, so instances' clocks need not agree. The tables are UNLOGGED:
// after a crash of PostgreSQL they come back empty, a heartbeat then finds its row gone and the instance joins its
// daemons again.
import { randomBytes } from 'node:crypto';
import type { SharedPresence } from '../stores.js';
import { prepared, type Pool } from './db.js';

// An instance whose heartbeat is older than this vouches for nothing (three missed ticks); its rows are swept after
// a minute.
export const INSTANCE_STALE_S = 15;
const SWEEP_AFTER_S = 60;

const Q = {
  heartbeat: prepared('presence_heartbeat', 'UPDATE relay_instances SET heartbeat_at = now() WHERE id = $1'),
  sweep: prepared('presence_sweep', `DELETE FROM relay_instances WHERE heartbeat_at < now() - make_interval(secs => ${SWEEP_AFTER_S})`),
  linked: prepared('presence_linked', `SELECT DISTINCT l.daemon_id FROM daemon_links l JOIN relay_instances i ON i.id = l.instance_id
     WHERE l.daemon_id = ANY($1::text[]) AND i.heartbeat_at > now() - make_interval(secs => ${INSTANCE_STALE_S})`),
};

export class PgPresence implements SharedPresence {
  private readonly instance = randomBytes(6).toString('hex');

  constructor(private readonly pool: Pool) {}

  async update(join: readonly string[], leave: readonly string[]): Promise<void> {
    if (join.length > 0) {
      await this.pool.query(
        `INSERT INTO daemon_links (daemon_id, instance_id) SELECT d, $2 FROM unnest($1::text[]) AS d ON CONFLICT DO NOTHING`,
        [[...join], this.instance],
      );
    }
    if (leave.length > 0) {
      await this.pool.query('DELETE FROM daemon_links WHERE instance_id = $2 AND daemon_id = ANY($1::text[])', [[...leave], this.instance]);
    }
  }

  async heartbeat(): Promise<boolean> {
    // Instances gone for a minute (killed, or their host lost) are swept, with their links: a few rows at most.
    await this.pool.query(Q.sweep([]));
    if (((await this.pool.query(Q.heartbeat([this.instance]))).rowCount ?? 0) > 0) return true;
    await this.pool.query('INSERT INTO relay_instances (id, heartbeat_at) VALUES ($1, now()) ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()', [this.instance]);
    return false;
  }

  async linked(daemonIds: readonly string[]): Promise<Set<string>> {
    return new Set((await this.pool.query<{ daemon_id: string }>(Q.linked([[...daemonIds]]))).rows.map((r) => r.daemon_id));
  }

  async countLinked(): Promise<number> {
    const r = await this.pool.query<{ n: number }>(
      `SELECT COUNT(DISTINCT l.daemon_id) AS n FROM daemon_links l JOIN relay_instances i ON i.id = l.instance_id
        WHERE i.heartbeat_at > now() - make_interval(secs => ${INSTANCE_STALE_S})`,
    );
    return r.rows[0]?.n ?? 0;
  }

  async withdraw(): Promise<void> {
    await this.pool.query('DELETE FROM relay_instances WHERE id = $1', [this.instance]);
  }
}
