// Session events in the shared PostgreSQL store: the rules of sqlite/events.ts (idempotent storage, contiguous ack,
// retention by count, bytes and age). An upload locks the rows of its sessions (in id order, so two uploads of the
// same daemon through two instances cannot deadlock) and is one transaction: every part or nothing.
import type { RelayEvent } from '../../protocol/relay.js';
import { packBytes, servedChars, unpackData } from '../event-data.js';
import {
  MAX_BYTES_PER_READ, MAX_EVENTS_PER_READ, SessionGone, type AppendResult, type EarlierResult, type EventStore, type ReadResult, type Retention,
  type UploadPart,
} from '../stores.js';
import { prepared, tx, type Client, type Pool } from './db.js';

// Rows an age sweep looks at per session and run (as sqlite/events.ts).
const MAX_SWEEP_ROWS = 10_000;
// Seqs read past the acknowledged one when looking for the contiguous end (events beyond a hole wait there).
const ACK_SCAN = 100_000;

interface Cursor { id: string; acked_seq: number; pruned_through: number; event_count: number; event_bytes: number }
interface RawEvent { seq: number; at: string; kind: string; data: Buffer }

const Q = {
  lock: prepared('events_lock', 'SELECT id, acked_seq, pruned_through, event_count, event_bytes FROM sessions WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE'),
  insert: prepared('events_insert', `INSERT INTO events (session_id, seq, at, kind, data)
     SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bytea[])
     ON CONFLICT (session_id, seq) DO NOTHING RETURNING length(data) AS n`),
  after: prepared('events_after', 'SELECT seq FROM events WHERE session_id = $1 AND seq > $2 ORDER BY seq LIMIT $3'),
  cursor: prepared('events_cursor', `UPDATE sessions SET acked_seq = $1, pruned_through = $2, event_count = $3, event_bytes = $4,
       first_at = CASE WHEN $6 THEN (SELECT at FROM events WHERE session_id = $5 ORDER BY seq LIMIT 1) ELSE first_at END
     WHERE id = $5`),
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
    const ids = [...new Set(parts.map((p) => p.sessionId))].sort();
    return tx(this.pool, async (c) => {
      const locked = await c.query<Cursor>(Q.lock([ids]));
      const cursors = new Map(locked.rows.map((r) => [r.id, r]));
      const out: AppendResult[] = [];
      for (const p of parts) {
        const cur = cursors.get(p.sessionId);
        if (!cur) throw new SessionGone(p.sessionId);
        const result = await this.appendOne(c, p, cur);
        out.push(result);
      }
      return out;
    });
  }

  /** One part, on its locked cursor (updated in place, so a second part for the same session builds on the first). */
  private async appendOne(c: Client, p: UploadPart, cur: Cursor): Promise<AppendResult> {
    const { sessionId, events, firstSeq } = p;
    const wasEmpty = cur.event_count === 0;
    // Events the daemon itself pruned before uploading them will never come: treat them like our own pruning.
    if (firstSeq !== undefined) cur.pruned_through = Math.max(cur.pruned_through, firstSeq - 1);
    const fresh = events.filter((e) => e.seq > cur.pruned_through);
    if (fresh.length > 0) {
      const inserted = await c.query<{ n: number }>(
        Q.insert([sessionId, fresh.map((e) => e.seq), fresh.map((e) => e.at), fresh.map((e) => e.kind), fresh.map((e) => packBytes(e.kind, e.data))]),
      );
      cur.event_count += inserted.rows.length;
      for (const r of inserted.rows) cur.event_bytes += r.n;
    }
    let pruned = false;
    if (cur.event_count > this.keep.events) {
      const last = (await c.query<{ seq: number }>(
        'SELECT seq FROM events WHERE session_id = $1 ORDER BY seq OFFSET $2 LIMIT 1', [sessionId, cur.event_count - this.keep.events - 1],
      )).rows[0];
      if (last) pruned = (await this.pruneThrough(c, sessionId, last.seq, cur)) || pruned;
    }
    if (cur.event_bytes > this.keep.bytes) {
      // The first seq at which the running total of bytes reaches the excess; never the newest event (it is kept for
      // a follower, and the next upload prunes it).
      const r = (await c.query<{ through: number | null }>(
        `SELECT LEAST(
           (SELECT seq FROM (SELECT seq, SUM(length(data)) OVER (ORDER BY seq) AS run FROM events WHERE session_id = $1) t
             WHERE run >= $2 ORDER BY seq LIMIT 1),
           (SELECT seq FROM events WHERE session_id = $1 ORDER BY seq DESC LIMIT 1) - 1) AS through`,
        [sessionId, cur.event_bytes - this.keep.bytes],
      )).rows[0];
      if (r?.through) pruned = (await this.pruneThrough(c, sessionId, r.through, cur)) || pruned;
    }
    const before = cur.acked_seq;
    // Pruned events are not coming back, so they count as held: the daemon need not send them again.
    cur.acked_seq = Math.max(cur.acked_seq, cur.pruned_through);
    const after = await c.query<{ seq: number }>(Q.after([sessionId, cur.acked_seq, ACK_SCAN]));
    for (const { seq } of after.rows) {
      if (seq !== cur.acked_seq + 1) break;
      cur.acked_seq = seq;
    }
    await c.query(Q.cursor([cur.acked_seq, cur.pruned_through, cur.event_count, cur.event_bytes, sessionId, pruned || (wasEmpty && cur.event_count > 0)]));
    return { acked: cur.acked_seq, advanced: cur.acked_seq > before };
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
