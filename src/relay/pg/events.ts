// Session events in the shared PostgreSQL store: the rules of sqlite/events.ts (idempotent storage, contiguous ack,
// retention by count, bytes and age). An upload's part is one call of rcd_append (schema.ts), which locks the
// session's row; an upload is every part or nothing. The age sweep is done here, a session at a time.
import type { RelayEvent } from '../../protocol/relay.js';
import { packBytes, servedChars, unpackData } from '../event-data.js';
import {
  MAX_BYTES_PER_READ, MAX_EVENTS_PER_READ, SessionGone, type AppendResult, type EarlierResult, type EventStore, type ReadResult, type Retention,
  type UploadPart,
} from '../stores.js';
import { prepared, tx, type Client, type Pool, type Queryable } from './db.js';

// Rows an age sweep looks at per session and run (as sqlite/events.ts).
const MAX_SWEEP_ROWS = 10_000;

interface Cursor { id: string; acked_seq: number; pruned_through: number; event_count: number; event_bytes: number }
interface RawEvent { seq: number; at: string; kind: string; data: Buffer }

const Q = {
  append: prepared('events_append', 'SELECT acked, advanced FROM rcd_append($1, $2, $3::bigint[], $4::text[], $5::text[], $6::bytea[], $7, $8)'),
  read: prepared('events_read', `SELECT s.pruned_through, e.seq, e.at, e.kind, e.data FROM sessions s
       LEFT JOIN LATERAL (SELECT seq, at, kind, data FROM events
                           WHERE session_id = s.id AND seq > $2 AND seq <= s.acked_seq ORDER BY seq LIMIT $3) e ON true
      WHERE s.id = $1 ORDER BY e.seq`),
  bounds: prepared('events_bounds', 'SELECT acked_seq, (SELECT seq FROM events WHERE session_id = $1 ORDER BY seq LIMIT 1) AS first FROM sessions WHERE id = $1'),
};

const toEvent = (r: RawEvent): RelayEvent => ({ seq: r.seq, at: r.at, kind: r.kind as RelayEvent['kind'], data: unpackData(r.data) });

export class PgEventStore implements EventStore {
  constructor(private readonly pool: Pool, private readonly keep: Retention) {}

  async append(parts: readonly UploadPart[]): Promise<AppendResult[]> {
    // Each part is one statement (rcd_append, schema.ts): a lone part commits on its own; several go in one
    // transaction (every part or none), their sessions locked in id order so that two uploads of one daemon through
    // two instances cannot deadlock.
    const order = parts.map((p, i) => ({ p, i })).sort((x, y) => (x.p.sessionId < y.p.sessionId ? -1 : x.p.sessionId > y.p.sessionId ? 1 : 0));
    const out: AppendResult[] = new Array<AppendResult>(parts.length);
    const run = async (c: Queryable): Promise<AppendResult[]> => {
      for (const { p, i } of order) out[i] = await this.appendOne(c, p);
      return out;
    };
    return parts.length === 1 ? run(this.pool) : tx(this.pool, run);
  }

  private async appendOne(c: Queryable, p: UploadPart): Promise<AppendResult> {
    const e = p.events;
    try {
      const r = await c.query<{ acked: number; advanced: boolean }>(Q.append([
        p.sessionId, p.firstSeq ?? null, e.map((x) => x.seq), e.map((x) => x.at), e.map((x) => x.kind), e.map((x) => packBytes(x.kind, x.data)),
        this.keep.events, Math.min(this.keep.bytes, Number.MAX_SAFE_INTEGER),
      ]));
      const row = r.rows[0] as { acked: number; advanced: boolean };
      return { acked: row.acked, advanced: row.advanced };
    } catch (err) {
      if ((err as { code?: string }).code === 'P0002') throw new SessionGone(p.sessionId);
      throw err;
    }
  }

  /** Deletes a session's events up to `seq` and updates the cursor (written by the caller). */
  private async pruneThrough(c: Client, sessionId: string, seq: number, cur: Cursor): Promise<boolean> {
    if (seq <= 0) return false;
    const gone = await c.query<{ n: number }>('DELETE FROM events WHERE session_id = $1 AND seq <= $2 RETURNING length(data) AS n', [sessionId, seq]);
    cur.event_count -= gone.rows.length;
    for (const r of gone.rows) cur.event_bytes -= r.n;
    cur.pruned_through = Math.max(cur.pruned_through, seq);
    return gone.rows.length > 0;
  }

