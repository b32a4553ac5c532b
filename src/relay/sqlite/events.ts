// Session events uploaded by daemons: stored idempotently (UNIQUE(session, seq)), acknowledged up to the
// highest contiguous seq, served to remote clients from a cursor, and pruned oldest-first beyond a window (events,
// bytes and age per session), in relay.db. The PostgreSQL twin is pg/events.ts; the contract is stores.ts EventStore.
import type { RelayEvent } from '../../protocol/relay.js';
import { packData, servedChars, unpackData } from '../event-data.js';
import {
  MAX_BYTES_PER_READ, MAX_EVENTS_PER_READ, SessionGone, type AppendResult, type EarlierResult, type EventStore, type ReadResult, type Retention,
  type UploadPart,
} from '../stores.js';
import type { Db } from './db.js';

// Uploads committed together at most: a commit this size takes a few ms, so no upload waits long for its answer.
const MAX_JOBS_PER_COMMIT = 256;
// Rows an age sweep looks at per session and run, so one sweep never holds the event loop long.
export const MAX_SWEEP_ROWS = 10_000;

interface Cursor { acked_seq: number; pruned_through: number; event_count: number; event_bytes: number }

interface Job {
  parts: readonly UploadPart[];
  resolve: (r: AppendResult[]) => void;
  reject: (err: unknown) => void;
}

export class SqliteEventStore implements EventStore {
  private readonly q;
  private readonly store: (parts: readonly UploadPart[]) => AppendResult[];
  private queue: Job[] = [];
  private flushing = false;
  /** Transactions the group commit made (tests, benchmarks). */
  commits = 0;

  constructor(private readonly db: Db, private readonly keep: Retention) {
    this.q = {
      cursor: db.prepare<[string], Cursor>('SELECT acked_seq, pruned_through, event_count, event_bytes FROM sessions WHERE id = ?'),
      insert: db.prepare('INSERT OR IGNORE INTO events (session_id, seq, at, kind, data) VALUES (?, ?, ?, ?, ?)'),
      seqsAfter: db.prepare<[string, number], { seq: number }>('SELECT seq FROM events WHERE session_id = ? AND seq > ? ORDER BY seq'),
      nthSeq: db.prepare<[string, number], { seq: number }>('SELECT seq FROM events WHERE session_id = ? ORDER BY seq LIMIT 1 OFFSET ?'),
      sizes: db.prepare<[string], { seq: number; n: number }>('SELECT seq, length(data) AS n FROM events WHERE session_id = ? ORDER BY seq'),
      ages: db.prepare<[string], { seq: number; at: string }>('SELECT seq, at FROM events WHERE session_id = ? ORDER BY seq'),
      prune: db.prepare<[string, number], { n: number }>('DELETE FROM events WHERE session_id = ? AND seq <= ? RETURNING length(data) AS n'),
      setCursor: db.prepare('UPDATE sessions SET acked_seq = ?, pruned_through = ?, event_count = ?, event_bytes = ? WHERE id = ?'),
      setFirstAt: db.prepare<[{ id: string }]>('UPDATE sessions SET first_at = (SELECT at FROM events WHERE session_id = @id ORDER BY seq LIMIT 1) WHERE id = @id'),
      read: db.prepare<[string, number, number, number], { seq: number; at: string; kind: string; data: Buffer | string }>(
        'SELECT seq, at, kind, data FROM events WHERE session_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?',
      ),
      firstSeq: db.prepare<[string], { seq: number }>('SELECT seq FROM events WHERE session_id = ? ORDER BY seq LIMIT 1'),
      readBefore: db.prepare<[string, number, number, number], { seq: number; at: string; kind: string; data: Buffer | string }>(
        'SELECT seq, at, kind, data FROM events WHERE session_id = ? AND seq < ? AND seq <= ? ORDER BY seq DESC LIMIT ?',
      ),
      newest: db.prepare<[string], { seq: number }>('SELECT seq FROM events WHERE session_id = ? ORDER BY seq DESC LIMIT 1'),
      oldSessions: db.prepare<[string], { id: string }>('SELECT id FROM sessions WHERE first_at IS NOT NULL AND first_at < ?'),
    };
    // Called inside the commit's transaction, this is a savepoint: a part that fails undoes its upload alone.
    this.store = db.transaction((parts: readonly UploadPart[]) => parts.map((p) => this.appendOne(p)));
  }

