// Which daemons are linked, across instances: each instance writes the ids it saw lately (notifier.ts Presence, one
// UPDATE every few seconds for all of them), stamped with the database's clock so that instances' clocks need not agree.
import type { SharedPresence } from '../stores.js';
import type { Pool } from './db.js';

export class PgPresence implements SharedPresence {
  constructor(private readonly pool: Pool) {}

  async publish(daemonIds: readonly string[]): Promise<void> {
    await this.pool.query('UPDATE daemons SET seen_at = now() WHERE id = ANY($1::text[])', [[...daemonIds]]);
  }

  async recent(daemonIds: readonly string[], withinMs: number): Promise<Set<string>> {
    const r = await this.pool.query<{ id: string }>(
      "SELECT id FROM daemons WHERE id = ANY($1::text[]) AND seen_at > now() - $2 * interval '1 millisecond'",
      [[...daemonIds], withinMs],
    );
    return new Set(r.rows.map((x) => x.id));
  }

  async countRecent(withinMs: number): Promise<number> {
    const r = await this.pool.query<{ n: number }>("SELECT COUNT(*) AS n FROM daemons WHERE seen_at > now() - $1 * interval '1 millisecond'", [withinMs]);
    return r.rows[0]?.n ?? 0;
  }
}