  async read(sessionId: string, after: number): Promise<ReadResult> {
    // One round trip: the cursor and the events after `after` up to the acknowledged seq.
    const r = await this.pool.query<{ pruned_through: number; seq: number | null; at: string; kind: string; data: Buffer }>(Q.read([sessionId, after, MAX_EVENTS_PER_READ + 1]));
    const first = r.rows[0];
    if (!first) return { events: [], gap: false, complete: true };
    const events: RelayEvent[] = [];
    let bytes = 0;
    let complete = true;
    for (const row of r.rows) {
      if (row.seq === null) break;
      const chars = servedChars(row.data);
      if (events.length === MAX_EVENTS_PER_READ || (events.length > 0 && bytes + chars > MAX_BYTES_PER_READ)) {
        complete = false;
        break;
      }
      events.push(toEvent(row as RawEvent));
      bytes += chars;
    }
    return { events, gap: after < first.pruned_through, complete };
  }

  async readBefore(sessionId: string, before: number, limit: number): Promise<EarlierResult> {
    const cur = (await this.pool.query<{ acked_seq: number; pruned_through: number; first: number | null }>(
      'SELECT acked_seq, pruned_through, (SELECT seq FROM events WHERE session_id = $1 ORDER BY seq LIMIT 1) AS first FROM sessions WHERE id = $1', [sessionId],
    )).rows[0];
    if (!cur) return { events: [], earlier: false, gap: false };
    const max = Math.max(1, Math.min(limit, MAX_EVENTS_PER_READ));
    const rows = (await this.pool.query<RawEvent>(
      'SELECT seq, at, kind, data FROM events WHERE session_id = $1 AND seq < $2 AND seq <= $3 ORDER BY seq DESC LIMIT $4',
      [sessionId, before, cur.acked_seq, max],
    )).rows;
    const events: RelayEvent[] = [];
    let bytes = 0;
    for (const r of rows) {
      const chars = servedChars(r.data);
      if (events.length > 0 && bytes + chars > MAX_BYTES_PER_READ) break;
      events.push(toEvent(r));
      bytes += chars;
    }
    events.reverse();
    const from = events[0]?.seq ?? Math.min(before, cur.acked_seq + 1);
    const earlier = cur.first !== null && cur.first < from;
    return { events, earlier, gap: !earlier && from > 1 && cur.pruned_through >= from - 1 };
  }

  async bounds(sessionId: string): Promise<{ firstSeq: number; lastSeq: number }> {
    const cur = (await this.pool.query<{ acked_seq: number; first: number | null }>(Q.bounds([sessionId]))).rows[0];
    if (!cur || cur.acked_seq === 0) return { firstSeq: 0, lastSeq: 0 };
    return { firstSeq: Math.min(cur.first ?? cur.acked_seq, cur.acked_seq), lastSeq: cur.acked_seq };
  }

  async sweep(now = Date.now()): Promise<string[]> {
    const cutoff = now - this.keep.ageMs;
    // first_at is the daemon's ISO time: compared as text here (a second's imprecision at most), exactly below.
    const ids = (await this.pool.query<{ id: string }>('SELECT id FROM sessions WHERE first_at IS NOT NULL AND first_at < $1', [new Date(cutoff + 1000).toISOString()])).rows.map((r) => r.id);
    const swept: string[] = [];
    for (const id of ids) {
      const done = await tx(this.pool, async (c) => {
        const cur = (await c.query<Cursor>('SELECT id, acked_seq, pruned_through, event_count, event_bytes FROM sessions WHERE id = $1 FOR UPDATE', [id])).rows[0];
        if (!cur) return false;
        let through = 0;
        const ages = await c.query<{ seq: number; at: string }>('SELECT seq, at FROM events WHERE session_id = $1 ORDER BY seq LIMIT $2', [id, MAX_SWEEP_ROWS]);
        for (const r of ages.rows) {
          if (!(Date.parse(r.at) < cutoff)) break;
          through = r.seq;
        }
        if (!(await this.pruneThrough(c, id, through, cur))) return false;
        cur.acked_seq = Math.max(cur.acked_seq, cur.pruned_through);
        await c.query(
          `UPDATE sessions SET acked_seq = $1, pruned_through = $2, event_count = $3, event_bytes = $4,
             first_at = (SELECT at FROM events WHERE session_id = $5 ORDER BY seq LIMIT 1) WHERE id = $5`,
          [cur.acked_seq, cur.pruned_through, cur.event_count, cur.event_bytes, id],
        );
        return true;
      });
      if (done) swept.push(id);
    }
    return swept;
  }
}