  /**
   * Group commit: uploads that arrive while the event loop is busy are stored in one transaction (one WAL commit)
   * when it next gets to them (setImmediate), each in a savepoint of its own. Under load that is tens of uploads per
   * commit, where a transaction each made the commit the relay's main cost (docs/benchmarks.md, "Relay load"); a
   * lone upload still commits at once.
   */
  append(parts: readonly UploadPart[]): Promise<AppendResult[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ parts, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const jobs = this.queue.splice(0, MAX_JOBS_PER_COMMIT);
    if (this.queue.length > 0) setImmediate(() => this.flush());
    else this.flushing = false;
    const outcomes: ({ ok: AppendResult[] } | { err: unknown })[] = [];
    this.commits += 1;
    try {
      this.db.transaction(() => {
        for (const job of jobs) {
          try {
            outcomes.push({ ok: this.store(job.parts) });
          } catch (err) {
            outcomes.push({ err });
          }
        }
      }).immediate();
    } catch (err) {
      // The commit itself failed (disk full, read-only): nothing of any of them is stored.
      for (const job of jobs) job.reject(err);
      return;
    }
    jobs.forEach((job, i) => {
      const o = outcomes[i] as { ok: AppendResult[] } | { err: unknown };
      if ('ok' in o) job.resolve(o.ok);
      else job.reject(o.err);
    });
  }

  private appendOne(p: UploadPart): AppendResult {
    const { sessionId, events, firstSeq } = p;
    const cur = this.q.cursor.get(sessionId);
    if (!cur) throw new SessionGone(sessionId);
    const wasEmpty = cur.event_count === 0;
    const c = { ...cur };
    // Events the daemon itself pruned before uploading them will never come: treat them like our own pruning.
    if (firstSeq !== undefined) c.pruned_through = Math.max(c.pruned_through, firstSeq - 1);
    for (const e of events) {
      if (e.seq <= c.pruned_through) continue;
      const data = packData(e.kind, e.data);
      if (this.q.insert.run(sessionId, e.seq, e.at, e.kind, data).changes > 0) {
        c.event_count += 1;
        c.event_bytes += data.length;
      }
    }
    let pruned = false;
    if (c.event_count > this.keep.events) {
      const last = this.q.nthSeq.get(sessionId, c.event_count - this.keep.events - 1);
      if (last) pruned = this.pruneThrough(sessionId, last.seq, c) || pruned;
    }
    if (c.event_bytes > this.keep.bytes) {
      let over = c.event_bytes - this.keep.bytes;
      let through = 0;
      for (const r of this.q.sizes.iterate(sessionId)) {
        through = r.seq;
        over -= r.n;
        if (over <= 0) break;
      }
      // The newest event alone may be over the budget: it is kept (a follower gets it), the next upload prunes it.
      if (through > 0) pruned = this.pruneThrough(sessionId, Math.min(through, this.maxSeqBelowNewest(sessionId)), c) || pruned;
    }
    const before = c.acked_seq;
    // Pruned events are not coming back, so they count as held: the daemon need not send them again.
    c.acked_seq = Math.max(c.acked_seq, c.pruned_through);
    for (const { seq } of this.q.seqsAfter.iterate(sessionId, c.acked_seq)) {
      if (seq !== c.acked_seq + 1) break;
      c.acked_seq = seq;
    }
    this.q.setCursor.run(c.acked_seq, c.pruned_through, c.event_count, c.event_bytes, sessionId);
    if (pruned || (wasEmpty && c.event_count > 0)) this.q.setFirstAt.run({ id: sessionId });
    return { acked: c.acked_seq, advanced: c.acked_seq > before };
  }

  /** The seq before the session's newest event (0 when it has none). */
  private maxSeqBelowNewest(sessionId: string): number {
    return Math.max(0, (this.q.newest.get(sessionId)?.seq ?? 1) - 1);
  }

