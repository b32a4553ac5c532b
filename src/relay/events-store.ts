// Session events uploaded by daemons: stored idempotently (UNIQUE(session, seq)), acknowledged up to the
// highest contiguous seq, served to remote clients from a cursor, and pruned oldest-first beyond a window.
import type { RelayEvent } from '../protocol/relay.js';
import type { Db } from './db.js';

// One remote answer carries at most this much, so a client far behind catches up in bounded steps.
export const MAX_EVENTS_PER_READ = 1000;
export const MAX_BYTES_PER_READ = 1024 * 1024;

export interface ReadResult {
  events: RelayEvent[];
  /** Events between the cursor and the first one returned were pruned. */
  gap: boolean;
  /** Every acknowledged event the relay holds after the cursor was returned (no size cut). */
  complete: boolean;
}

export interface EarlierResult {
  events: RelayEvent[];
  /** The relay holds events before the first one returned (ask again with it as `before`). */
  earlier: boolean;
  /** It does not, and events before the first one returned were pruned. */
  gap: boolean;
}

export class EventStore {
  private readonly q;

  constructor(private readonly db: Db, private readonly keepEvents: number) {
    this.q = {
      cursor: db.prepare<[string], { acked_seq: number; pruned_through: number; event_count: number }>(
        'SELECT acked_seq, pruned_through, event_count FROM sessions WHERE id = ?',
      ),
      insert: db.prepare('INSERT OR IGNORE INTO events (session_id, seq, at, kind, data) VALUES (?, ?, ?, ?, ?)'),
      seqsAfter: db.prepare<[string, number], { seq: number }>('SELECT seq FROM events WHERE session_id = ? AND seq > ? ORDER BY seq'),
      nthSeq: db.prepare<[string, number], { seq: number }>('SELECT seq FROM events WHERE session_id = ? ORDER BY seq LIMIT 1 OFFSET ?'),
      prune: db.prepare('DELETE FROM events WHERE session_id = ? AND seq <= ?'),
      setCursor: db.prepare('UPDATE sessions SET acked_seq = ?, pruned_through = ?, event_count = ? WHERE id = ?'),
      read: db.prepare<[string, number, number, number], { seq: number; at: string; kind: string; data: string }>(
        'SELECT seq, at, kind, data FROM events WHERE session_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?',
      ),
      firstSeq: db.prepare<[string], { seq: number }>('SELECT seq FROM events WHERE session_id = ? ORDER BY seq LIMIT 1'),
      readBefore: db.prepare<[string, number, number, number], { seq: number; at: string; kind: string; data: string }>(
        'SELECT seq, at, kind, data FROM events WHERE session_id = ? AND seq < ? AND seq <= ? ORDER BY seq DESC LIMIT ?',
      ),
    };
  }

  /**
   * Stores a session's events (repeats and already-pruned seqs are ignored), prunes beyond the window and
   * returns the new acknowledged seq. The caller has checked that the session exists and is the daemon's.
   */
  append(sessionId: string, events: readonly RelayEvent[], firstSeq?: number): number {
    return this.db.transaction(() => {
      const cur = this.q.cursor.get(sessionId);
      if (!cur) return 0;
      let { acked_seq: acked, pruned_through: pruned, event_count: count } = cur;
      // Events the daemon itself pruned before uploading them will never come: treat them like our own pruning.
      if (firstSeq !== undefined) pruned = Math.max(pruned, firstSeq - 1);
      for (const e of events) {
        if (e.seq <= pruned) continue;
        count += this.q.insert.run(sessionId, e.seq, e.at, e.kind, e.data).changes;
      }
      if (count > this.keepEvents) {
        const last = this.q.nthSeq.get(sessionId, count - this.keepEvents - 1);
        if (last) {
          count -= this.q.prune.run(sessionId, last.seq).changes;
          pruned = Math.max(pruned, last.seq);
        }
      }
      // Pruned events are not coming back, so they count as held: the daemon need not send them again.
      acked = Math.max(acked, pruned);
      for (const { seq } of this.q.seqsAfter.iterate(sessionId, acked)) {
        if (seq !== acked + 1) break;
        acked = seq;
      }
      this.q.setCursor.run(acked, pruned, count, sessionId);
      return acked;
    }).immediate();
  }

  /** Up to a bounded batch of acknowledged events after `after` (events past a hole are not served yet). */
  read(sessionId: string, after: number): ReadResult {
    const cur = this.q.cursor.get(sessionId);
    if (!cur) return { events: [], gap: false, complete: true };
    const events: RelayEvent[] = [];
    let bytes = 0;
    let complete = true;
    for (const r of this.q.read.iterate(sessionId, after, cur.acked_seq, MAX_EVENTS_PER_READ + 1)) {
      if (events.length === MAX_EVENTS_PER_READ || (events.length > 0 && bytes + r.data.length > MAX_BYTES_PER_READ)) {
        complete = false;
        break;
      }
      events.push({ seq: r.seq, at: r.at, kind: r.kind as RelayEvent['kind'], data: r.data });
      bytes += r.data.length;
    }
    return { events, gap: after < cur.pruned_through, complete };
  }

  /**
   * The newest acknowledged events before `before`, at most `limit` (and the same byte cap as `read`), oldest first:
   * a page of history read backwards, for a client that shows the end of a session first. `earlier`: the relay holds
   * events before the first one returned; `gap`: it does not, and the ones just before it were pruned.
   */
  readBefore(sessionId: string, before: number, limit: number): EarlierResult {
    const cur = this.q.cursor.get(sessionId);
    if (!cur) return { events: [], earlier: false, gap: false };
    const events: RelayEvent[] = [];
    let bytes = 0;
    const max = Math.max(1, Math.min(limit, MAX_EVENTS_PER_READ));
    for (const r of this.q.readBefore.iterate(sessionId, before, cur.acked_seq, max)) {
      if (events.length > 0 && bytes + r.data.length > MAX_BYTES_PER_READ) break;
      events.push({ seq: r.seq, at: r.at, kind: r.kind as RelayEvent['kind'], data: r.data });
      bytes += r.data.length;
    }
    events.reverse();
    const from = events[0]?.seq ?? Math.min(before, cur.acked_seq + 1);
    const first = this.q.firstSeq.get(sessionId)?.seq;
    const earlier = first !== undefined && first < from;
    return { events, earlier, gap: !earlier && from > 1 && cur.pruned_through >= from - 1 };
  }

  /** firstSeq/lastSeq for the status answer: what a client can still read. */
  bounds(sessionId: string): { firstSeq: number; lastSeq: number } {
    const cur = this.q.cursor.get(sessionId);
    if (!cur || cur.acked_seq === 0) return { firstSeq: 0, lastSeq: 0 };
    const first = this.q.firstSeq.get(sessionId)?.seq ?? cur.acked_seq;
    return { firstSeq: Math.min(first, cur.acked_seq), lastSeq: cur.acked_seq };
  }
}