  /** Deletes a session's events up to `seq` and updates the cursor `c` (written by the caller). */
  private pruneThrough(sessionId: string, seq: number, c: Cursor): boolean {
    if (seq <= 0) return false;
    let count = 0;
    let bytes = 0;
    for (const r of this.q.prune.all(sessionId, seq)) {
      count += 1;
      bytes += r.n;
    }
    c.event_count -= count;
    c.event_bytes -= bytes;
    c.pruned_through = Math.max(c.pruned_through, seq);
    return count > 0;
  }

  async read(sessionId: string, after: number): Promise<ReadResult> {
    const cur = this.q.cursor.get(sessionId);
    if (!cur) return { events: [], gap: false, complete: true };
    const events: RelayEvent[] = [];
    let bytes = 0;
    let complete = true;
    for (const r of this.q.read.iterate(sessionId, after, cur.acked_seq, MAX_EVENTS_PER_READ + 1)) {
      const chars = servedChars(r.data);
      if (events.length === MAX_EVENTS_PER_READ || (events.length > 0 && bytes + chars > MAX_BYTES_PER_READ)) {
        complete = false;
        break;
      }
      events.push({ seq: r.seq, at: r.at, kind: r.kind as RelayEvent['kind'], data: unpackData(r.data) });
      bytes += chars;
    }
    return { events, gap: after < cur.pruned_through, complete };
  }

  /**
   * The newest acknowledged events before `before`, at most `limit` (and the same byte cap as `read`), oldest first:
   * a page of history read backwards, for a client that shows the end of a session first. `earlier`: the relay holds
   * events before the first one returned; `gap`: it does not, and the ones just before it were pruned.
   */
  async readBefore(sessionId: string, before: number, limit: number): Promise<EarlierResult> {
    const cur = this.q.cursor.get(sessionId);
    if (!cur) return { events: [], earlier: false, gap: false };
    const events: RelayEvent[] = [];
    let bytes = 0;
    const max = Math.max(1, Math.min(limit, MAX_EVENTS_PER_READ));
    for (const r of this.q.readBefore.iterate(sessionId, before, cur.acked_seq, max)) {
      const chars = servedChars(r.data);
      if (events.length > 0 && bytes + chars > MAX_BYTES_PER_READ) break;
      events.push({ seq: r.seq, at: r.at, kind: r.kind as RelayEvent['kind'], data: unpackData(r.data) });
      bytes += chars;
    }
    events.reverse();
    const from = events[0]?.seq ?? Math.min(before, cur.acked_seq + 1);
    const first = this.q.firstSeq.get(sessionId)?.seq;
    const earlier = first !== undefined && first < from;
    return { events, earlier, gap: !earlier && from > 1 && cur.pruned_through >= from - 1 };
  }

  async bounds(sessionId: string): Promise<{ firstSeq: number; lastSeq: number }> {
    const cur = this.q.cursor.get(sessionId);
    if (!cur || cur.acked_seq === 0) return { firstSeq: 0, lastSeq: 0 };
    const first = this.q.firstSeq.get(sessionId)?.seq ?? cur.acked_seq;
    return { firstSeq: Math.min(first, cur.acked_seq), lastSeq: cur.acked_seq };
  }

  async sweep(now = Date.now()): Promise<string[]> {
    const cutoff = now - this.keep.ageMs;
    // first_at is the daemon's ISO time: compared as text here (a second's imprecision at most), exactly below.
    const ids = this.q.oldSessions.all(new Date(cutoff + 1000).toISOString()).map((r) => r.id);
    const swept: string[] = [];
    for (const id of ids) {
      this.db.transaction(() => {
        const cur = this.q.cursor.get(id);
        if (!cur) return;
        let through = 0;
        let rows = 0;
        for (const r of this.q.ages.iterate(id)) {
          if (++rows > MAX_SWEEP_ROWS || !(Date.parse(r.at) < cutoff)) break;
          through = r.seq;
        }
        const c = { ...cur };
        if (!this.pruneThrough(id, through, c)) return;
        c.acked_seq = Math.max(c.acked_seq, c.pruned_through);
        this.q.setCursor.run(c.acked_seq, c.pruned_through, c.event_count, c.event_bytes, id);
        this.q.setFirstAt.run({ id });
        swept.push(id);
      }).immediate();
    }
    return swept;
  }
}
